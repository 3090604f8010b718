"""The web app's sessions: who is signed in, on the server (store/web_sessions.py).

The cookie `promoflow_session` holds a random id (`secrets.token_urlsafe(32)`) signed with
`PROMOFLOW_SESSION_SECRET` (itsdangerous, what Starlette's own sessions use); the table keeps
the id's SHA-256 digest, the principal (name, role, business line, actor_id), the session's
CSRF token and its end (`PROMOFLOW_SESSION_HOURS`, default 12). The cookie is `HttpOnly`,
`SameSite=Lax`, `Path=/`, `Secure` when the request came over HTTPS. Each sign-in issues a
new id (and ends the session the browser held); `end` deletes the row, so a copied cookie
opens nothing after sign-out.

Dependencies for routes:

    async def page(actor: WebActor, request: Request): ...   # signed in, else to sign-in and back
    async def export(actor: DocumentActor, ...): ...          # bearer, or the session on a document route

`WebActor` is for /app pages. `DocumentActor` serves the documents that exist beside the JSON
API (the calendar, plan and report pages, the exports): a bearer header as before, or, only
on a route whose path ends in .html/.csv/.ics/.xlsx, the session cookie. Every JSON route
keeps `CurrentActor` (bearer only): a cookie alone there is 401.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from itsdangerous import BadSignature, Signer

from api.auth import DECIDERS
from api.calendar_page import prefers_html
from api.deps import AppDeps, Deps, bearer, current_actor
from api.web.render import LoginRequired, WebError
from infra.tokens import digest
from services import sessions
from store import web_sessions
from workflows.messages import Actor

COOKIE = "promoflow_session"
DOCUMENT_SUFFIXES = (".html", ".csv", ".ics", ".xlsx")


@dataclass(frozen=True)
class WebSession:
    id: str
    actor: Actor
    csrf_token: str
    expires_at: datetime


def secret(d: Deps) -> str:
    if d.settings.session_secret is None:
        raise WebError(503, "Sign-in is not configured",
                       "The server has no PROMOFLOW_SESSION_SECRET: set it (make run generates one) and restart.")
    return d.settings.session_secret.get_secret_value()


def _signer(d: Deps) -> Signer:
    return Signer(secret(d), salt="promoflow.session", digest_method=hashlib.sha256)


def home(actor: Actor) -> str:
    """Where a person lands after signing in: deciders their inbox, everyone else the list."""
    return "/app/inbox" if actor.role in DECIDERS else "/app/campaigns"


def safe_next(value: str | None) -> str | None:
    """A same-origin relative path to come back to, or None: `//evil`, `https://...`,
    backslashes (browsers read `/\\evil` as `//evil`), control characters are refused."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def asked_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def login_url(next_path: str | None) -> str:
    return "/app/login" + (f"?next={quote(next_path, safe='/')}" if next_path else "")


async def start(d: Deps, request: Request, response: Response, actor: Actor) -> WebSession:
    """A new session for `actor` (a fresh id, whatever the browser held: that one ends)."""
    signer = _signer(d)
    old = _session_id(d, request)
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=d.settings.session_hours)
    await sessions.open_session(d.pool, digest(sid), actor, csrf_token=csrf, expires_at=expires,
                                replacing=digest(old) if old else None)
    response.set_cookie(COOKIE, signer.sign(sid).decode(), max_age=max(1, int(d.settings.session_hours * 3600)),
                        path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return WebSession(sid, actor, csrf, expires)


async def end(d: Deps, request: Request, response: Response) -> None:
    """Sign out: the row is deleted (the cookie, even if kept, opens nothing) and cleared."""
    sid = _session_id(d, request)
    if sid:
        await sessions.close_session(d.pool, digest(sid))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")


def _session_id(d: Deps, request: Request) -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        return _signer(d).unsign(raw).decode()
    except BadSignature:
        return None


async def lookup(d: Deps, request: Request) -> WebSession | None:
    """The browser's live session, or None (no cookie, a bad signature, ended or expired)."""
    sid = _session_id(d, request)
    if not sid:
        return None
    row = await web_sessions.get(d.pool, digest(sid))
    if row is None:
        return None
    actor = Actor(name=row["name"], role=row["role"], business_line=row["business_line"], actor_id=row["actor_id"])
    session = WebSession(sid, actor, row["csrf_token"], row["expires_at"])
    request.state.web_session = session
    return session


async def web_session(request: Request, d: AppDeps) -> WebSession:
    session = await lookup(d, request)
    if session is None:
        raise LoginRequired(asked_path(request))
    return session


CurrentWebSession = Annotated[WebSession, Depends(web_session)]


async def web_actor(session: CurrentWebSession) -> Actor:
    return session.actor


WebActor = Annotated[Actor, Depends(web_actor)]


def is_document_route(request: Request) -> bool:
    route = request.scope.get("route")
    return str(getattr(route, "path", "")).endswith(DOCUMENT_SUFFIXES)


async def document_actor(request: Request, d: AppDeps,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Actor:
    """A bearer token as everywhere; else, on a document route only, the session cookie (an
    ended one, or a browser with none, goes to sign in and comes back)."""
    if credentials is None and is_document_route(request):
        if request.cookies.get(COOKIE):
            session = await lookup(d, request)
            if session is None:
                raise LoginRequired(asked_path(request))
            return session.actor
        if prefers_html(request.headers.get("accept")):
            raise LoginRequired(asked_path(request))
    # the bearer rule (a sync dependency: a JWKS fetch must not stall the loop)
    return await run_in_threadpool(current_actor, credentials, d)


DocumentActor = Annotated[Actor, Depends(document_actor)]

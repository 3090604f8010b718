"""CSRF: every form that changes something posts `csrf_token`, checked against the session's
own token (random, 32 bytes, made at sign-in and kept in the session's row); a POST without
it, or with another session's, is a 403 page and changes nothing. `SameSite=Lax` on the
session cookie already keeps other sites' POSTs from carrying it; the token is the guard
that does not depend on the browser.

Before there is a session (the sign-in form, the SSO round trip) the token lives in a
short-lived signed cookie `promoflow_login` (itsdangerous, `PROMOFLOW_SESSION_SECRET`, 10
minutes), double-submitted by the form; the same cookie carries the SSO flow's `state`,
`nonce`, PKCE verifier and the path to come back to.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.deps import Deps
from api.web.render import WebError
from api.web.session import WebSession
from api.web.session import secret as session_secret

FIELD = "csrf_token"
LOGIN_COOKIE = "promoflow_login"
LOGIN_PATH = "/app/login"
LOGIN_MAX_AGE_S = 600


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def check(session: WebSession, submitted: Any) -> None:
    """403 unless the form's token is this session's."""
    if not isinstance(submitted, str) or not _same(submitted, session.csrf_token):
        raise WebError(403, "The form was refused",
                       "The form's security token is missing or is not this session's, so nothing was changed. "
                       "Open the page again and resubmit.")


def _serializer(d: Deps) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(d), salt="promoflow.login")


def begin_login(d: Deps, request: Request, response: Response, **flow: Any) -> dict[str, Any]:
    """Start a sign-in: a fresh token (and whatever the flow must remember) in the signed
    pre-session cookie; returns what was stored."""
    payload = {"csrf": secrets.token_urlsafe(32), **flow}
    response.set_cookie(LOGIN_COOKIE, _serializer(d).dumps(payload), max_age=LOGIN_MAX_AGE_S, path=LOGIN_PATH,
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return payload


def login_flow(d: Deps, request: Request) -> dict[str, Any] | None:
    """The pre-session cookie's content while it is fresh and untampered, else None."""
    raw = request.cookies.get(LOGIN_COOKIE)
    if not raw:
        return None
    try:
        value = _serializer(d).loads(raw, max_age=LOGIN_MAX_AGE_S)
    except BadSignature:  # SignatureExpired is one
        return None
    return value if isinstance(value, dict) else None


def check_login(d: Deps, request: Request, submitted: Any) -> dict[str, Any]:
    """The sign-in form's token against the pre-session cookie; 403 otherwise."""
    flow = login_flow(d, request)
    if flow is None or not isinstance(submitted, str) or not _same(submitted, flow.get("csrf")):
        raise WebError(403, "The sign-in was refused",
                       "The sign-in form is out of date or was not sent from this browser. Open the sign-in page "
                       "again.")
    return flow


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two non-empty strings (the SSO flow's `state`)."""
    return _same(a, b)


def end_login(request: Request, response: Response) -> None:
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH, httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")

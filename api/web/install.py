"""Wiring the web app into the API (api/app.py calls `install(app)`): its routers, its static
files (`/app/static`: the stylesheet, vendored htmx), the security headers of every page, and
the error pages under /app (a use case's `ApiError`, bad query parameters and unknown paths
become pages there; the JSON API's answers elsewhere are untouched).

Security headers: every `text/html` response (the app's pages and the calendar, plan and
report pages) carries `Content-Security-Policy` (`default-src 'self'`, scripts only from
this origin, `frame-ancestors 'none'`; inline style attributes allowed, which the calendar
draws with), `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`. The
OpenAPI explorer (/docs, /redoc) keeps its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import status_of
from api.web import campaigns, delegations, inbox, lines, login, plans, policy, preparation, results, sso, webhooks
from api.web.render import LoginRequired, WebError, error_page
from api.web.session import login_url
from services.errors import Refused

ROUTERS = (login.router, sso.router, inbox.router, campaigns.router, plans.router, preparation.router,
           policy.router, lines.router, delegations.router, webhooks.router,
           results.router)
STATIC = Path(__file__).resolve().parent.parent / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
_OWN_HEADERS = ("/docs", "/redoc")
_TITLES = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 405: "Not allowed here",
           409: "Not possible now", 413: "Too large", 422: "Not valid", 503: "Unavailable"}


class SecurityHeaders:
    """Pure ASGI (no buffering): adds the headers to each HTML response's start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(_OWN_HEADERS):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html"):
                    headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                                (b"referrer-policy", b"same-origin")]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _in_app(request: Request) -> bool:
    return request.url.path == "/app" or request.url.path.startswith("/app/")


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="app-static")
    app.add_middleware(SecurityHeaders)
    json_handlers: dict[Any, Any] = {k: app.exception_handlers[k]
                                     for k in (Refused, RequestValidationError, StarletteHTTPException)}

    @app.exception_handler(LoginRequired)
    async def _login(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return error_page(request, exc.status, exc.title, exc.message)

    @app.exception_handler(Refused)
    async def _api_error(request: Request, exc: Refused) -> Response:
        if _in_app(request):
            status = status_of(exc)
            return error_page(request, status, _TITLES.get(status, "Refused"), exc.message)
        return await json_handlers[Refused](request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _in_app(request):
            what = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
            return error_page(request, 422, "Not valid", f"The address asks for something invalid ({what}).")
        return await json_handlers[RequestValidationError](request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _in_app(request):
            return error_page(request, exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail))
        return await json_handlers[StarletteHTTPException](request, exc)

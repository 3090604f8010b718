"""The door: `GET /` and `GET /app` (to the person's home, or to sign in), the sign-in page
`/app/login`, the demo sign-in, and `POST /app/logout`.

Demo sign-in (`PROMOFLOW_DEMO_LOGIN=1`, which only `make run` sets): the principals of the
tokens file as buttons `Sign in as <name>`, one form double-submitting the pre-session
token (api/web/csrf.py). Single sign-on is api/web/sso.py. After sign-in the person goes
back to the page they asked for (`next`, same-origin relative paths only) or to their home.
No GET here changes anything on the server (the sign-in page sets the pre-session cookie
only); sign-out is a POST with the session's token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import AppDeps
from api.web import csrf, session
from api.web.render import WebError, render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/app", status_code=303)


@router.get("/app")
async def app_home(request: Request, d: AppDeps) -> RedirectResponse:
    s = await session.lookup(d, request)
    return RedirectResponse(session.home(s.actor) if s else "/app/login", status_code=303)


@router.get("/app/login", response_class=HTMLResponse)
async def login_page(request: Request, d: AppDeps, next: str | None = None) -> Response:
    session.secret(d)  # 503 page when sessions cannot be signed
    current = await session.lookup(d, request)
    target = session.safe_next(next)
    demo = d.tokens.principals() if d.settings.demo_login else []
    cookies = Response()
    flow = csrf.begin_login(d, request, cookies, next=target)
    page = render(request, "app/login.html", title="Sign in", demo=demo, sso=d.settings.sso_login_enabled,
                  next_path=target, signed_in=current.actor if current else None, login_csrf=flow["csrf"])
    page.raw_headers.extend(h for h in cookies.raw_headers if h[0] == b"set-cookie")
    return page


@router.post("/app/login/demo")
async def demo_sign_in(request: Request, d: AppDeps) -> Response:
    if not d.settings.demo_login:
        raise WebError(404, "No demo sign-in", "Demo sign-in is off on this server (PROMOFLOW_DEMO_LOGIN).")
    form = await request.form()
    flow = csrf.check_login(d, request, form.get(csrf.FIELD))
    name = form.get("principal")
    actor = d.tokens.by_name(name) if isinstance(name, str) else None
    if actor is None:
        raise WebError(403, "The sign-in was refused", "There is no such demo principal.")
    response = RedirectResponse(session.safe_next(flow.get("next")) or session.home(actor), status_code=303)
    await session.start(d, request, response, actor)
    csrf.end_login(request, response)
    return response


@router.post("/app/logout")
async def sign_out(request: Request, d: AppDeps) -> Response:
    current = await session.lookup(d, request)
    if current is not None:
        form = await request.form()
        csrf.check(current, form.get(csrf.FIELD))
    response = RedirectResponse("/app/login", status_code=303)
    await session.end(d, request, response)
    return response

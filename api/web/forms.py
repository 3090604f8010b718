"""The pattern of every form that changes something (`@form_post`): the session, the CSRF
token, the role, then the use case, then a redirect (or a page of results), or the form
drawn again with the errors beside their fields and what was typed kept.

    @form_post(router, "/app/campaigns/new", roles=(Role.BUSINESS_LINE,), template="app/new.html")
    async def submit(form: FormContext) -> Response:
        if not form.value("name"):
            raise FormInvalid({"name": "a name is needed"})
        state = (await campaigns.submit(form.d, form.actor, ...)).state  # the JSON route's use case
        return RedirectResponse(f"/app/campaigns/{state.campaign_id}", status_code=303)

A POST without a live session, or without this session's token, is a 403 page and the
handler never runs. A role outside `roles` is a 403 page naming why. An `ApiError` of the
use case becomes a page with its status and message (api/web/install.py). `FormInvalid`
re-renders `template` with status 422, `errors` ({field: message}), `values` (the form as
posted) and whatever `context(form)` adds (the page's own data).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from api.deps import Deps, get_deps
from api.web import csrf
from api.web.render import WebError, render
from api.web.session import WebSession, lookup
from workflows.messages import Actor

Handler = Callable[["FormContext"], Awaitable[Response]]
Context = Callable[["FormContext"], Awaitable[dict[str, Any]]]


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str], message: str = "Some fields need another look."):
        super().__init__(message)
        self.errors, self.message = errors, message


@dataclass(frozen=True)
class FormContext:
    request: Request
    d: Deps
    session: WebSession
    form: FormData

    @property
    def actor(self) -> Actor:
        return self.session.actor

    def value(self, name: str) -> str:
        v = self.form.get(name)
        return v.strip() if isinstance(v, str) else ""

    def values(self, name: str) -> list[str]:
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]


async def checked_form(request: Request, roles: tuple[str, ...] = ()) -> FormContext:
    """Session, CSRF token and role of a POSTed form; a 403 page otherwise."""
    d = get_deps(request)
    session = await lookup(d, request)
    if session is None:
        raise WebError(403, "Your session has ended",
                       "You are not signed in (or your session ended), so nothing was changed. Sign in and try again.")
    form = await request.form()
    csrf.check(session, form.get(csrf.FIELD))
    if roles and session.actor.role not in roles:
        raise WebError(403, "Not allowed", f"{session.actor.name} ({session.actor.role}) may not do this: it needs "
                                           f"the role {' or '.join(roles)}.")
    return FormContext(request, d, session, form)


def form_post(router: APIRouter, path: str, *, roles: tuple[str, ...] = (), template: str | None = None,
              context: Context | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            form = await checked_form(request, roles)
            try:
                return await handler(form)
            except FormInvalid as err:
                if template is None:
                    raise WebError(422, "The form was refused", err.message) from err
                extra = await context(form) if context else {}
                values = {k: form.form.get(k) for k in form.form if k != csrf.FIELD}
                return render(request, template, status=422, errors=err.errors, values=values,
                              form_error=err.message, **extra)

        endpoint.__name__ = handler.__name__
        router.add_api_route(path, endpoint, methods=["POST"], response_class=HTMLResponse, include_in_schema=False,
                             name=handler.__name__)
        return handler

    return register

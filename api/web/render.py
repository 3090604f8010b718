"""Drawing a page of the web app: one Jinja2 environment (api/templates/app/, autoescape on),
one layout (`base.html`), one navigation bar, and the page errors.

    return render(request, "app/inbox.html", items=items)

`render(request, template, status=200, **ctx)` adds what every page needs: `person` (the
signed-in Actor, or None), `nav` (the pages the person's role may use, the current one
marked), `csrf_token` (the session's, for every form that changes something) and `path`.
The session comes from `request.state.web_session`, which the `WebActor` dependency
(api/web/session.py) sets. A new page adds itself to the bar with `NAV.append(NavItem(...))`
in its module, naming the roles that may open it (the bar shows a page only to them; the
page's route refuses anyone else anyway).

Errors: raise `WebError(status, title, message)` anywhere under /app (or an `ApiError` of a
use case: the app's handler draws it as this page under /app, api/web/__init__.py), and
`LoginRequired(next)` to send the person to sign in and back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.auth import DECIDERS, READERS, ROLES
from workflows.messages import Actor

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class WebError(Exception):
    """A page that says what went wrong (403: naming why; 404; 503 when not configured)."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


class LoginRequired(Exception):
    """No session (or it ended): sign in, then come back to `next`."""

    def __init__(self, next_path: str | None):
        super().__init__("sign in")
        self.next_path = next_path


@dataclass(frozen=True)
class NavItem:
    label: str
    href: Callable[[], str] | str
    roles: tuple[str, ...]

    def url(self) -> str:
        return self.href() if callable(self.href) else self.href


def _this_year() -> str:
    return str(datetime.now(UTC).year)


NAV: list[NavItem] = [
    NavItem("Inbox", "/app/inbox", DECIDERS),
    NavItem("Campaigns", "/app/campaigns", ROLES),
    NavItem("Calendar", lambda: f"/calendar/{_this_year()}.html", ROLES),
    NavItem("Plan", lambda: f"/plans/{_this_year()}.html", READERS),
    NavItem("Report", lambda: f"/reports/{_this_year()}.html", READERS),
]


def nav_for(actor: Actor | None, path: str) -> list[dict[str, Any]]:
    if actor is None:
        return []
    return [{"label": n.label, "href": n.url(), "current": path == n.url() or path.startswith(n.url() + "/")}
            for n in NAV if actor.role in n.roles]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda v: v.strftime("%Y-%m-%d %H:%M UTC") if isinstance(v, datetime) else (v or "")
    return env


def render(request: Request, template: str, *, status: int = 200, headers: dict[str, str] | None = None,
           **ctx: Any) -> HTMLResponse:
    session = getattr(request.state, "web_session", None)
    person = session.actor if session is not None else None
    page = environment().get_template(template).render(
        person=person, nav=nav_for(person, request.url.path), csrf_token=session.csrf_token if session else "",
        path=request.url.path, **ctx)
    return HTMLResponse(page, status_code=status, headers=headers)


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "app/error.html", status=status, title=title, message=message)

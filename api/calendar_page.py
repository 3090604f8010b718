"""The calendar page: the year (or one month) as the promotion playbook draws it.

`render_calendar(calendar, policy, month=None, preparation=None)` is pure: the typed answer
of `GET /calendar/{year}` (and, for the year page, the teams' load and the milestones due
soon) becomes one self-contained HTML page (the CSS of
`api/static/calendar.css` inlined, no script, no external asset: it works offline and
prints). The view model is `api.calendar_view` (shared) and `api.calendar_layout` (the
pages); the markup is in `api/templates/`, rendered by Jinja2 with autoescape on
(campaign names are typed by users).
`prefers_html(accept)` is the content negotiation of `GET /calendar/{year}`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from api.calendar_layout import MonthPage, YearPage, month_page, year_page
from api.calendar_view import WEEKDAYS, PreparationData
from api.models import CalendarYear
from domain.policy import Policy

__all__ = ["PreparationData", "prefers_html", "render_calendar"]

HERE = Path(__file__).resolve().parent


def _finalize(value: Any) -> Any:
    """Escape plain strings with `html.escape` (`&quot;`, `&#x27;`: the entities the page
    has always used) instead of markupsafe's; Markup (macros, the CSS) passes as is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html.escape(value, quote=True))
    return value


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
        finalize=_finalize, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def _css() -> Markup:
    return Markup((HERE / "static" / "calendar.css").read_text(encoding="utf-8"))


def render_calendar(calendar: CalendarYear | Mapping[str, Any], policy: Policy, month: str | None = None,
                    preparation: PreparationData | None = None) -> str:
    """The HTML page of `GET /calendar/{year}` (month=None) or of one month ("YYYY-MM");
    ValueError when `month` is not a month of the calendar's year. With `preparation` the
    year page adds the teams' load strip and the milestones due soon."""
    cal = calendar if isinstance(calendar, CalendarYear) else CalendarYear.model_validate(calendar)
    page: YearPage | MonthPage = year_page(cal, policy, preparation) if month is None \
        else month_page(cal, policy, month)
    name = "calendar_year.html" if month is None else "calendar_month.html"
    return _environment().get_template(name).render(page=page, css=_css(), weekdays=WEEKDAYS)


# ---------------------------------------------------------------------- content negotiation
_ACCEPT_PART = re.compile(r"^\s*([^;\s]+)\s*(.*)$")


def prefers_html(accept: str | None) -> bool:
    """True when an Accept header ranks text/html strictly above application/json."""
    if not accept:
        return False
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        m = _ACCEPT_PART.match(part)
        if not m:
            continue
        q = 1.0
        for param in m.group(2).split(";"):
            k, _, v = param.strip().partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        ranges.append((m.group(1).lower(), q))

    def quality(media: str) -> float:
        kind = media.split("/")[0]
        best, spec = 0.0, -1
        for rng, q in ranges:
            s = 2 if rng == media else 1 if rng == f"{kind}/*" else 0 if rng == "*/*" else -1
            if s > spec:
                best, spec = q, s
        return best if spec >= 0 else 0.0

    html_q = quality("text/html")
    return html_q > 0 and html_q > quality("application/json")

"""The calendar: `GET /calendar/{year}` (JSON, or the page when `Accept` prefers text/html),
`GET /calendar/{year}.html` and `GET /calendar/{year}/{month}.html` (the pages).

Routes are matched in the order they are declared, and all three live here: the two
`.html` routes come first, so `/calendar/{year}` never sees `2027.html` and no route has
to be moved after the fact. One loader (`load_calendar`, the `LoadedCalendar` alias)
authorizes and reads for all three; tests override it with `app.dependency_overrides`.
The year page also draws the teams' load and the milestones due soon: `preparation_source`
(the `PreparationSource` alias, overridable the same way) hands the routes a loader that
reads them with the store functions of `GET /teams/load` and `GET /milestones`, called only
when a page is drawn (JSON answers never pay for it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import HTMLResponse

from api.auth import READERS, require_role
from api.calendar_page import PreparationData, prefers_html, render_calendar
from api.calendar_view import BUSY_PREFIX, INACTIVE
from api.deps import AppDeps, Deps
from api.models import CalendarEntry, CalendarMonth, CalendarYear, PendingMilestone, PendingRequest
from api.web.session import DocumentActor  # bearer; the session too on the .html pages
from domain.approvals.roles import Role
from domain.balancing import budget, money_summary
from domain.dates import local_date
from domain.months import month_key, months_of_year
from domain.policy import Policy
from domain.tiers import Tier
from services.errors import Code, Refused
from store import milestones, reads, reference, teams
from store.calendar import load_year

FIRST_YEAR, LAST_YEAR = 2000, 2100
# The range is checked by `load_calendar` (after the role, with the API's own message);
# declared here so OpenAPI documents it.
Year = Annotated[int, Path(description="the calendar year", json_schema_extra={"minimum": FIRST_YEAR,
                                                                               "maximum": LAST_YEAR})]
MonthNumber = Annotated[int, Path(ge=1, le=12, description="1..12")]

router = APIRouter(prefix="/calendar", tags=["calendar"])


class CalendarData(NamedTuple):
    calendar: CalendarYear
    policy: Policy


async def calendar_year(d: Deps, year: int, policy: Policy) -> CalendarYear:
    """What GET /calendar/{year} returns: the year's months, their campaigns, the budget in
    days and in money."""
    async with d.pool.acquire() as conn:
        whole = await load_year(conn, year)
    summary, money = budget(policy, whole), money_summary(policy, whole)
    rows = [CalendarEntry.model_validate(r) for r in await reads.calendar_rows(d.pool, year)]
    pending = await reads.pending_rows(d.pool, year)
    months = []
    for key in months_of_year(year):
        entries = [r for r in rows if r.month == key]
        months.append(CalendarMonth(month=key, counted_days=sum(r.counted_days for r in entries),
                                    s_month=any(r.tier == Tier.S for r in entries), campaigns=entries,
                                    pending=[PendingRequest.model_validate(p) for p in pending if p["month"] == key]))
    return CalendarYear(year=year, budget=summary, months=months, money=money)


async def load_calendar(year: Year, actor: DocumentActor, d: AppDeps) -> CalendarData:
    """The calendar and the year's policy: one loader for the JSON route and the pages. A
    business line reads the company's year too (the playbook asks it to learn the calendar
    first and ride it), as `for_line` shows it."""
    require_role(actor, *READERS, Role.BUSINESS_LINE)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Refused(Code.INVALID, f"year must be between {FIRST_YEAR} and {LAST_YEAR}")
    policy = await reference.policy_for(d.pool, year)
    cal = await calendar_year(d, year, policy)
    if actor.role == Role.BUSINESS_LINE:
        cal = for_line(cal, actor.business_line or "")
    return CalendarData(cal, policy)


def for_line(cal: CalendarYear, line: str) -> CalendarYear:
    """The year as a business line sees it: S and A campaigns and their dates in full (the
    company's stage it rides), its own campaigns in full, and other lines' live B and C only
    as busy days with their tier (no id, name, line, category or status); other lines'
    pending requests left out. Month totals and the budget are the company's, unchanged."""
    months = []
    for m in cal.months:
        shown, busy = [], 0
        for e in m.campaigns:
            if e.tier in (Tier.S, Tier.A) or e.business_line == line:
                shown.append(e)
            elif e.status not in INACTIVE:
                busy += 1
                shown.append(CalendarEntry(campaign_id=f"{BUSY_PREFIX}{m.month}-{busy}", month=e.month, tier=e.tier,
                                           category="", counted_days=e.counted_days, hot_topic=False,
                                           phases=e.phases, name=None, business_line=None, status=None))
        months.append(m.model_copy(update={"campaigns": shown,
                                           "pending": [p for p in m.pending if p.business_line == line]}))
    return cal.model_copy(update={"months": months})


LoadedCalendar = Annotated[CalendarData, Depends(load_calendar)]
PreparationLoader = Callable[[], Awaitable[PreparationData]]


async def preparation_source(loaded: LoadedCalendar, actor: DocumentActor, d: AppDeps) -> PreparationLoader:
    """A loader of the year page's preparation (after `load_calendar` authorized the call):
    the teams' load per ISO week of the year and the milestones open or overdue by today
    (policy time zone) + the policy's lookahead."""
    policy, year = loaded.policy, loaded.calendar.year
    line = actor.business_line if actor.role == Role.BUSINESS_LINE else None

    async def load() -> PreparationData:
        today = local_date(policy, datetime.now(UTC))
        loads = await teams.week_loads_of(d.pool, policy, year)
        due = await milestones.pending(d.pool, due_before=today + timedelta(days=policy.milestone_lookahead_days + 1))
        return PreparationData(today, tuple(loads), tuple(PendingMilestone.model_validate(r) for r in due
                                                          if line is None or r["business_line"] == line))

    return load


PreparationSource = Annotated[PreparationLoader, Depends(preparation_source)]
_PAGE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": {}}, "description": "the calendar page"}}
_VARY = {"Vary": "Accept"}


@router.get("/{year}.html", response_class=HTMLResponse, responses=_PAGE,
            summary="The year's calendar as an HTML page")
async def calendar_year_page(year: Year, loaded: LoadedCalendar, prep: PreparationSource) -> HTMLResponse:
    return HTMLResponse(render_calendar(loaded.calendar, loaded.policy, preparation=await prep()))


@router.get("/{year}/{month}.html", response_class=HTMLResponse, responses=_PAGE,
            summary="One month of the calendar as an HTML page")
async def calendar_month_page(year: Year, month: MonthNumber, loaded: LoadedCalendar) -> HTMLResponse:
    try:
        return HTMLResponse(render_calendar(loaded.calendar, loaded.policy, month=month_key(year, month)))
    except ValueError as err:
        raise Refused(Code.INVALID, str(err)) from err


@router.get("/{year}", response_model=CalendarYear,
            responses={200: {"content": {"text/html": {}},
                             "description": "the calendar; the page when Accept prefers text/html"}})
async def calendar(year: Year, loaded: LoadedCalendar, prep: PreparationSource, request: Request,
                   response: Response) -> CalendarYear | HTMLResponse:
    """JSON by default; the year page for a client that prefers text/html (a browser)."""
    if prefers_html(request.headers.get("accept")):
        return HTMLResponse(render_calendar(loaded.calendar, loaded.policy, preparation=await prep()),
                            headers=_VARY)
    response.headers.update(_VARY)
    return loaded.calendar

"""The calendar pages' layout: the year as month rows with campaign bars packed into lanes,
and one month as a Monday-first weekday grid with a chip per campaign day.

`year_page(calendar, policy, preparation=None)` and `month_page(calendar, policy, "YYYY-MM")`
build on the shared view model (`api.calendar_view`) and return what
`templates/calendar_year.html` and `templates/calendar_month.html` draw, positions already
computed (the year page adds the teams' load strip and the milestones due soon when given
their data). No HTML here.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta

from api.calendar_view import (
    PHASE_NAMES,
    Campaign,
    Common,
    MonthData,
    PreparationData,
    PreparationView,
    common,
    order,
    preparation,
    span,
)
from api.models import CalendarYear
from domain.campaign import PhaseName
from domain.policy import Policy


# ---------------------------------------------------------------------- the year page
@dataclass(frozen=True)
class DayCell:
    column: int  # grid column of the day (2..32)
    css: str
    title: str
    void: bool  # Feb 30, ...


@dataclass(frozen=True)
class Segment:
    phase: str
    days: int


@dataclass(frozen=True)
class Bar:
    campaign: Campaign
    css: str  # tier, inactive, cl / cr (continues left / right), away (booked in another month)
    column: int  # first grid column
    column_end: int  # exclusive
    lane: int  # 1-based grid row
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class MonthRow:
    month: MonthData
    abbr: str  # "Jan"
    lanes: int
    days: tuple[DayCell, ...]
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class YearPage:
    title: str
    common: Common
    rows: tuple[MonthRow, ...]
    active_campaigns: int
    counted_days: int
    s_months: int
    preparation: PreparationView | None = None  # the teams' load strip and the milestones due soon


def _lanes(items: list[tuple[int, int, Campaign]]) -> list[tuple[int, int, Campaign, int]]:
    """Greedy interval packing: each bar gets the first lane that is free at its start."""
    ends: list[int] = []
    out = []
    for start, end, c in sorted(items, key=lambda i: (i[0], -(i[1] - i[0]))):
        lane = next((i for i, e in enumerate(ends) if e <= start), None)
        if lane is None:
            ends.append(end)
            lane = len(ends) - 1
        else:
            ends[lane] = end
        out.append((start, end, c, lane))
    return out


def _month_row(y: Common, m: MonthData) -> MonthRow:
    first = m.first
    ndays = _calendar.monthrange(y.year, m.number)[1]
    after = first + timedelta(days=ndays)
    items = []
    for c in y.overlapping(first, after):
        s, e = max(c.start, first), min(c.end, after)
        items.append(((s - first).days + 1, (e - first).days + 1, c))
    bars = []
    for start, end, c, lane in _lanes(items):
        segments = tuple(Segment(p.phase.value, (min(p.end, after) - max(p.start, first)).days)
                         for p in c.phases if min(p.end, after) > max(p.start, first))
        css = c.css + (" cl" if c.start < first else "") + (" cr" if c.end > after else "") \
            + ("" if c.month == m.key else " away")
        bars.append(Bar(c, css, start + 1, end + 1, lane + 1, segments))
    days = []
    for d in range(1, 32):
        if d > ndays:
            days.append(DayCell(d + 1, "d-void", "", True))
        else:
            css, note = y.day(date(y.year, m.number, d))
            days.append(DayCell(d + 1, css, note, False))
    return MonthRow(m, first.strftime("%b"), max([b.lane for b in bars] + [1]), tuple(days), tuple(bars))


def year_page(cal: CalendarYear, policy: Policy, prep: PreparationData | None = None) -> YearPage:
    y = common(cal, policy)
    return YearPage(
        title=f"Promotion calendar {y.year}", common=y, rows=tuple(_month_row(y, m) for m in y.months),
        active_campaigns=sum(1 for c in y.campaigns if c.active),
        counted_days=sum(m.counted_days for m in y.months), s_months=sum(1 for m in y.months if m.s_month),
        preparation=preparation(y, policy, prep) if prep is not None else None,
    )


# ---------------------------------------------------------------------- the month page
@dataclass(frozen=True)
class Chip:
    campaign: Campaign
    phase: str
    phase_name: str


@dataclass(frozen=True)
class WeekDay:
    day: date
    css: str  # weekend / holiday / festival, and d-out outside the month
    title: str
    holiday: str  # the holiday's or festival's name, or ""
    chips: tuple[Chip, ...]


@dataclass(frozen=True)
class ListRow:
    campaign: Campaign
    phases: tuple[str | None, ...]  # warm-up, burst, encore dates, None when absent


@dataclass(frozen=True)
class MonthPage:
    title: str
    common: Common
    month: MonthData
    name: str  # "September"
    prev_href: str
    prev_name: str
    next_href: str
    next_name: str
    weeks: tuple[tuple[WeekDay, ...], ...]
    rows: tuple[ListRow, ...]


def month_page(cal: CalendarYear, policy: Policy, key: str) -> MonthPage:
    """One month ("YYYY-MM") as a weekday calendar; ValueError for a month of another year."""
    y = common(cal, policy)
    m = next((m for m in y.months if m.key == key), None)
    if m is None:
        raise ValueError(f"month {key!r} is not a month of {y.year} (YYYY-MM)")
    first, mnum = m.first, m.number
    after = first + timedelta(days=_calendar.monthrange(y.year, mnum)[1])
    grid_start = first - timedelta(days=first.weekday())
    grid_end = after + timedelta(days=(7 - after.weekday()) % 7)
    shown = sorted(y.overlapping(grid_start, grid_end), key=order)
    weeks, d = [], grid_start
    while d < grid_end:
        week = []
        for _ in range(7):
            css, note = y.day(d)
            chips = tuple(Chip(c, p.phase.value, PHASE_NAMES[p.phase]) for c in shown if (p := c.phase_on(d)))
            week.append(WeekDay(d, css + ("" if d.month == mnum else " d-out"), note,
                                y.holidays.get(d) or y.festivals.get(d) or "", chips))
            d += timedelta(days=1)
        weeks.append(tuple(week))
    rows = tuple(ListRow(c, tuple(span(p.start, p.end) if (p := c.phase(name)) else None for name in PhaseName))
                 for c in m.campaigns)
    return MonthPage(
        title=f"Promotion calendar \u00b7 {first.strftime('%B')} {y.year}", common=y, month=m,
        name=first.strftime("%B"),
        prev_href=f"{mnum - 1}.html" if mnum > 1 else f"../{y.year - 1}/12.html",
        prev_name=(first - timedelta(days=1)).strftime("%B"),
        next_href=f"{mnum + 1}.html" if mnum < 12 else f"../{y.year + 1}/1.html",
        next_name=after.strftime("%B"), weeks=tuple(weeks), rows=rows,
    )

"""The calendar page: the year (or one month) as the promotion playbook draws it.

`render_calendar(data, policy, month=None)` is pure: it turns the JSON of
`GET /calendar/{year}` into one self-contained HTML page (inline CSS, no script, no
external asset: it works offline and prints). Every string that comes from `data` is
HTML-escaped; campaign names are typed by users.

`install_calendar_routes(app, load)` adds the HTML routes to the FastAPI app:

    GET /calendar/{year}.html            the year page
    GET /calendar/{year}/{month}.html    the month page (month 1..12)
    GET /calendar/{year}                 the year page too when `Accept` prefers text/html
                                         (a browser); JSON stays the default otherwise
"""

from __future__ import annotations

import calendar as _calendar
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Awaitable, Callable

from fastapi import Depends, FastAPI
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from api.errors import ApiError
from domain.holiday_data import CHINA_DAYS_OFF
from domain.policy import Policy, festival_dates

__all__ = ["install_calendar_routes", "prefers_html", "render_calendar"]

TIERS = ("S", "A", "B", "C")
TIER_NAMES = {
    "S": "company-strategic",
    "A": "cross-category",
    "B": "one category",
    "C": "business line internal",
}
PHASES = ("warmup", "burst", "encore")
PHASE_NAMES = {"warmup": "warm-up", "burst": "burst", "encore": "encore"}
INACTIVE = {"cancelled", "rejected", "expired"}
FESTIVAL_NAMES = {"618": "618", "double_11": "Double 11", "black_friday": "Black Friday", "double_12": "Double 12"}
DASH, HOT = "\u2013", " \u26a1"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# ---------------------------------------------------------------------- the data
def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _short(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def _span(start: date, end: date) -> str:
    """A half-open range [start, end) as people read it: '10-13 Sep', '28 Aug - 2 Sep'."""
    last = end - timedelta(days=1)
    if last <= start:
        return _short(start)
    if last.month == start.month:
        return f"{start.day}\u2013{last.day} {start.strftime('%b')}"
    return f"{_short(start)} \u2013 {_short(last)}"


@dataclass(frozen=True)
class _Phase:
    name: str  # one of PHASES, or "other"
    start: date
    end: date  # exclusive


@dataclass(frozen=True)
class _Campaign:
    id: str
    name: str
    tier: str  # one of TIERS, or "X" for anything unexpected
    status: str
    category: str
    business_line: str
    month: str
    counted_days: int
    hot_topic: bool
    phases: tuple[_Phase, ...]

    @classmethod
    def parse(cls, raw: dict[str, Any], month: str) -> "_Campaign":
        phases = []
        for p in raw.get("phases") or []:
            try:
                start, end = _day(p["start"]), _day(p["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if end > start:
                name = str(p.get("phase", ""))
                phases.append(_Phase(name if name in PHASES else "other", start, end))
        phases.sort(key=lambda p: p.start)
        tier = str(raw.get("tier") or "")
        return cls(
            id=str(raw.get("campaign_id") or ""),
            name=str(raw.get("name") or raw.get("campaign_id") or "(unnamed)"),
            tier=tier if tier in TIERS else "X",
            status=str(raw.get("status") or "unknown"),
            category=str(raw.get("category") or ""),
            business_line=str(raw.get("business_line") or ""),
            month=str(raw.get("month") or month),
            counted_days=int(raw.get("counted_days") or 0),
            hot_topic=bool(raw.get("hot_topic")),
            phases=tuple(phases),
        )

    @property
    def start(self) -> date | None:
        return self.phases[0].start if self.phases else None

    @property
    def end(self) -> date | None:
        return max(p.end for p in self.phases) if self.phases else None

    def phase(self, name: str) -> _Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def phase_on(self, day: date) -> _Phase | None:
        return next((p for p in self.phases if p.start <= day < p.end), None)

    @property
    def css(self) -> str:
        return f"t-{self.tier}" + (" inactive" if self.status in INACTIVE else "")

    def title(self) -> str:
        """The tooltip: id, tier, status, line and every phase's dates."""
        lines = [self.name, f"id {self.id}",
                 f"tier {self.tier} \u00b7 {self.status} \u00b7 {self.business_line} / {self.category}"
                 + (" \u00b7 hot topic" if self.hot_topic else "")]
        for p in self.phases:
            last = p.end - timedelta(days=1)
            lines.append(f"{PHASE_NAMES.get(p.name, p.name)}: {p.start.isoformat()} \u2192 {last.isoformat()}")
        lines.append(f"{self.counted_days} counted day{'s' if self.counted_days != 1 else ''} (month {self.month})")
        return "\n".join(lines)

    def dates_text(self) -> str:
        burst = self.phase("burst")
        if burst:
            return f"burst {_span(burst.start, burst.end)}"
        if self.start and self.end:
            return _span(self.start, self.end)
        return "no dates"


@dataclass(frozen=True)
class _Year:
    year: int
    budget: dict[str, Any]
    months: dict[str, dict[str, Any]]  # "YYYY-MM" -> {"counted_days", "s_month", "campaigns": [_Campaign]}
    campaigns: tuple[_Campaign, ...]
    holidays: dict[date, str]
    festivals: dict[date, str]
    spring_festival: date | None

    @classmethod
    def parse(cls, data: dict[str, Any], policy: Policy) -> "_Year":
        year = int(data["year"])
        months: dict[str, dict[str, Any]] = {}
        for m in range(1, 13):
            key = f"{year}-{m:02d}"
            months[key] = {"counted_days": 0, "s_month": False, "campaigns": []}
        for raw in data.get("months") or []:
            key = str(raw.get("month", ""))
            if key not in months:
                continue
            cams = [_Campaign.parse(c, key) for c in raw.get("campaigns") or []]
            cams.sort(key=lambda c: (TIERS.index(c.tier) if c.tier in TIERS else 9, c.start or date.max, c.name))
            months[key] = {
                "counted_days": int(raw.get("counted_days") or 0),
                "s_month": bool(raw.get("s_month")) or any(c.tier == "S" and c.status not in INACTIVE for c in cams),
                "campaigns": cams,
            }
        names = {date.fromisoformat(d): n for y in (year - 1, year, year + 1) for d, n in CHINA_DAYS_OFF.get(y, [])}
        holidays = {d: names.get(d, "Public holiday") for d in policy.holidays}
        festivals = {d: FESTIVAL_NAMES.get(k, k) for y in (year - 1, year, year + 1)
                     for k, d in festival_dates(y).items()}
        return cls(
            year=year,
            budget=dict(data.get("budget") or {}),
            months=months,
            campaigns=tuple(c for m in months.values() for c in m["campaigns"]),
            holidays=holidays,
            festivals=festivals,
            spring_festival=policy.spring_festival_day(year),
        )

    def overlapping(self, start: date, end: date) -> list[_Campaign]:
        """Campaigns with a day in [start, end), whatever month they are booked in."""
        return [c for c in self.campaigns if any(p.start < end and start < p.end for p in c.phases)]


# ---------------------------------------------------------------------- the page
def render_calendar(data: dict[str, Any], policy: Policy, month: str | None = None) -> str:
    """The HTML page of `GET /calendar/{year}` (month=None) or of one month ("YYYY-MM")."""
    y = _Year.parse(data, policy)
    if month is None:
        title = f"Promotion calendar {y.year}"
        body = _year_body(y, policy)
    else:
        if month not in y.months:
            raise ValueError(f"month {month!r} is not a month of {y.year} (YYYY-MM)")
        first = date(y.year, int(month[5:7]), 1)
        title = f"Promotion calendar \u00b7 {first.strftime('%B')} {y.year}"
        body = _month_body(y, policy, month)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _budget_panel(y: _Year) -> str:
    b = y.budget
    cap, used = int(b.get("cap") or 0), int(b.get("used") or 0)
    reserve, left = int(b.get("reserve") or 0), int(b.get("left") or 0)
    planned = int(b.get("left_for_planned") or 0)
    scale = max(cap, used, 1)
    used_pct = 100 * min(used, cap) / scale
    over_pct = 100 * max(0, used - cap) / scale
    reserve_pct = 100 * min(reserve, max(0, cap - used)) / scale
    over = " over" if used > cap else ""
    return f"""<section class="budget{over}" aria-label="annual budget">
  <div class="figures">
    <div class="fig"><b data-k="used">{used}</b><span>used of {cap} counted days</span></div>
    <div class="fig"><b data-k="left">{left}</b><span>left</span></div>
    <div class="fig"><b data-k="reserve">{reserve}</b><span>hot-topic reserve</span></div>
    <div class="fig"><b data-k="left_for_planned">{planned}</b><span>left for planned</span></div>
  </div>
  <div class="meter" title="used {used} / cap {cap} counted days; reserve {reserve}">
    <span class="m-used" style="width:{used_pct:.2f}%"></span><span class="m-over" style="width:{over_pct:.2f}%"></span>
    <span class="m-reserve" style="width:{reserve_pct:.2f}%"></span>
  </div>
</section>"""


def _legend(policy: Policy) -> str:
    tiers = []
    for t in TIERS:
        try:
            counted = policy.rule(t).counted_days  # type: ignore[arg-type]
        except KeyError:
            counted = None
        extra = f", {counted} counted day{'s' if counted != 1 else ''}" if counted is not None else ""
        tiers.append(f'<span class="key t-{t}"><i class="sw"></i><b>{t}</b> {TIER_NAMES[t]}{extra}</span>')
    phases = "".join(
        f'<span class="key t-A"><i class="sw seg {p}"></i>{PHASE_NAMES[p]}</span>' for p in PHASES)
    days = ('<span class="key"><i class="sw d-we"></i>weekend</span>'
            '<span class="key"><i class="sw d-hol"></i>public holiday</span>'
            '<span class="key"><i class="sw d-fest"></i>industry festival</span>'
            '<span class="key"><span class="badge b-s">S</span> S month: no other S, A or B</span>')
    return (f'<section class="legend" aria-label="legend"><div>{"".join(tiers)}</div>'
            f'<div>{phases}{days}</div></section>')


def _day_classes(y: _Year, d: date) -> tuple[str, str]:
    classes, notes = [], [f"{WEEKDAYS[d.weekday()]} {d.isoformat()}"]
    if d.weekday() >= 5:
        classes.append("d-we")
    if d in y.holidays:
        classes.append("d-hol")
        notes.append(y.holidays[d])
    if d in y.festivals:
        classes.append("d-fest")
        notes.append(y.festivals[d])
    return " ".join(classes), " \u00b7 ".join(notes)


def _lanes(items: list[tuple[int, int, _Campaign]]) -> list[tuple[int, int, _Campaign, int]]:
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


def _year_body(y: _Year, policy: Policy) -> str:
    nav = (f'<nav><a href="{y.year - 1}.html">\u2190 {y.year - 1}</a>'
           f'<a href="{y.year + 1}.html">{y.year + 1} \u2192</a></nav>')
    total = sum(1 for c in y.campaigns if c.status not in INACTIVE)
    header = f"""<header class="top">
  <div class="heading"><h1>Promotion calendar {y.year}</h1>
    <p class="sub">{total} campaign{'s' if total != 1 else ''} \u00b7 {sum(m['counted_days'] for m in y.months.values())} counted days booked \u00b7 {sum(1 for m in y.months.values() if m['s_month'])} S month{'s' if sum(1 for m in y.months.values() if m['s_month']) != 1 else ''}</p>{nav}</div>
  {_budget_panel(y)}
</header>"""
    head_cells = "".join(f'<div class="dh" style="grid-column:{d + 1}">{d}</div>' for d in range(1, 32))
    rows = [f'<div class="grid-head"><div class="dh lbl">month</div>{head_cells}</div>']
    for key, m in y.months.items():
        rows.append(_month_row(y, key, m))
    lists = "".join(_month_card(y, key, m) for key, m in y.months.items())
    return (f"{header}\n{_legend(policy)}\n<main class=\"year\">\n" + "\n".join(rows) + "\n</main>\n"
            f'<section class="lists"><h2>Campaigns by month</h2><div class="cards">{lists}</div></section>\n'
            + _footer(policy))


def _month_badges(y: _Year, key: str, m: dict[str, Any]) -> str:
    badges = []
    if m["s_month"]:
        badges.append('<span class="badge b-s" title="S month: no other S, A or B campaign">S month</span>')
    if y.spring_festival and f"{y.spring_festival:%Y-%m}" == key:
        badges.append(f'<span class="badge b-sf" title="Spring Festival {y.spring_festival.isoformat()}: '
                      f'no A campaign, low natural traffic">Spring Festival</span>')
    return "".join(badges)


def _month_row(y: _Year, key: str, m: dict[str, Any]) -> str:
    mnum = int(key[5:7])
    first = date(y.year, mnum, 1)
    ndays = _calendar.monthrange(y.year, mnum)[1]
    after = first + timedelta(days=ndays)
    bars = []
    for c in y.overlapping(first, after):
        s, e = max(c.start, first), min(c.end, after)  # type: ignore[type-var]
        bars.append(((s - first).days + 1, (e - first).days + 1, c))
    packed = _lanes(bars)
    lanes = max([lane + 1 for *_, lane in packed] + [1])
    span = f"grid-row:1 / span {lanes}"
    n = len([c for c in m["campaigns"] if c.status not in INACTIVE])
    label = (f'<div class="mlabel" style="{span}"><div class="mname"><a href="{y.year}/{mnum}.html">'
             f'{first.strftime("%b")}</a>{_month_badges(y, key, m)}</div>'
             f'<div class="mstat"><b>{m["counted_days"]}</b> counted \u00b7 {n} campaign{"s" if n != 1 else ""}</div></div>')
    cells = []
    for d in range(1, 32):
        if d > ndays:
            cells.append(f'<div class="day d-void" style="grid-column:{d + 1};{span}"></div>')
            continue
        cls, note = _day_classes(y, date(y.year, mnum, d))
        cells.append(f'<div class="day {cls}" style="grid-column:{d + 1};{span}" title="{_esc(note)}"></div>')
    out = []
    for start, end, c, lane in packed:
        segs = []
        for p in c.phases:
            ps, pe = max(p.start, first), min(p.end, after)
            if pe > ps:
                segs.append(f'<span class="seg {p.name}" style="flex:{(pe - ps).days}"></span>')
        cont = (" cl" if c.start < first else "") + (" cr" if c.end > after else "")  # type: ignore[operator]
        home = "" if c.month == key else " away"
        hot = '<i class="hot" title="hot topic">\u26a1</i>' if c.hot_topic else ""
        out.append(
            f'<div class="bar {c.css}{cont}{home}" style="grid-column:{start + 1} / {end + 1};grid-row:{lane + 1}" '
            f'title="{_esc(c.title())}" data-campaign="{_esc(c.id)}">{"".join(segs)}'
            f'<span class="lbl"><b>{_esc(c.tier if c.tier != "X" else "?")}</b> {hot}{_esc(c.name)}</span></div>')
    s_cls = " s-month" if m["s_month"] else ""
    return (f'<section class="mrow{s_cls}" id="m-{key}" style="grid-template-rows:repeat({lanes}, minmax(var(--lane), auto))">'
            f'{label}{"".join(cells)}{"".join(out)}</section>')


def _month_card(y: _Year, key: str, m: dict[str, Any]) -> str:
    mnum = int(key[5:7])
    name = date(y.year, mnum, 1).strftime("%B")
    items = []
    for c in m["campaigns"]:
        hot = ' <i class="hot" title="hot topic">\u26a1</i>' if c.hot_topic else ""
        items.append(
            f'<li class="{c.css}" title="{_esc(c.title())}"><span class="tb">{_esc(c.tier if c.tier != "X" else "?")}</span>'
            f'<span class="nm">{_esc(c.name)}{hot}</span><span class="st st-{_esc(c.status)}">{_esc(c.status)}</span>'
            f'<span class="dt">{_esc(c.dates_text())}</span></li>')
    body = f'<ul>{"".join(items)}</ul>' if items else '<p class="empty">No campaigns</p>'
    s_cls = " s-month" if m["s_month"] else ""
    return (f'<article class="card{s_cls}"><h3><a href="{y.year}/{mnum}.html">{name}</a>{_month_badges(y, key, m)}'
            f'<small>{m["counted_days"]} counted</small></h3>{body}</article>')


def _month_body(y: _Year, policy: Policy, key: str) -> str:
    mnum = int(key[5:7])
    first = date(y.year, mnum, 1)
    ndays = _calendar.monthrange(y.year, mnum)[1]
    after = first + timedelta(days=ndays)
    m = y.months[key]
    prev_m = first - timedelta(days=1)
    prev_href = f"{mnum - 1}.html" if mnum > 1 else f"../{y.year - 1}/12.html"
    next_href = f"{mnum + 1}.html" if mnum < 12 else f"../{y.year + 1}/1.html"
    nav = (f'<nav><a href="{prev_href}">\u2190 {prev_m.strftime("%B")}</a><a href="../{y.year}.html">Year {y.year}</a>'
           f'<a href="{next_href}">{after.strftime("%B")} \u2192</a></nav>')
    n = len([c for c in m["campaigns"] if c.status not in INACTIVE])
    header = f"""<header class="top">
  <div class="heading"><h1>{first.strftime('%B')} {y.year} {_month_badges(y, key, m)}</h1>
    <p class="sub"><b>{m['counted_days']}</b> counted days \u00b7 {n} campaign{'s' if n != 1 else ''} booked in this month</p>{nav}</div>
  {_budget_panel(y)}
</header>"""
    grid_start = first - timedelta(days=first.weekday())
    grid_end = after + timedelta(days=(7 - after.weekday()) % 7)
    shown = y.overlapping(grid_start, grid_end)
    shown.sort(key=lambda c: (TIERS.index(c.tier) if c.tier in TIERS else 9, c.start or date.max, c.name))
    weeks, d = [], grid_start
    while d < grid_end:
        tds = []
        for _ in range(7):
            cls, note = _day_classes(y, d)
            out = "" if d.month == mnum else " d-out"
            hol = f'<span class="hname">{_esc(y.holidays.get(d) or y.festivals.get(d) or "")}</span>'
            chips = []
            for c in shown:
                p = c.phase_on(d)
                if p is None:
                    continue
                chips.append(f'<li class="chip {c.css} {p.name}" title="{_esc(c.title())}" data-campaign="{_esc(c.id)}">'
                             f'<b>{_esc(c.tier if c.tier != "X" else "?")}</b><span class="cn">{_esc(c.name)}</span>'
                             f'<em>{PHASE_NAMES.get(p.name, p.name)}</em></li>')
            tds.append(f'<td class="{cls}{out}" title="{_esc(note)}"><div class="dnum"><span>{d.day}</span>{hol}</div>'
                       f'<ul>{"".join(chips)}</ul></td>')
            d += timedelta(days=1)
        weeks.append(f'<tr>{"".join(tds)}</tr>')
    table = (f'<table class="cal"><thead><tr>{"".join(f"<th>{w}</th>" for w in WEEKDAYS)}</tr></thead>'
             f'<tbody>{"".join(weeks)}</tbody></table>')
    rows = []
    for c in m["campaigns"]:
        cols = []
        for p in PHASES:
            ph = c.phase(p)
            cols.append(f"<td>{_esc(_span(ph.start, ph.end)) if ph else DASH}</td>")
        rows.append(f'<tr class="{c.css}" title="{_esc(c.title())}"><td><span class="tb">{_esc(c.tier if c.tier != "X" else "?")}</span></td>'
                    f'<td><b>{_esc(c.name)}</b>{HOT if c.hot_topic else ""}<br><small>{_esc(c.id)}</small></td>'
                    f'<td>{_esc(c.business_line)} / {_esc(c.category)}</td><td><span class="st st-{_esc(c.status)}">{_esc(c.status)}</span></td>'
                    f'{"".join(cols)}<td class="num">{c.counted_days}</td></tr>')
    listing = (f'<section class="lists"><h2>Booked in {first.strftime("%B")}</h2>'
               + (f'<table class="list"><thead><tr><th>tier</th><th>campaign</th><th>line / category</th><th>status</th>'
                  f'<th>warm-up</th><th>burst</th><th>encore</th><th>counted</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
                  if rows else '<p class="empty">No campaigns booked in this month.</p>')
               + '</section>')
    return f'{header}\n{_legend(policy)}\n<main class="month">{table}</main>\n{listing}\n{_footer(policy)}'


def _footer(policy: Policy) -> str:
    return (f'<footer>Counted days are charged to the yearly budget of {policy.yearly_budget_days} days, '
            f'{policy.hot_topic_reserve_days} of them kept for hot topics. Days are in UTC{policy.utc_offset_hours:+d}; '
            'a phase runs from its first to its last day inclusive. Hover a bar for its id, status and dates.</footer>')


CSS = """
:root{--lane:22px;--label:172px;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;
--S:#b91c1c;--S-l:#fecaca;--S-m:#f87171;--A:#c2410c;--A-l:#fed7aa;--A-m:#fb923c;
--B:#1d4ed8;--B-l:#bfdbfe;--B-m:#60a5fa;--C:#475569;--C-l:#e2e8f0;--C-m:#94a3b8}
*{box-sizing:border-box}
body{margin:0;padding:18px 24px 28px;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC",sans-serif;color:var(--ink);background:var(--bg)}
a{color:inherit;text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:22px;margin:0 0 2px;display:flex;align-items:center;gap:8px}h2{font-size:15px;margin:18px 0 8px}
.top{display:flex;justify-content:space-between;align-items:flex-end;gap:24px;margin-bottom:10px}
.sub{margin:0;color:var(--muted)}nav{margin-top:6px;display:flex;gap:14px;color:var(--B);font-weight:600}
.budget{background:#fff;border:1px solid var(--line);border-radius:10px;padding:8px 14px;min-width:520px}
.figures{display:flex;gap:22px}.fig b{font-size:20px;display:block;line-height:1.1}.fig span{color:var(--muted);font-size:11.5px}
.meter{margin-top:6px;height:8px;border-radius:4px;background:#e8f5e9;display:flex;overflow:hidden;position:relative}
.m-used{background:#334155}.m-over{background:var(--S)}
.m-reserve{margin-left:auto;background:repeating-linear-gradient(135deg,#a7f3d0 0 4px,#d1fae5 4px 8px)}
.budget.over .fig b[data-k=used]{color:var(--S)}
.legend{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 18px;margin:6px 0 10px;color:#374151;font-size:12px}
.legend>div{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}.key{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:20px;height:11px;border-radius:3px;background:var(--c);border:1px solid rgba(0,0,0,.08)}
.t-S{--c:var(--S);--c-l:var(--S-l);--c-m:var(--S-m)}.t-A{--c:var(--A);--c-l:var(--A-l);--c-m:var(--A-m)}
.t-B{--c:var(--B);--c-l:var(--B-l);--c-m:var(--B-m)}.t-C{--c:var(--C);--c-l:var(--C-l);--c-m:var(--C-m)}
.t-X{--c:#6b7280;--c-l:#e5e7eb;--c-m:#9ca3af}
.badge{display:inline-block;font-size:10.5px;font-weight:700;letter-spacing:.02em;padding:1px 6px;border-radius:9px;margin-left:6px;vertical-align:middle}
.b-s{background:var(--S);color:#fff}.b-sf{background:#fef3c7;color:#92400e;border:1px solid #fcd34d}
.grid-head,.mrow{display:grid;grid-template-columns:var(--label) repeat(31,minmax(0,1fr));column-gap:0}
.grid-head{position:sticky;top:0;z-index:3;background:var(--bg);border-bottom:1px solid #cbd5e1}
.dh{text-align:center;color:var(--muted);font-size:11px;padding:2px 0}.dh.lbl{text-align:left;grid-column:1}
main.year{background:#fff;border:1px solid var(--line);border-radius:10px;overflow:hidden}
.mrow{row-gap:3px;padding:4px 0;border-bottom:1px solid var(--line);position:relative}.mrow:last-child{border-bottom:0}
.mlabel{grid-column:1;padding:2px 10px;min-height:38px;display:flex;flex-direction:column;justify-content:center;border-left:4px solid transparent;z-index:1}
.mrow.s-month .mlabel{border-left-color:var(--S);background:linear-gradient(90deg,#fef2f2,transparent)}
.mname{font-weight:700;font-size:14px;line-height:18px;white-space:nowrap}.mstat{color:var(--muted);font-size:11px;white-space:nowrap}.mstat b{color:var(--ink)}
.day{border-left:1px solid #f1f5f9;margin:-4px 0;z-index:0}
.d-we{background:#f1f5f9}.d-hol{background:#fef3c7}.d-fest{box-shadow:inset 0 3px 0 #eab308}
.d-void{background:repeating-linear-gradient(135deg,#f3f4f6 0 3px,#fff 3px 6px)}
.bar{position:relative;z-index:2;display:flex;height:var(--lane);align-self:center;border-radius:5px;overflow:hidden;margin:0 1px;
box-shadow:0 1px 2px rgba(15,23,42,.18);border:1px solid var(--c)}
.bar.cl{border-top-left-radius:0;border-bottom-left-radius:0;border-left-style:dashed}
.bar.cr{border-top-right-radius:0;border-bottom-right-radius:0;border-right-style:dashed}
.bar.away .lbl{font-weight:400;opacity:.85}
.seg{display:block;height:100%;min-width:0}.seg.warmup{background:var(--c-l)}.seg.burst{background:var(--c)}
.seg.encore{background:repeating-linear-gradient(135deg,var(--c-m) 0 4px,var(--c-l) 4px 8px)}.seg.other{background:var(--c-m)}
.sw.seg{width:20px;height:11px}
.lbl{position:absolute;left:3px;top:50%;transform:translateY(-50%);max-width:calc(100% - 6px);white-space:nowrap;overflow:hidden;
text-overflow:ellipsis;font-size:11.5px;font-weight:600;background:rgba(255,255,255,.88);border-radius:3px;padding:0 4px;line-height:16px}
.lbl b{color:var(--c)}.hot{font-style:normal}
.inactive{opacity:.45}.inactive .lbl,.inactive .nm{text-decoration:line-through}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:8px 10px}.card.s-month{border-top:3px solid var(--S)}
.card h3{margin:0 0 6px;font-size:13.5px;display:flex;align-items:center}.card h3 small{margin-left:auto;color:var(--muted);font-weight:400}
.card ul{list-style:none;margin:0;padding:0}.card li{display:grid;grid-template-columns:22px 1fr auto;grid-template-rows:auto auto;column-gap:6px;padding:3px 0;border-top:1px dashed var(--line)}
.card li:first-child{border-top:0}.card .tb{grid-row:1 / span 2}.card .nm{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.card .dt{grid-column:2 / span 2;color:var(--muted);font-size:11.5px}
.tb{display:inline-flex;align-items:center;justify-content:center;width:20px;height:20px;border-radius:5px;background:var(--c);color:#fff;font-weight:700;font-size:11px}
.st{font-size:10.5px;padding:0 6px;border-radius:8px;background:#eef2ff;color:#3730a3;white-space:nowrap;align-self:start}
.st-warmup,.st-burst,.st-encore{background:#dcfce7;color:#166534}.st-completed{background:#f1f5f9;color:#475569}
.st-cancelled,.st-rejected,.st-expired{background:#fee2e2;color:#991b1b}.st-in_review,.st-submitted,.st-awaiting_month_choice{background:#fef9c3;color:#854d0e}
.empty{color:var(--muted);margin:2px 0}
table.cal{width:100%;border-collapse:separate;border-spacing:0;table-layout:fixed;background:#fff;border:1px solid var(--line);border-radius:10px;overflow:hidden}
.cal th{font-size:11.5px;color:var(--muted);font-weight:600;padding:6px;text-align:left;border-bottom:1px solid var(--line)}
.cal td{vertical-align:top;height:112px;padding:4px 5px;border-right:1px solid #f1f5f9;border-bottom:1px solid #f1f5f9}
.cal td.d-out{opacity:.45}.dnum{display:flex;gap:6px;align-items:baseline;font-weight:700}.hname{font-weight:500;font-size:10.5px;color:#92400e;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cal ul{list-style:none;margin:3px 0 0;padding:0}
.chip{display:flex;gap:4px;align-items:center;font-size:11px;line-height:17px;padding:0 5px;margin-top:2px;border-radius:4px;white-space:nowrap;overflow:hidden;border:1px solid var(--c)}
.chip b{color:var(--c)}.chip .cn{overflow:hidden;text-overflow:ellipsis;min-width:0}.chip em{margin-left:auto;flex-shrink:0;font-style:normal;font-size:10px;opacity:.8}
.chip.warmup{background:var(--c-l)}.chip.burst{background:var(--c);color:#fff}.chip.burst b{color:#fff}
.chip.encore{background:repeating-linear-gradient(135deg,var(--c-l) 0 5px,#fff 5px 10px)}
table.list{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line)}
.list th{text-align:left;font-size:11.5px;color:var(--muted);padding:6px 8px;border-bottom:1px solid var(--line)}
.list td{padding:5px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top}.list small{color:var(--muted)}.num{text-align:right}
footer{margin-top:16px;color:var(--muted);font-size:11.5px}
@media print{body{background:#fff}.grid-head{position:static}}
"""


# ---------------------------------------------------------------------- routes
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


class _NegotiateCalendar:
    """ASGI middleware: a GET /calendar/{year} that prefers text/html is served by
    /calendar/{year}.html; both answers carry `Vary: Accept`."""

    PATH = re.compile(r"^(.*)/calendar/(\d{1,4})/?$")

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        m = self.PATH.match(scope.get("path", ""))
        if m is None:
            await self.app(scope, receive, send)
            return
        accept = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"accept"), None)
        if prefers_html(accept):
            path = f"{m.group(1)}/calendar/{m.group(2)}.html"
            scope = dict(scope, path=path, raw_path=path.encode())

        async def send_vary(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), (b"vary", b"Accept")])
            await send(message)

        await self.app(scope, receive, send_vary)


CalendarLoader = Callable[..., Awaitable[tuple[dict[str, Any], Policy]]]


def install_calendar_routes(app: FastAPI, load: CalendarLoader) -> None:
    """Add the HTML calendar routes to a FastAPI `app`.

    `load` is a FastAPI dependency that takes the path parameter `year` (plus whatever
    it depends on: the principal, the deps) and returns `(calendar_json, policy)`; it
    does the authorization, exactly as the JSON route does. The HTML routes are put
    in front of the router so that `/calendar/{year}` never captures `2027.html`.
    """
    html_doc = {200: {"content": {"text/html": {}}, "description": "the calendar page"}}

    async def calendar_year_page(year: int, loaded: tuple[dict[str, Any], Policy] = Depends(load)) -> HTMLResponse:
        data, policy = loaded
        return HTMLResponse(render_calendar(data, policy))

    async def calendar_month_page(year: int, month: int = PathParam(ge=1, le=12),
                                  loaded: tuple[dict[str, Any], Policy] = Depends(load)) -> HTMLResponse:
        data, policy = loaded
        try:
            return HTMLResponse(render_calendar(data, policy, month=f"{year:04d}-{month:02d}"))
        except ValueError as err:
            raise ApiError(422, "invalid_request", str(err)) from err

    for path, endpoint, summary in (
        ("/calendar/{year}.html", calendar_year_page, "The year's calendar as an HTML page"),
        ("/calendar/{year}/{month}.html", calendar_month_page, "One month of the calendar as an HTML page"),
    ):
        app.add_api_route(path, endpoint, methods=["GET"], response_class=HTMLResponse, responses=html_doc,
                          summary=summary, tags=["calendar"])
    # in front: `/calendar/{year}` would otherwise capture "2027.html" when it was added first
    ours = (calendar_year_page, calendar_month_page)
    added = [r for r in app.router.routes if getattr(r, "endpoint", None) in ours]
    if len(added) != 2:
        raise RuntimeError("the calendar page routes were not added to app.router")
    app.router.routes[:] = added + [r for r in app.router.routes if r not in added]
    app.add_middleware(_NegotiateCalendar)

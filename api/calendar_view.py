"""The calendar page's view model, the part both pages share: campaigns, months, budget,
legend and days, computed from the typed answer of `GET /calendar/{year}`
(`api.models.CalendarYear`) and the year's policy, as plain frozen dataclasses (tooltips
already written, days already classified), plus the year page's preparation: a load strip
per team (ISO weeks) and the milestones due soon. `api.calendar_layout` arranges them into
the year and month pages; the templates in `api/templates/` draw those. No HTML here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from api.models import CalendarEntry, CalendarYear, PendingMilestone, PendingRequest
from domain.approvals.preparation import TeamWeekLoad, week_bounds, weeks_of_year
from domain.balancing import BudgetSummary, MoneySummary
from domain.campaign import Phase, PhaseName
from domain.holiday_data import CHINA_DAYS_OFF
from domain.months import first_day, month_key, months_of_year, number_of
from domain.policy import Policy, festival_dates
from domain.status import Status
from domain.tiers import Tier

TIER_NAMES = {Tier.S: "company-strategic", Tier.A: "cross-category", Tier.B: "one category",
              Tier.C: "business line internal"}
PHASE_NAMES = {PhaseName.WARMUP: "warm-up", PhaseName.BURST: "burst", PhaseName.ENCORE: "encore"}
INACTIVE = frozenset({Status.CANCELLED, Status.REJECTED, Status.EXPIRED})
# The id of another line's B or C as a business line sees it: busy days with their tier.
BUSY_PREFIX = "busy-"
FESTIVAL_NAMES = {"618": "618", "double_11": "Double 11", "black_friday": "Black Friday", "double_12": "Double 12"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIER_ORDER = {t: i for i, t in enumerate(Tier)}  # S, A, B, C


def _short(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def span(start: date, end: date) -> str:
    """A half-open range [start, end) as people read it: '10-13 Sep', '28 Aug - 2 Sep'."""
    last = end - timedelta(days=1)
    if last <= start:
        return _short(start)
    if last.month == start.month:
        return f"{start.day}\u2013{last.day} {start.strftime('%b')}"
    return f"{_short(start)} \u2013 {_short(last)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# ---------------------------------------------------------------------- campaigns and the year
@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    tier: Tier
    status: str
    category: str
    business_line: str
    month: str
    counted_days: int
    hot_topic: bool
    phases: tuple[Phase, ...]  # by start; empty phases dropped

    @classmethod
    def of(cls, entry: CalendarEntry) -> Campaign:
        return cls(
            id=entry.campaign_id, tier=entry.tier,
            name=entry.name or (f"another line's {entry.tier.value}" if entry.campaign_id.startswith(BUSY_PREFIX)
                                else entry.campaign_id or "(unnamed)"),
            status=entry.status.value if entry.status else "unknown", category=entry.category,
            business_line=entry.business_line or "", month=entry.month, counted_days=entry.counted_days,
            hot_topic=entry.hot_topic,
            phases=tuple(sorted((p for p in entry.phases if p.end > p.start), key=lambda p: p.start)),
        )

    @property
    def active(self) -> bool:
        return self.status not in INACTIVE

    @property
    def start(self) -> date:
        return self.phases[0].start if self.phases else date.max

    @property
    def end(self) -> date:
        return max(p.end for p in self.phases) if self.phases else date.max

    @property
    def css(self) -> str:
        return f"t-{self.tier.value}" + ("" if self.active else " inactive")

    def phase(self, name: PhaseName) -> Phase | None:
        return next((p for p in self.phases if p.phase == name), None)

    def phase_on(self, day: date) -> Phase | None:
        return next((p for p in self.phases if p.start <= day < p.end), None)

    @property
    def title(self) -> str:
        """The tooltip: id, tier, status, line and every phase's dates."""
        lines = [self.name, f"id {self.id}",
                 f"tier {self.tier.value} \u00b7 {self.status} \u00b7 {self.business_line} / {self.category}"
                 + (" \u00b7 hot topic" if self.hot_topic else "")]
        for p in self.phases:
            last = p.end - timedelta(days=1)
            lines.append(f"{PHASE_NAMES[p.phase]}: {p.start.isoformat()} \u2192 {last.isoformat()}")
        lines.append(f"{_plural(self.counted_days, 'counted day')} (month {self.month})")
        return "\n".join(lines)

    @property
    def dates_text(self) -> str:
        burst = self.phase(PhaseName.BURST)
        if burst:
            return f"burst {span(burst.start, burst.end)}"
        return span(self.start, self.end) if self.phases else "no dates"

    def overlaps(self, start: date, end: date) -> bool:
        return any(p.start < end and start < p.end for p in self.phases)


def order(c: Campaign) -> tuple[int, date, str]:
    return _TIER_ORDER[c.tier], c.start, c.name


@dataclass(frozen=True)
class Badge:
    css: str
    title: str
    text: str


@dataclass(frozen=True)
class MonthData:
    key: str
    counted_days: int
    s_month: bool
    campaigns: tuple[Campaign, ...]  # booked in this month, by tier, start, name
    badges: tuple[Badge, ...]
    pending: tuple[PendingRequest, ...] = ()  # requests wanting the month, no place yet (ghosts)

    @property
    def number(self) -> int:
        return number_of(self.key)

    @property
    def first(self) -> date:
        return first_day(self.key)

    @property
    def active_count(self) -> int:
        return sum(1 for c in self.campaigns if c.active)


@dataclass(frozen=True)
class Budget:
    cap: int
    used: int
    reserve: int
    left: int
    left_for_planned: int

    @classmethod
    def of(cls, b: BudgetSummary) -> Budget:
        return cls(cap=b.cap, used=b.used, reserve=b.reserve, left=b.left, left_for_planned=b.left_for_planned)

    @property
    def over(self) -> bool:
        return self.used > self.cap

    def _pct(self, days: int) -> float:
        return 100 * days / max(self.cap, self.used, 1)

    @property
    def used_pct(self) -> float:
        return self._pct(min(self.used, self.cap))

    @property
    def over_pct(self) -> float:
        return self._pct(max(0, self.used - self.cap))

    @property
    def reserve_pct(self) -> float:
        return self._pct(min(self.reserve, max(0, self.cap - self.used)))


def yuan(amount: float) -> str:
    """Money as the page shows it: whole yuan with thousands separators."""
    return f"\u00a5{amount:,.0f}"


@dataclass(frozen=True)
class MoneyBudget:
    """The year's marketing budget beside the days (`GET /calendar/{year}` `money`)."""

    budget: float | None  # None: unlimited
    used: float
    left: float | None
    reserve: float

    @classmethod
    def of(cls, m: MoneySummary) -> MoneyBudget:
        return cls(budget=m.budget, used=m.used, left=m.left, reserve=m.reserve)

    @property
    def used_text(self) -> str:
        return yuan(self.used)

    @property
    def reserve_text(self) -> str:
        return yuan(self.reserve)

    @property
    def budget_text(self) -> str:
        return "unlimited" if self.budget is None else yuan(self.budget)

    @property
    def left_text(self) -> str:
        return "unlimited" if self.left is None else yuan(self.left)

    @property
    def over(self) -> bool:
        return self.budget is not None and self.used > self.budget + 0.005

    @property
    def used_pct(self) -> float:
        if self.budget is None:
            return 0.0
        return 100 * min(self.used, self.budget) / max(self.budget, self.used, 1)


@dataclass(frozen=True)
class LegendTier:
    tier: str
    name: str
    counted_days: int


@dataclass(frozen=True)
class Common:
    """What both pages show: the year, the budget, the legend, the footer, the day names."""

    year: int
    budget: Budget
    months: tuple[MonthData, ...]
    holidays: dict[date, str]
    festivals: dict[date, str]
    legend: tuple[LegendTier, ...]
    phase_names: tuple[tuple[str, str], ...]
    budget_days: int
    reserve_days: int
    utc_offset: str  # "+8"
    money: MoneyBudget = MoneyBudget(budget=None, used=0, left=None, reserve=0)

    def day(self, d: date) -> tuple[str, str]:
        """(css classes, tooltip) of one day: weekend, public holiday, industry festival."""
        classes, notes = [], [f"{WEEKDAYS[d.weekday()]} {d.isoformat()}"]
        if d.weekday() >= 5:
            classes.append("d-we")
        if d in self.holidays:
            classes.append("d-hol")
            notes.append(self.holidays[d])
        if d in self.festivals:
            classes.append("d-fest")
            notes.append(self.festivals[d])
        return " ".join(classes), " \u00b7 ".join(notes)

    @property
    def campaigns(self) -> list[Campaign]:
        return [c for m in self.months for c in m.campaigns]

    def overlapping(self, start: date, end: date) -> list[Campaign]:
        """Campaigns with a day in [start, end), whatever month they are booked in."""
        return [c for c in self.campaigns if c.overlaps(start, end)]


def common(cal: CalendarYear, policy: Policy) -> Common:
    year = cal.year
    given = {m.month: m for m in cal.months}
    spring = policy.spring_festival_day(year)
    months = []
    for key in months_of_year(year):
        raw = given.get(key)
        cams = tuple(sorted((Campaign.of(e) for e in raw.campaigns), key=order)) if raw else ()
        s_month = bool(raw and raw.s_month) or any(c.tier == Tier.S and c.active for c in cams)
        badges = []
        if s_month:
            badges.append(Badge("b-s", "S month: no other S, A or B campaign", "S month"))
        if spring and month_key(spring.year, spring.month) == key:
            badges.append(Badge("b-sf", f"Spring Festival {spring.isoformat()}: no A campaign, low natural traffic",
                                "Spring Festival"))
        months.append(MonthData(key, raw.counted_days if raw else 0, s_month, cams, tuple(badges),
                                tuple(raw.pending) if raw else ()))
    names = {date.fromisoformat(d): n for y in (year - 1, year, year + 1) for d, n in CHINA_DAYS_OFF.get(y, [])}
    legend = []
    for t in Tier:
        legend.append(LegendTier(t.value, TIER_NAMES[t], policy.rule(t).counted_days))
    return Common(
        year=year, budget=Budget.of(cal.budget), months=tuple(months),
        holidays={d: names.get(d, "Public holiday") for d in policy.holidays},
        festivals={d: FESTIVAL_NAMES.get(k, k)
                   for y in (year - 1, year, year + 1) for k, d in festival_dates(y).items()},
        legend=tuple(legend), phase_names=tuple((p.value, PHASE_NAMES[p]) for p in PhaseName),
        budget_days=policy.yearly_budget_days, reserve_days=policy.hot_topic_reserve_days,
        utc_offset=f"{policy.utc_offset_hours:+d}", money=MoneyBudget.of(cal.money),
    )


# ---------------------------------------------------------------------- preparation and people
@dataclass(frozen=True)
class PreparationData:
    """What the year page draws under the grid, as the routes read it: the teams' load per
    ISO week (`store.teams.week_loads_of`, as `GET /teams/load`) and the pending milestones
    due by `today` + the policy's lookahead (`store.milestones.pending`, as `GET /milestones`)."""

    today: date
    team_load: tuple[TeamWeekLoad, ...]
    milestones: tuple[PendingMilestone, ...]


LOAD_LEVELS = 4  # shades of a week's load below capacity; one more (ld-5) for a week past it


@dataclass(frozen=True)
class LoadCell:
    team: str
    team_name: str
    week: str  # "YYYY-Www"
    demand: int
    capacity: int
    campaigns: tuple[str, ...]  # names, as the page shows them

    @property
    def column(self) -> int:
        """The grid column: the label is column 1, week 1 column 2."""
        return int(self.week[6:8]) + 1

    @property
    def level(self) -> int:
        """0 idle, 1..LOAD_LEVELS by demand / capacity, LOAD_LEVELS + 1 past capacity."""
        if self.demand <= 0:
            return 0
        if self.demand > self.capacity:
            return LOAD_LEVELS + 1
        return max(1, -(-LOAD_LEVELS * self.demand // self.capacity))  # ceil

    @property
    def css(self) -> str:
        return f"ld-{self.level}" + (" full" if self.capacity and self.demand == self.capacity else "")

    @property
    def title(self) -> str:
        monday, after = week_bounds(self.week)
        share = f" ({100 * self.demand // self.capacity}%)" if self.capacity else ""
        state = " \u00b7 full" if self.demand == self.capacity and self.demand else \
            " \u00b7 over capacity" if self.demand > self.capacity else ""
        lines = [f"{self.team_name} \u00b7 {self.week} ({span(monday, after)})",
                 f"demand {self.demand} of capacity {self.capacity} people-days{share}{state}",
                 "campaigns: " + (", ".join(self.campaigns) if self.campaigns else "none")]
        return "\n".join(lines)


@dataclass(frozen=True)
class TeamStrip:
    team: str
    name: str
    capacity: int
    cells: tuple[LoadCell, ...]  # every ISO week of the year, in order

    @property
    def peak(self) -> int:
        return max((c.demand for c in self.cells), default=0)


class DueMilestone(PendingMilestone):
    """A milestone of the page's next-two-weeks list: the API's row, seen from `today`."""

    today: date

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def css(self) -> str:
        return "ms overdue" if self.overdue else "ms"

    @property
    def when(self) -> str:
        days = (self.due - self.today).days
        if days < 0:
            return f"{_plural(-days, 'day')} late"
        return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


@dataclass(frozen=True)
class PreparationView:
    today: date
    until: date  # the last due day listed
    weeks: tuple[str, ...]
    strips: tuple[TeamStrip, ...]
    due: tuple[DueMilestone, ...]

    @property
    def overdue_count(self) -> int:
        return sum(1 for m in self.due if m.overdue)

    def week_label(self, week: str) -> str:
        return str(int(week[6:8]))


def preparation(y: Common, policy: Policy, data: PreparationData) -> PreparationView:
    """One strip per team of the policy (every ISO week of the page's year; campaigns named as
    the page names them) and the milestones due by today + the policy's lookahead, by due date."""
    names = {c.id: c.name for c in y.campaigns}
    weeks = tuple(weeks_of_year(y.year))
    by_key = {(r.team, r.week): r for r in data.team_load}
    strips = []
    for t in policy.teams:
        cells = []
        for w in weeks:
            r = by_key.get((t.key, w))
            cells.append(LoadCell(t.key, t.name, w, r.demand if r else 0, r.capacity if r else t.capacity,
                                  tuple(names.get(c, c) for c in (r.campaigns if r else []))))
        strips.append(TeamStrip(t.key, t.name, t.capacity, tuple(cells)))
    until = data.today + timedelta(days=policy.milestone_lookahead_days)
    due = tuple(DueMilestone(**m.model_dump(), today=data.today)
                for m in sorted(data.milestones, key=lambda m: (m.due, m.campaign_id, m.key)) if m.due <= until)
    return PreparationView(today=data.today, until=until, weeks=weeks, strips=tuple(strips), due=due)

"""Month balancing: fit a campaign into its month's capacity and the yearly budget.

Rules (numbers from the policy): C is always accepted and counts nothing. S: at most
`max_per_year` a year and one a month; an S takes alone every month its burst days
touch (a late-November S ending in December closes December too), displacing those
months' A and B campaigns. A and B never sit beside an S; A at most `max_per_month`
(more with an override), none in the Spring Festival month; B at most `max_per_month`.
Planned campaigns may use the yearly budget minus the hot-topic reserve; hot topics
may use the reserve. The marketing budget (money a year, when the policy sets one) is
judged the same way on the campaigns' promotion costs (`marketing_budget`). The same
category twice in a month needs a stated reason.
A refused request gets up to `max_alternatives` months of the same year that would
accept it, in-season months first, then nearest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from domain.campaign import CampaignRequest, Forecast, Phase
from domain.dates import Burst, months_touched
from domain.money import money_of
from domain.months import Month, months_of_year, number_of, year_of
from domain.policy import Policy, half_of
from domain.tiers import Tier


class CalendarEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    campaign_id: str
    month: Month
    tier: Tier
    category: str
    counted_days: int
    hot_topic: bool = False
    started: bool = False  # in warm-up or later: it runs, it can no longer make way for an S
    burst_start: date | None = None  # [burst_start, burst_end): None for C and for entries without phases
    burst_end: date | None = None
    cost: float = 0  # the promotion cost reserved from the marketing budget

    @property
    def months(self) -> list[str]:
        """The months this campaign occupies: its month and every month its burst days touch."""
        return _months(self.month, self.burst_start, self.burst_end)

    @property
    def burst(self) -> Burst | None:
        if self.burst_start is None or self.burst_end is None or self.tier == Tier.C:
            return None
        return Burst(campaign_id=self.campaign_id, tier=self.tier, start=self.burst_start, end=self.burst_end)


def _months(month: str, start: date | None, end: date | None) -> list[str]:
    if start is None or end is None or end <= start:
        return [month]
    touched = months_touched(start, end)
    return touched if month in touched else [month, *touched]


class YearCalendar(BaseModel):
    """The live (reserved) campaigns of one year, or of the months around one request.

    A window of months (`entries` of some months only) carries the whole year's totals in
    `used_days` and `s_count`, so the budget and the yearly S cap are judged on the year."""

    model_config = ConfigDict(frozen=True)

    year: int
    entries: list[CalendarEntry] = []
    used_days: int | None = None  # the year's counted days when `entries` is a window
    s_count: int | None = None  # the year's S campaigns when `entries` is a window
    s_halves: tuple[int, int] | None = None  # the year's S campaigns per half when `entries` is a window
    # the year's reserved promotion costs when `entries` is a window (None in a window: the
    # marketing budget is judged later, on the totals read under the year lock)
    used_money: float | None = None

    def with_totals(self, used_days: int, s_count: int, s_halves: tuple[int, int] | None = None,
                    used_money: float | None = None) -> YearCalendar:
        return self.model_copy(update={"used_days": used_days, "s_count": s_count, "s_halves": s_halves,
                                       "used_money": used_money})

    def without(self, campaign_ids: set[str] | list[str]) -> YearCalendar:
        ids = set(campaign_ids)
        # entries are already validated: no need to validate them again
        kept = [e for e in self.entries if e.campaign_id not in ids]
        return YearCalendar.model_construct(year=self.year, entries=kept)

    def with_entry(self, entry: CalendarEntry) -> YearCalendar:
        return YearCalendar.model_construct(year=self.year, entries=[*self.without({entry.campaign_id}).entries, entry])

    def bursts(self, exclude: str | None = None) -> list[Burst]:
        """The reserved bursts (A, B, S) the date choice must spread around."""
        return [b for e in self.entries if e.campaign_id != exclude and (b := e.burst) is not None]


class BalancingRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    campaign_id: str
    month: Month
    tier: Tier
    category: str
    hot_topic: bool = False
    a_override: bool = False  # the "special case" of a second A in a month
    s_half_override: bool = False  # a leader's S beyond its half-year's cap (policy `s_per_half`), with a reason
    category_reason: str | None = None
    burst_start: date | None = None  # the burst chosen for `month`, when known: an S closes what it touches
    burst_end: date | None = None
    # the promotion cost C at the campaign's current forecast (domain/money.py), reserved from
    # the marketing budget with the place (0: histories recorded before the marketing budget)
    cost: float = Field(default=0, ge=0, allow_inf_nan=False)

    @property
    def months(self) -> list[str]:
        return _months(self.month, self.burst_start, self.burst_end)


class BalancingDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    accepted: bool
    month: Month
    counted_days: int
    displaced: list[str] = []
    alternatives: list[str] = []
    reasons: list[str] = []
    # the dates chosen with the month's other bursts in view (set where the reservation picks them)
    burst_start: date | None = None
    phases: list[Phase] = []


class BudgetSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    cap: int
    used: int
    reserve: int
    left: int
    left_for_planned: int


def reservation_cost(request: CampaignRequest, forecast: Forecast | None = None) -> float:
    """The promotion cost C a campaign's reservation asks the marketing budget for: at its
    current `forecast` (a downgrade scales the traffic; None: the request's), with the
    request's mechanics and paid traffic (an amendment may change them). Histories recorded
    before the marketing budget carry neither: C is 0 there."""
    f = forecast if forecast is not None else request.forecast
    return money_of(f.sales, request.gross_margin, request.mechanics, request.paid_traffic).cost


class MoneySummary(BaseModel):
    """The year's marketing budget (`GET /calendar/{year}` `money`): None budget is unlimited."""

    model_config = ConfigDict(frozen=True)

    budget: float | None = None
    used: float = 0
    left: float | None = None
    reserve: float = 0


def money_summary(policy: Policy, calendar: YearCalendar) -> MoneySummary:
    """Money used and left, as `budget` counts days (C campaigns reserve no money)."""
    used = sum(e.cost for e in calendar.entries if year_of(e.month) == calendar.year)
    cap = policy.marketing_budget
    return MoneySummary(budget=cap, used=used, left=None if cap is None else max(0.0, cap - used),
                        reserve=policy.hot_topic_reserve_money)


# Money is compared with half a fen of slack: sums of floats in another order may differ in
# their last bits, and the database sums them in its own order.
_MONEY_SLACK = 0.005
MARKETING_BUDGET = "marketing_budget"  # the reason's code: a refused cost starts with it


def _money(amount: float) -> str:
    return f"{amount:,.0f}"


def budget(policy: Policy, calendar: YearCalendar) -> BudgetSummary:
    cap = policy.yearly_budget_days
    reserve = policy.hot_topic_reserve_days
    used = sum(e.counted_days for e in calendar.entries if year_of(e.month) == calendar.year)
    return BudgetSummary(
        year=calendar.year,
        cap=cap,
        used=used,
        reserve=reserve,
        left=max(0, cap - used),
        left_for_planned=max(0, cap - reserve - used),
    )


def month_load(calendar: YearCalendar, month: str) -> dict[Tier, int]:
    """How many campaigns of each tier the month holds."""
    return _load(calendar.entries, month)


def _load(entries: list[CalendarEntry], month: str) -> dict[Tier, int]:
    load = {t: 0 for t in Tier}
    for e in entries:
        if e.month == month:
            load[e.tier] += 1
    return load


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def s_in_half(policy: Policy, calendar: YearCalendar, campaign_id: str, month: str) -> tuple[int, int]:
    """(S campaigns other than `campaign_id` in the half-year of `month`, that half's cap)."""
    half = half_of(number_of(month))
    own = sum(1 for e in calendar.entries if e.campaign_id == campaign_id and e.tier == Tier.S
              and year_of(e.month) == year_of(month) and half_of(number_of(e.month)) == half)
    if calendar.s_halves is not None:
        count = calendar.s_halves[half] - own
    else:
        count = sum(1 for e in calendar.entries if e.tier == Tier.S and e.campaign_id != campaign_id
                    and year_of(e.month) == year_of(month) and half_of(number_of(e.month)) == half)
    return count, policy.s_per_half.cap(half)


def s_half_problem(policy: Policy, calendar: YearCalendar, campaign_id: str, month: str) -> str | None:
    """The rule `s_half_year`, when an S in `month` would break it (None when it holds):
    "twice a year: one in each half; three times: add one in the second half"."""
    count, cap = s_in_half(policy, calendar, campaign_id, month)
    if count < cap:
        return None
    half = "first" if half_of(number_of(month)) == 0 else "second"
    return (f"s_half_year: the {half} half of {year_of(month)} already holds {_plural(count, 'S campaign')} "
            f"(at most {cap}: one S in each half, a third in the second half); a leader may approve it "
            "with s_half_override and a reason")


def _s_touching(entries: list[CalendarEntry], months: list[str]) -> list[CalendarEntry]:
    return [e for e in entries if e.tier == Tier.S and set(e.months) & set(months)]


def _evaluate(policy: Policy, calendar: YearCalendar, request: BalancingRequest, month: str,
              burst: tuple[date, date] | None = None) -> tuple[list[str], list[str]]:
    """(problems, displaced ids) of placing `request` in `month` (with its burst [start, end)
    when known); no problems means accepted."""
    tier = request.tier
    rule = policy.rule(tier)
    year = calendar.year
    # re-checks ignore the request's own reservation
    entries = [e for e in calendar.entries if e.campaign_id != request.campaign_id]
    if year_of(month) != year:
        return [f"{month} is not in the calendar year {year}"], []
    if tier == Tier.C:
        return [], []  # C uses no company resources: recorded only

    months = _months(month, *burst) if burst else [month]
    in_month = [e for e in entries if e.month == month]
    load = _load(entries, month)
    problems: list[str] = []
    displaced: list[str] = []

    if tier == Tier.S:
        s_year = (sum(1 for e in entries if e.tier == Tier.S and year_of(e.month) == year)
                  if calendar.s_count is None else
                  calendar.s_count - sum(1 for e in calendar.entries
                                         if e.campaign_id == request.campaign_id and e.tier == Tier.S))
        if rule.max_per_year is not None and s_year >= rule.max_per_year:
            problems.append(f"{year} already holds {_plural(s_year, 'S campaign')} (cap {rule.max_per_year} a year)")
        if not request.s_half_override and (why := s_half_problem(policy, calendar, request.campaign_id, month)):
            problems.append(why)
        for m in months:
            s_here = _s_touching(entries, [m])
            if rule.max_per_month is not None and len(s_here) >= rule.max_per_month:
                problems.append(f"{m} already holds {_plural(len(s_here), 'S campaign')} "
                                f"(cap {rule.max_per_month} a month): {', '.join(e.campaign_id for e in s_here)}")
        # an S takes alone every month its burst touches: their A and B campaigns make way
        # (C stays, it books nothing)
        movable = [e for e in entries if e.tier in (Tier.A, Tier.B) and set(e.months) & set(months)]
        running = [e.campaign_id for e in movable if e.started]
        if running:
            problems.append(f"{', '.join(months)} holds {', '.join(running)} already running: "
                            "an S cannot displace it")
        displaced = [e.campaign_id for e in movable if not e.started]
    else:
        s_near = _s_touching(entries, months)
        if s_near:
            s_ids = ", ".join(f"{e.campaign_id} (burst in {', '.join(e.months)})" for e in s_near)
            problems.append(f"{month} is an S month of {s_ids}: no A or B campaign in a month an S burst "
                            "touches (S-month exclusivity)")
        if tier == Tier.A and policy.is_spring_festival_month(month):
            problems.append(f"{month} is the Spring Festival month: no A campaign (lowest traffic, team on holiday)")
        cap = policy.month_cap(tier, number_of(month))
        if tier == Tier.A and request.a_override and cap is not None:
            cap = max(cap, policy.a_per_month_with_override)
        if cap is not None and load[tier] >= cap:
            problems.append(f"{month} already holds {_plural(load[tier], f'{tier} campaign')} (cap {cap})")
        same = [e.campaign_id for e in in_month if e.tier != Tier.C and e.category == request.category]
        if same and not request.category_reason:
            problems.append(f"category {request.category} already runs in {month} ({', '.join(same)}): "
                            "rotate categories, or give a category_reason")

    if calendar.used_days is None:
        used = sum(e.counted_days for e in entries if e.campaign_id not in displaced and year_of(e.month) == year)
    else:  # a window: the year's total, less the request's own place and what it displaces
        freed = sum(e.counted_days for e in calendar.entries if year_of(e.month) == year
                    and (e.campaign_id in displaced or e.campaign_id == request.campaign_id))
        used = calendar.used_days - freed
    days = rule.counted_days
    limit = policy.yearly_budget_days - (0 if request.hot_topic else policy.hot_topic_reserve_days)
    if used + days > limit:
        who = "a hot topic may use the whole budget" if request.hot_topic else (
            f"planned campaigns may use {limit}, {policy.hot_topic_reserve_days} are kept for hot topics")
        problems.append(f"yearly budget: {used} of {policy.yearly_budget_days} counted days used, "
                        f"this {tier} needs {days} ({who})")
    if (why := _money_problem(policy, calendar, request, displaced)) is not None:
        problems.append(why)
    return problems, displaced


def _money_problem(policy: Policy, calendar: YearCalendar, request: BalancingRequest,
                   displaced: list[str]) -> str | None:
    """`marketing_budget`, when the request's cost does not fit the year's marketing budget
    (None: it fits, the budget is unlimited, or a window without the year's money: judged
    under the year lock). Planned campaigns may use the budget less the hot-topic reserve."""
    cap = policy.marketing_budget
    if cap is None or request.tier == Tier.C:
        return None
    year = calendar.year
    freed_ids = {*displaced, request.campaign_id}
    if calendar.used_days is None:  # the whole year
        used = sum(e.cost for e in calendar.entries if year_of(e.month) == year and e.campaign_id not in freed_ids)
    elif calendar.used_money is not None:  # a window with the year's total
        used = calendar.used_money - sum(e.cost for e in calendar.entries
                                         if year_of(e.month) == year and e.campaign_id in freed_ids)
    else:
        return None
    reserve = policy.hot_topic_reserve_money
    limit = cap - (0 if request.hot_topic else reserve)
    if used + request.cost <= limit + _MONEY_SLACK:
        return None
    who = "a hot topic may use the whole budget" if request.hot_topic else (
        f"planned campaigns may use {_money(limit)}, {_money(reserve)} are kept for hot topics")
    return (f"{MARKETING_BUDGET}: {_money(used)} of {_money(cap)} used, this {request.tier} costs "
            f"{_money(request.cost)} ({who}); the owner may amend its mechanics")


def _order_alternatives(policy: Policy, request: BalancingRequest, months: list[str]) -> list[str]:
    season = set(policy.category_seasons.get(request.category, []))
    wanted = number_of(request.month)

    def key(m: str) -> tuple[int, int, str]:
        n = number_of(m)
        return (0 if n in season else 1, abs(n - wanted), m)

    return sorted(months, key=key)


def balance(
    policy: Policy,
    calendar: YearCalendar,
    request: BalancingRequest,
    *,
    earliest_month: str | None = None,
    month_fits: Callable[[str], bool] | None = None,
    burst_for: Callable[[str], tuple[date, date] | None] | None = None,
    with_alternatives: bool = True,
) -> BalancingDecision:
    """Accept `request` in its month, or refuse it with reasons and alternative months
    (none with `with_alternatives=False`: the caller judged a window of months only).

    `earliest_month` (YYYY-MM, optional) keeps past months out of the alternatives;
    `month_fits` (optional) keeps out months where the campaign's dates cannot fit;
    `burst_for` (optional) gives the burst [start, end) the campaign would get in a
    month, None where none fits: an S is then judged on every month its burst touches.
    """
    rule = policy.rule(request.tier)
    own = (request.burst_start, request.burst_end) if request.burst_start and request.burst_end else None
    problems, displaced = _evaluate(policy, calendar, request, request.month, own)
    if not problems:
        reasons = []
        if displaced:
            reasons.append(f"S campaign takes {request.month} alone: displaces {', '.join(displaced)}")
        if request.tier == Tier.S:
            count, cap = s_in_half(policy, calendar, request.campaign_id, request.month)
            half = "first" if half_of(number_of(request.month)) == 0 else "second"
            reasons.append(f"s_half_year {'overridden by a leader' if count >= cap else 'held'}: the {half} half "
                           f"of {year_of(request.month)} holds {count + 1} S with this one (at most {cap})")
        return BalancingDecision(accepted=True, month=request.month, counted_days=rule.counted_days,
                                 displaced=displaced, reasons=reasons)

    alternatives = other_months(policy, calendar, request, earliest_month=earliest_month,
                                month_fits=month_fits, burst_for=burst_for) if with_alternatives else []
    return BalancingDecision(accepted=False, month=request.month, counted_days=rule.counted_days,
                             alternatives=alternatives, reasons=problems)


def other_months(
    policy: Policy,
    calendar: YearCalendar,
    request: BalancingRequest,
    *,
    earliest_month: str | None = None,
    month_fits: Callable[[str], bool] | None = None,
    burst_for: Callable[[str], tuple[date, date] | None] | None = None,
) -> list[str]:
    """Up to `max_alternatives` other months of the year that would accept `request`,
    in-season first, then nearest (arguments as for `balance`)."""
    candidates = []
    for month in months_of_year(calendar.year):
        if month == request.month or (earliest_month is not None and month < earliest_month):
            continue
        if month_fits is not None and not month_fits(month):
            continue
        burst = burst_for(month) if burst_for is not None else None
        if burst_for is not None and burst is None:
            continue
        if not _evaluate(policy, calendar, request, month, burst)[0]:
            candidates.append(month)
    return _order_alternatives(policy, request, candidates)[: policy.max_alternatives]


def apply(calendar: YearCalendar, request: BalancingRequest, decision: BalancingDecision) -> YearCalendar:
    """The calendar after an accepted decision: displaced campaigns removed, the request reserved."""
    if not decision.accepted:
        return calendar
    entry = CalendarEntry(campaign_id=request.campaign_id, month=decision.month, tier=request.tier,
                          category=request.category, counted_days=decision.counted_days,
                          hot_topic=request.hot_topic, burst_start=request.burst_start, burst_end=request.burst_end,
                          cost=request.cost if request.tier != Tier.C else 0.0)
    return calendar.without(decision.displaced).with_entry(entry)

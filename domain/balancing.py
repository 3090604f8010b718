"""Month balancing: fit a campaign into its month's capacity and the yearly budget.

Rules (numbers from the policy): C is always accepted and counts nothing. S: at most
`max_per_year` a year and one a month; an S takes its month alone, displacing the
month's A and B campaigns. A and B never sit beside an S; A at most `max_per_month`
(more with an override), none in the Spring Festival month; B at most `max_per_month`.
Planned campaigns may use the yearly budget minus the hot-topic reserve; hot topics
may use the reserve. The same category twice in a month needs a stated reason.
A refused request gets up to `max_alternatives` months of the same year that would
accept it, in-season months first, then nearest.
"""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from domain.policy import Policy
from domain.tiers import Tier


_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"  # YYYY-MM


class CalendarEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    campaign_id: str
    month: str = Field(pattern=_MONTH)
    tier: Tier
    category: str
    counted_days: int
    hot_topic: bool = False
    started: bool = False  # in warm-up or later: it runs, it can no longer make way for an S


class YearCalendar(BaseModel):
    """The live (reserved) campaigns of one year."""

    model_config = ConfigDict(frozen=True)

    year: int
    entries: list[CalendarEntry] = []

    def without(self, campaign_ids: set[str] | list[str]) -> "YearCalendar":
        ids = set(campaign_ids)
        # entries are already validated: no need to validate them again
        return YearCalendar.model_construct(year=self.year, entries=[e for e in self.entries if e.campaign_id not in ids])

    def with_entry(self, entry: CalendarEntry) -> "YearCalendar":
        return YearCalendar.model_construct(year=self.year, entries=[*self.without({entry.campaign_id}).entries, entry])


class BalancingRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    campaign_id: str
    month: str = Field(pattern=_MONTH)
    tier: Tier
    category: str
    hot_topic: bool = False
    a_override: bool = False  # the "special case" of a second A in a month
    category_reason: str | None = None


class BalancingDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    accepted: bool
    month: str = Field(pattern=_MONTH)
    counted_days: int
    displaced: list[str] = []
    alternatives: list[str] = []
    reasons: list[str] = []


class BudgetSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    cap: int
    used: int
    reserve: int
    left: int
    left_for_planned: int


def month_of(year: int, m: int) -> str:
    return f"{year:04d}-{m:02d}"


def budget(policy: Policy, calendar: YearCalendar) -> BudgetSummary:
    cap = policy.yearly_budget_days
    reserve = policy.hot_topic_reserve_days
    used = sum(e.counted_days for e in calendar.entries)
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


def _evaluate(policy: Policy, calendar: YearCalendar, request: BalancingRequest, month: str) -> tuple[list[str], list[str]]:
    """(problems, displaced ids) of placing `request` in `month`; no problems means accepted."""
    tier = request.tier
    rule = policy.rule(tier)
    year = calendar.year
    # re-checks ignore the request's own reservation
    entries = [e for e in calendar.entries if e.campaign_id != request.campaign_id]
    if int(month[:4]) != year:
        return [f"{month} is not in the calendar year {year}"], []
    if tier == Tier.C:
        return [], []  # C uses no company resources: recorded only

    in_month = [e for e in entries if e.month == month]
    load = _load(entries, month)
    problems: list[str] = []
    displaced: list[str] = []

    if tier == Tier.S:
        s_year = sum(1 for e in entries if e.tier == Tier.S)
        if rule.max_per_year is not None and s_year >= rule.max_per_year:
            problems.append(f"{year} already holds {_plural(s_year, 'S campaign')} (cap {rule.max_per_year} a year)")
        if rule.max_per_month is not None and load[Tier.S] >= rule.max_per_month:
            problems.append(f"{month} already holds {_plural(load[Tier.S], 'S campaign')} (cap {rule.max_per_month} a month)")
        # an S takes the month alone: its A and B campaigns make way (C stays, it books nothing)
        movable = [e for e in in_month if e.tier in (Tier.A, Tier.B)]
        running = [e.campaign_id for e in movable if e.started]
        if running:
            problems.append(f"{month} holds {', '.join(running)} already running: an S cannot displace it")
        displaced = [e.campaign_id for e in movable if not e.started]
    else:
        if load[Tier.S]:
            s_ids = ", ".join(e.campaign_id for e in in_month if e.tier == Tier.S)
            problems.append(f"{month} holds S campaign {s_ids}: no A or B campaign in an S month (S-month exclusivity)")
        if tier == Tier.A and policy.is_spring_festival_month(month):
            problems.append(f"{month} is the Spring Festival month: no A campaign (lowest traffic, team on holiday)")
        cap = rule.max_per_month
        if tier == Tier.A and request.a_override and cap is not None:
            cap = max(cap, policy.a_per_month_with_override)
        if cap is not None and load[tier] >= cap:
            problems.append(f"{month} already holds {_plural(load[tier], f'{tier} campaign')} (cap {cap})")
        same = [e.campaign_id for e in in_month if e.tier != Tier.C and e.category == request.category]
        if same and not request.category_reason:
            problems.append(f"category {request.category} already runs in {month} ({', '.join(same)}): "
                            "rotate categories, or give a category_reason")

    used = sum(e.counted_days for e in entries if e.campaign_id not in displaced)
    days = rule.counted_days
    limit = policy.yearly_budget_days if request.hot_topic else policy.yearly_budget_days - policy.hot_topic_reserve_days
    if used + days > limit:
        who = "a hot topic may use the whole budget" if request.hot_topic else (
            f"planned campaigns may use {limit}, {policy.hot_topic_reserve_days} are kept for hot topics")
        problems.append(f"yearly budget: {used} of {policy.yearly_budget_days} counted days used, "
                        f"this {tier} needs {days} ({who})")
    return problems, displaced


def _order_alternatives(policy: Policy, request: BalancingRequest, months: list[str]) -> list[str]:
    season = set(policy.category_seasons.get(request.category, []))
    wanted = int(request.month[5:7])

    def key(m: str) -> tuple[int, int, str]:
        n = int(m[5:7])
        return (0 if n in season else 1, abs(n - wanted), m)

    return sorted(months, key=key)


def balance(
    policy: Policy,
    calendar: YearCalendar,
    request: BalancingRequest,
    *,
    earliest_month: str | None = None,
    month_fits: Callable[[str], bool] | None = None,
) -> BalancingDecision:
    """Accept `request` in its month, or refuse it with reasons and alternative months.

    `earliest_month` (YYYY-MM, optional) keeps past months out of the alternatives;
    `month_fits` (optional) keeps out months where the campaign's dates cannot fit.
    """
    rule = policy.rule(request.tier)
    problems, displaced = _evaluate(policy, calendar, request, request.month)
    if not problems:
        reasons = []
        if displaced:
            reasons.append(f"S campaign takes {request.month} alone: displaces {', '.join(displaced)}")
        return BalancingDecision(accepted=True, month=request.month, counted_days=rule.counted_days,
                                 displaced=displaced, reasons=reasons)

    candidates = []
    for m in range(1, 13):
        month = month_of(calendar.year, m)
        if month == request.month or (earliest_month is not None and month < earliest_month):
            continue
        if month_fits is not None and not month_fits(month):
            continue
        if not _evaluate(policy, calendar, request, month)[0]:
            candidates.append(month)
    alternatives = _order_alternatives(policy, request, candidates)[: policy.max_alternatives]
    return BalancingDecision(accepted=False, month=request.month, counted_days=rule.counted_days,
                             alternatives=alternatives, reasons=problems)


def apply(calendar: YearCalendar, request: BalancingRequest, decision: BalancingDecision) -> YearCalendar:
    """The calendar after an accepted decision: displaced campaigns removed, the request reserved."""
    if not decision.accepted:
        return calendar
    entry = CalendarEntry(campaign_id=request.campaign_id, month=decision.month, tier=request.tier,
                          category=request.category, counted_days=decision.counted_days,
                          hot_topic=request.hot_topic)
    return calendar.without(decision.displaced).with_entry(entry)

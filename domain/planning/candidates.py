"""Candidates: what each intent may be in each of its months, and each month's burst slots.

For every intent and each of its months: its score there (the six factors, seasonality of
that month), the highest tier the thresholds and the explicit minimums allow (`gate_tier`,
`propose_tier`; never above the requested tier; S only for leadership's S, in its month),
and why the tiers above were refused. For every month: the A and B burst starts the date
rules allow (policy.burst_weekdays, every burst day inside the month and not a day off).
A requested burst start in the intent's own month is kept when the date rules accept it
(a festival such as Double 12 may fall on a weekend); leadership's S gets the burst
`choose_burst_start` picks for its month (covering 618 / Double 11 when the rules allow).
Each option carries its money at its tier in whole yuan (domain.planning.money: a tier
below the one asked scales the forecast traffic); an intent under the margin floor gets
no option unless it is leadership's S.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.dates import choose_burst_start, is_day_off, meets_lead, month_days, months_touched
from domain.months import month_key, number_of
from domain.planning import money
from domain.planning.model import Intent, PlanInput
from domain.policy import Policy
from domain.scoring import gate_tier, score_request
from domain.tiers import Tier

PLACEABLE = (Tier.S, Tier.A, Tier.B)  # tiers that take a place, days and resources; C does not


def planning_day(inp: PlanInput) -> date:
    """'Today' for the date rules: the input's `as_of` (a season solved now meets the leads
    the live path will ask when its campaigns are published), else a whole year ahead."""
    return inp.as_of or date(inp.year - 1, 1, 1)


def burst_days(policy: Policy, tier: Tier, start: date) -> list[date]:
    n = max(1, policy.rule(tier).burst_days)
    return [start + timedelta(days=i) for i in range(n)]


@dataclass(frozen=True)
class Option:
    """One candidate (intent, month, tier); `start` set when its burst day is fixed (requested or S)."""

    index: int
    intent: int
    month: str
    tier: Tier
    score: float
    start: date | None = None
    cost: int = 0  # whole yuan to the marketing budget at this tier (domain.planning.money)
    gp: int = 0    # whole yuan of gross profit after promotion at this tier


@dataclass
class IntentView:
    index: int
    intent: Intent
    preferred: str                    # the pinned month, else months[0]
    asked: Tier                       # the requested tier (or the proposed one in the preferred month)
    scores: dict[str, float]          # per candidate month
    ceiling: dict[str, Tier]          # highest allowed tier per month
    refused: dict[str, list[str]]     # why higher tiers were refused, per month
    options: list[int] = field(default_factory=list)
    s_month: str | None = None
    pin_tier: Tier | None = None
    pin_month: str | None = None
    pin_cut: bool = False
    notes: list[str] = field(default_factory=list)
    floor: str | None = None          # its margin after promotion is below the floor: why (never placed but as S)


@dataclass
class Slots:
    """A month's allowed engine-picked burst starts per tier, best weekday first."""

    month: str
    starts: dict[Tier, list[date]]


@dataclass
class Candidates:
    policy: Policy
    views: list[IntentView]
    options: list[Option]
    slots: dict[str, Slots]
    caps: dict[str, dict[Tier, int]]
    s_bursts: dict[int, tuple[date, list[str], str]]  # intent -> (start, months touched, why)
    s_problems: list[str]
    weekday_rank: dict[int, int]
    today: date  # the day the lead rules count from (planning_day)


def _with_month(it: Intent, month: str):
    """The request as if it asked for `month` (its requested date only holds in its own month)."""
    return it.model_copy(update={"month": month, "burst_start": it.burst_start if month == it.month else None})


def _gate(policy: Policy, req, score: float, month: str, asked: Tier) -> tuple[Tier, list[str]]:
    """Highest tier (A, B or C) the thresholds and minimums allow in `month`, with why not higher."""
    m = number_of(month)
    th = policy.thresholds_for(m)
    why: list[str] = []
    top = Tier.A if asked in (Tier.S, Tier.A) else asked
    if asked == Tier.S:
        why.append("not S: only leadership makes an intent S")
    if top == Tier.A and score < th.a:
        why.append(f"not A: score {score:.3f} < the A threshold {th.a:.2f} of {month}")
        top = Tier.B
    if top == Tier.B and score < th.b:
        why.append(f"not B: score {score:.3f} < the B threshold {th.b:.2f} of {month}")
        top = Tier.C
    gated, gwhy = gate_tier(policy, req, top, m)
    return gated, why + gwhy


def _priced(policy: Policy, v: IntentView, k: int, month: str, tier: Tier, start: date | None) -> Option:
    """Option `k` of `v`, with its money at `tier` in whole yuan."""
    m = money.money_at_tier(policy, v.intent, v.asked, tier)
    return Option(k, v.index, month, tier, v.scores[month], start, money.cost_units(m.cost),
                  money.gp_units(m.gross_profit_after))


def month_caps(inp: PlanInput, policy: Policy) -> dict[str, dict[Tier, int]]:
    caps = {}
    for m in range(1, 13):
        key = month_key(inp.year, m)
        over = inp.settings.month_caps.get(key)
        a = policy.rule(Tier.A).max_per_month
        b = policy.rule(Tier.B).max_per_month
        a = 10**6 if a is None else a
        b = 10**6 if b is None else b
        if over is not None:
            a = over.A if over.A is not None else a
            b = over.B if over.B is not None else b
        if policy.is_spring_festival_month(key):
            a = 0
        caps[key] = {Tier.A: a, Tier.B: b}
    return caps


def month_slots(policy: Policy, month: str, today: date) -> Slots:
    """Each tier's burst starts in `month`, best weekday first: the burst inside the month,
    free of days off, and its warm-up the tier's lead after `today`."""
    days = month_days(month)
    rank = {w: i for i, w in enumerate(policy.burst_weekdays)}
    starts: dict[Tier, list[date]] = {}
    for tier in (Tier.A, Tier.B):
        ok = []
        for d in days:
            if d.weekday() not in rank:
                continue
            bd = burst_days(policy, tier, d)
            if bd[-1].month != d.month or any(is_day_off(policy, x) for x in bd) \
                    or not meets_lead(policy, tier, d, today):
                continue
            ok.append(d)
        starts[tier] = sorted(ok, key=lambda d: (rank[d.weekday()], d))
    return Slots(month=month, starts=starts)


def build(inp: PlanInput, policy: Policy) -> Candidates:
    today = planning_day(inp)
    lines = inp.contexts
    s_of = {s.request_id: s.month for s in inp.s_fixed}
    pins = {p.request_id: p for p in inp.pins}
    views: list[IntentView] = []
    options: list[Option] = []
    s_bursts: dict[int, tuple[date, list[str], str]] = {}
    s_problems: list[str] = []
    caps = month_caps(inp, policy)
    for i, it in enumerate(inp.intents):
        line = lines[it.business_line]
        pin = pins.get(it.request_id)
        s_month = s_of.get(it.request_id)
        months = list(it.months)
        if s_month and s_month not in months:
            months.append(s_month)
        scores, ceiling, refused = {}, {}, {}
        for m in months:
            req = _with_month(it, m)
            sc = score_request(policy, line, req).score
            scores[m] = sc
            top, why = _gate(policy, req, sc, m, it.requested_tier or Tier.A)
            if top == Tier.A and policy.is_spring_festival_month(m):
                why.append(f"not A: {m} is the Spring Festival month")
                top = Tier.B if gate_tier(policy, req, Tier.B, number_of(m))[0] == Tier.B else Tier.C
            ceiling[m], refused[m] = top, why
        preferred = pin.month if pin and pin.month else (s_month or it.months[0])
        asked = it.requested_tier or ceiling[it.months[0]]
        v = IntentView(index=i, intent=it, preferred=preferred, asked=asked, scores=scores, ceiling=ceiling,
                       refused=refused, s_month=s_month, pin_tier=pin.tier if pin else None,
                       pin_month=pin.month if pin else None, pin_cut=bool(pin and pin.cut),
                       floor=money.floor_problem(policy, it))
        if s_month:
            choice = choose_burst_start(policy, Tier.S, s_month,
                                        it.burst_start if s_month == it.month else None, today)
            if choice.burst_start is None:
                s_problems.append(f"leadership's S {it.request_id} in {s_month}: " + "; ".join(choice.reasons))
            else:
                end = choice.burst_start + timedelta(days=policy.rule(Tier.S).burst_days)
                s_bursts[i] = (choice.burst_start, months_touched(choice.burst_start, end), "; ".join(choice.reasons))
                o = _priced(policy, v, len(options), s_month, Tier.S, choice.burst_start)
                options.append(o)
                v.options.append(o.index)
        elif v.floor is None:  # under the margin floor: no option, never placed
            for m in months:
                for t in (Tier.A, Tier.B):
                    if t.rank > ceiling[m].rank:
                        continue
                    start = None
                    if it.burst_start is not None and m == it.month:
                        ch = choose_burst_start(policy, t, m, it.burst_start, today)
                        if ch.burst_start is not None:
                            start = ch.burst_start
                        else:
                            v.notes.append(f"requested burst start {it.burst_start} not usable as {t}: "
                                           + "; ".join(ch.reasons))
                    o = _priced(policy, v, len(options), m, t, start)
                    options.append(o)
                    v.options.append(o.index)
        views.append(v)
    slots = {k: month_slots(policy, k, today) for k in caps}
    rank = {w: i for i, w in enumerate(policy.burst_weekdays)}
    return Candidates(policy=policy, views=views, options=options, slots=slots, caps=caps,
                      s_bursts=s_bursts, s_problems=s_problems, weekday_rank=rank, today=today)

"""An independent checker of a year plan: every hard rule re-checked from the decisions.

It reads only the input, the policy and the decisions (never the model), and recomputes
scores, allowed tiers, burst days, months an S closes, counted days and resource use
with the domain's own functions. `violations(...)` lists what is broken ([] = valid).
A `merged` decision (settings "merge": true) rides on its partner's campaign: the partner
is placed as A or B in one of the merged intent's months, of the same line and category;
the merged one has no tier, no burst, no days and no value of its own.

Money (DOMAIN.md "Money"), recomputed with domain/money.py's `money_of` alone: a decision
below the tier the intent asked for (its requested tier, else the highest its preferred
month allows) runs on its forecast traffic x `downgrade_traffic_factor` per step (rounded
to whole visits); the placed S, A and B cost at most the marketing budget less its reserve
in money; no intent under its category's margin floor runs, except leadership's S, whose
reason then says `margin_below_floor`; the summary's `value_gross_profit` and `money_used`
are the sums over the placed S, A and B.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from domain.dates import is_day_off, months_touched, plan_phases
from domain.money import Money, money_of
from domain.months import month_key
from domain.planning import PlanInput
from domain.policy import Policy
from domain.scoring import propose_tier, score_request
from domain.tiers import Tier

PLACED = (Tier.S, Tier.A, Tier.B)


def effective(inp: PlanInput) -> Policy:
    over = {}
    st = inp.settings
    if st.budget is not None:
        over["yearly_budget_days"] = st.budget
    if st.reserve is not None:
        over["hot_topic_reserve_days"] = st.reserve
    if st.marketing_budget is not None:
        over["marketing_budget"] = st.marketing_budget
    return inp.policy.model_copy(update=over) if over else inp.policy


def caps(inp: PlanInput, pol: Policy, month: str) -> dict[Tier, int]:
    a, b = pol.rule(Tier.A).max_per_month, pol.rule(Tier.B).max_per_month
    c = inp.settings.month_caps.get(month)
    if c is not None:
        a = c.A if c.A is not None else a
        b = c.B if c.B is not None else b
    return {Tier.A: 0 if pol.is_spring_festival_month(month) else a, Tier.B: b}


def score_in(pol: Policy, inp: PlanInput, it, month: str) -> float:
    req = it.model_copy(update={"month": month, "burst_start": it.burst_start if month == it.month else None})
    return score_request(pol, inp.contexts[it.business_line], req).score


def top_tier(pol: Policy, inp: PlanInput, it, month: str) -> Tier:
    req = it.model_copy(update={"month": month, "burst_start": it.burst_start if month == it.month else None})
    asked = it.requested_tier or Tier.A
    if asked == Tier.S:
        asked = Tier.A
    return propose_tier(pol, score_in(pol, inp, it, month), int(month[5:7]), asked, req)


def asked_tier(pol: Policy, inp: PlanInput, it) -> Tier:
    """The tier an intent asked for: its requested tier, else the highest its preferred month
    allows (thresholds, minimums, no A in the Spring Festival month)."""
    if it.requested_tier is not None:
        return it.requested_tier
    top = top_tier(pol, inp, it, it.months[0])
    if top == Tier.A and pol.is_spring_festival_month(it.months[0]):
        req = it.model_copy(update={"month": it.months[0]})
        top = propose_tier(pol, score_in(pol, inp, it, it.months[0]), int(it.months[0][5:7]), Tier.B, req)
    return top


def money_at(pol: Policy, inp: PlanInput, it, tier: Tier) -> Money:
    """The intent's money at `tier`: the forecast traffic halved (the policy's factor) per step below the asked tier."""
    steps = max(0, asked_tier(pol, inp, it).rank - tier.rank)
    f = it.forecast
    traffic = round(f.traffic * pol.downgrade_traffic_factor ** steps) if steps else f.traffic
    return money_of(traffic * f.avg_order_value * f.conversion_rate, it.gross_margin, it.mechanics, it.paid_traffic)


def plan_gross_profit(inp: PlanInput, decisions: list) -> float:
    """Σ gross profit after promotion of the placed S, A and B, each at its tier."""
    pol = effective(inp)
    by = {it.request_id: it for it in inp.intents}
    return sum(money_at(pol, inp, by[d.request_id], d.tier).gross_profit_after for d in decisions if d.tier in PLACED)


def plan_money(inp: PlanInput, decisions: list) -> float:
    """Σ cost to the marketing budget of the placed S, A and B, each at its tier."""
    pol = effective(inp)
    by = {it.request_id: it for it in inp.intents}
    return sum(money_at(pol, inp, by[d.request_id], d.tier).cost for d in decisions if d.tier in PLACED)


def burst(pol: Policy, tier: Tier, start: date) -> list[date]:
    return [start + timedelta(days=i) for i in range(pol.rule(tier).burst_days)]


def violations(inp: PlanInput, decisions: list, value: float | None = None, summary=None) -> list[str]:
    pol = effective(inp)
    bad: list[str] = []
    by_id = defaultdict(list)
    for d in decisions:
        by_id[d.request_id].append(d)
    s_of = {s.request_id: s.month for s in inp.s_fixed}
    pins = {p.request_id: p for p in inp.pins}
    ids = {it.request_id for it in inp.intents}
    if set(by_id) != ids:
        bad.append(f"decisions for {sorted(set(by_id) ^ ids)} do not match the intents")
    placed = []
    merged = []
    for it in inp.intents:
        ds = by_id.get(it.request_id, [])
        if len(ds) != 1:
            bad.append(f"{it.request_id}: {len(ds)} decisions")
            continue
        d = ds[0]
        if not d.reason or not d.reason.strip():
            bad.append(f"{it.request_id}: no reason")
        if d.decision == "cut":
            if d.tier is not None or d.month is not None:
                bad.append(f"{it.request_id}: cut with a tier or month")
            if it.request_id in s_of:
                bad.append(f"{it.request_id}: leadership's S cut")
            continue
        if d.decision == "merged":
            merged.append((it, d))
            continue
        if d.merged_with is not None:
            bad.append(f"{it.request_id}: {d.decision} names a merge partner {d.merged_with}")
        if d.tier is None or d.month is None:
            bad.append(f"{it.request_id}: {d.decision} without tier or month")
            continue
        # S only for leadership's S, in its month; leadership's S always S
        if it.request_id in s_of:
            if d.tier != Tier.S or d.month != s_of[it.request_id]:
                bad.append(f"{it.request_id}: leadership's S in {s_of[it.request_id]} is {d.tier} in {d.month}")
        elif d.tier == Tier.S:
            bad.append(f"{it.request_id}: S without leadership")
        if d.tier != Tier.S and d.month not in it.months:
            bad.append(f"{it.request_id}: month {d.month} not in {it.months}")
        if abs(d.score - score_in(pol, inp, it, d.month)) > 1e-9:
            bad.append(f"{it.request_id}: score {d.score} is not its score in {d.month}")
        if d.tier in (Tier.A, Tier.B) and d.tier.rank > top_tier(pol, inp, it, d.month).rank:
            bad.append(f"{it.request_id}: {d.tier} above what the thresholds/minimums allow in {d.month}")
        if d.tier == Tier.A and pol.is_spring_festival_month(d.month):
            bad.append(f"{it.request_id}: A in the Spring Festival month")
        m_after = it.money.margin_after
        floor = pol.margin_floor_for(it.category)
        if m_after < floor:
            if it.request_id not in s_of:
                bad.append(f"{it.request_id}: runs as {d.tier} with margin after promotion {m_after:.4f} "
                           f"under the floor {floor}")
            elif "margin_below_floor" not in d.reason:
                bad.append(f"{it.request_id}: leadership's S under the margin floor, not flagged")
        if getattr(d, "money", None) is not None:
            want = money_at(pol, inp, it, d.tier)
            for k in ("given_away", "cost", "margin_after", "gross_profit_after"):
                if abs(getattr(d.money, k) - getattr(want, k)) > 1e-6 * max(1.0, abs(getattr(want, k))):
                    bad.append(f"{it.request_id}: money.{k} {getattr(d.money, k)} != {getattr(want, k)} at {d.tier}")
        p = pins.get(it.request_id)
        if p is not None:
            if p.month and d.month != p.month:
                bad.append(f"{it.request_id}: pinned to {p.month}, got {d.month}")
            if p.tier and d.tier != p.tier:
                bad.append(f"{it.request_id}: pinned to tier {p.tier}, got {d.tier}")
        if d.tier == Tier.C:
            if d.phases:
                bad.append(f"{it.request_id}: C with phases")
            continue
        if d.burst_start is None:
            bad.append(f"{it.request_id}: {d.tier} without a burst start")
            continue
        if [(ph.phase, ph.start, ph.end) for ph in d.phases] != \
                [(ph.phase, ph.start, ph.end) for ph in plan_phases(pol, d.tier, d.burst_start)]:
            bad.append(f"{it.request_id}: phases are not the tier's")
        requested = it.burst_start is not None and d.burst_start == it.burst_start and d.month == it.month
        days = burst(pol, d.tier, d.burst_start)
        if d.tier in (Tier.A, Tier.B) and not requested:
            if d.burst_start.weekday() not in pol.burst_weekdays:
                bad.append(f"{it.request_id}: burst on weekday {d.burst_start.weekday()}")
            if any(is_day_off(pol, x) for x in days):
                bad.append(f"{it.request_id}: burst on a day off")
            if any(month_key(x.year, x.month) != d.month for x in days):
                bad.append(f"{it.request_id}: burst leaves {d.month}")
        if month_key(d.burst_start.year, d.burst_start.month) != d.month:
            bad.append(f"{it.request_id}: burst start {d.burst_start} outside {d.month}")
        placed.append((it, d, days))
    # merges: the partner carries the campaign in one of the merged intent's months
    by_rid = {it.request_id: it for it in inp.intents}
    for it, d in merged:
        rid = it.request_id
        if not inp.settings.merge:
            bad.append(f"{rid}: merged without \"merge\": true in settings")
        if d.tier is not None or d.burst_start is not None or d.phases:
            bad.append(f"{rid}: merged with a tier, burst or phases of its own")
        if rid in s_of or it.requested_tier == Tier.S or rid in pins:
            bad.append(f"{rid}: leadership's S, asked S or pinned, yet merged")
        if d.month not in it.months:
            bad.append(f"{rid}: merged in {d.month}, not one of its months {it.months}")
        elif abs(d.score - score_in(pol, inp, it, d.month)) > 1e-9:
            bad.append(f"{rid}: score {d.score} is not its score in {d.month}")
        partner = by_id.get(d.merged_with or "", [])
        if d.merged_with == rid or len(partner) != 1:
            bad.append(f"{rid}: merged with {d.merged_with!r}, not another intent")
            continue
        p, other = partner[0], by_rid[d.merged_with or ""]
        if p.decision not in ("placed", "moved", "downgraded") or p.tier not in (Tier.A, Tier.B):
            bad.append(f"{rid}: partner {p.request_id} is {p.decision} {p.tier}, not a placed A or B")
        if p.month != d.month:
            bad.append(f"{rid}: merged in {d.month}, its partner {p.request_id} runs in {p.month}")
        if (other.business_line, other.category) != (it.business_line, it.category):
            bad.append(f"{rid}: partner {p.request_id} is of another line or category")
    # caps, S per year / month, S closes the months its burst touches
    per = defaultdict(lambda: defaultdict(list))
    for it, d, _ in placed:
        per[d.month][d.tier].append(it.request_id)
    s_rule = pol.rule(Tier.S)
    if sum(len(v[Tier.S]) for v in per.values()) > (s_rule.max_per_year or 99):
        bad.append("too many S in the year")
    for half in (0, 1):
        s_half = sum(len(v[Tier.S]) for month, v in per.items() if (int(month[5:]) > 6) == bool(half))
        if s_half > pol.s_per_half.cap(half):
            bad.append(f"{s_half} S in half {half + 1} of the year (s_per_half cap {pol.s_per_half.cap(half)})")
    for month, tiers in per.items():
        cp = caps(inp, pol, month)
        for t in (Tier.A, Tier.B):
            if len(tiers[t]) > cp[t]:
                bad.append(f"{month}: {len(tiers[t])} {t} over cap {cp[t]}")
        if len(tiers[Tier.S]) > (s_rule.max_per_month or 99):
            bad.append(f"{month}: {len(tiers[Tier.S])} S")
    for it, d, days in placed:
        if d.tier != Tier.S:
            continue
        for month in months_touched(days[0], days[-1] + timedelta(days=1)):
            others = [r for t in PLACED for r in per[month][t] if r != it.request_id]
            if others:
                bad.append(f"S {it.request_id} touches {month} where {others} also run")
    # budget less reserve
    used = sum(pol.rule(d.tier).counted_days for _, d, _ in placed)
    if used > pol.yearly_budget_days - pol.hot_topic_reserve_days:
        bad.append(f"counted days {used} > {pol.yearly_budget_days - pol.hot_topic_reserve_days}")
    # the marketing budget less its reserve in money
    money_used = sum(money_at(pol, inp, it, d.tier).cost for it, d, _ in placed)
    if pol.marketing_budget is not None:
        room = pol.marketing_budget - pol.hot_topic_reserve_money
        if money_used > room + 1e-6 * max(1.0, room):
            bad.append(f"money used {money_used:,.2f} > the marketing budget less the reserve {room:,.2f}")
    # bursts never share a day
    owner: dict[date, str] = {}
    for it, _, days in placed:
        for x in days:
            if x in owner:
                bad.append(f"{x}: bursts of {owner[x]} and {it.request_id} share the day")
            owner[x] = it.request_id
    # resources per day (required entitlements)
    units = {r.key: r.units for r in pol.resources}
    use: dict[tuple[str, date], int] = defaultdict(int)
    for _, d, _ in placed:
        for e in pol.needs(d.tier):
            if not e.required:
                continue
            for ph in d.phases:
                if ph.phase in e.phases:
                    x = ph.start
                    while x < ph.end:
                        use[(e.resource, x)] += e.units
                        x += timedelta(days=1)
    for (r, x), n in sorted(use.items()):
        if n > units[r]:
            bad.append(f"resource {r} on {x}: {n} > {units[r]}")
    # team people-days per ISO week: each phase needs its per-week figure in every week it touches
    capacity = {t.key: t.capacity for t in pol.teams}
    team_use: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
    for _, d, _ in placed:
        for ph in d.phases:
            weeks = {(ph.start + timedelta(days=i)).isocalendar()[:2] for i in range(max(1, (ph.end - ph.start).days))}
            for need in pol.team_needs.get(d.tier, []):
                if need.phase == ph.phase:
                    for w in weeks:
                        team_use[(need.team, w)] += need.people_days
    for (team, w), n in sorted(team_use.items()):
        if team in capacity and n > capacity[team]:
            bad.append(f"team {team} in {w[0]}-W{w[1]:02d}: {n} > {capacity[team]}")
    if value is not None:
        total = sum(d.score * pol.rule(d.tier).counted_days for _, d, _ in placed)
        if abs(total - value) > 1e-6:
            bad.append(f"value {value} != {total} from the decisions")
    if summary is not None:
        gp = sum(money_at(pol, inp, it, d.tier).gross_profit_after for it, d, _ in placed)
        for name, got, want in (("value_gross_profit", summary.value_gross_profit, gp),
                                ("money_used", summary.money_used, money_used),
                                ("value_score_days", summary.value_score_days, summary.value)):
            if abs(got - want) > 0.01:
                bad.append(f"summary {name} {got} != {want} from the decisions")
    return bad


def plan_value(pol: Policy, decisions: list) -> float:
    return sum(d.score * pol.rule(d.tier).counted_days for d in decisions if d.tier in PLACED)

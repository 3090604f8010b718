"""Reasons a person can read: the rule that decided, or the intent it lost to, named.

Built from the solution alone (who holds which month's places, which months an S closes,
the counted days used), so a reviewer can check each sentence against the plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from domain.planning.candidates import Candidates, IntentView
from domain.planning.money import tier_forecast
from domain.policy import half_of
from domain.tiers import Tier

_DAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Board:
    """Who holds what in the solved plan."""

    c: Candidates
    holders: dict[tuple[str, Tier], list[IntentView]] = field(default_factory=lambda: defaultdict(list))
    chosen: dict[int, tuple[str, Tier]] = field(default_factory=dict)
    closed: dict[str, IntentView] = field(default_factory=dict)
    used: int = 0
    limit: int = 0
    money_used: int = 0                # whole yuan of the placed options' costs
    money_limit: float | None = None   # the marketing budget less its reserve (None: unlimited)
    objective: str = "score_days"

    def place(self, v: IntentView, month: str, tier: Tier, cost: int = 0) -> None:
        self.holders[(month, tier)].append(v)
        self.chosen[v.index] = (month, tier)
        self.used += self.c.policy.rule(tier).counted_days
        self.money_used += cost
        if tier == Tier.S:
            for mo in self.c.s_bursts[v.index][1]:
                self.closed[mo] = v

    def cost_of(self, v: IntentView, month: str, tier: Tier) -> int:
        return next((self.c.options[k].cost for k in v.options
                     if self.c.options[k].month == month and self.c.options[k].tier == tier), 0)


def who(v: IntentView, month: str) -> str:
    it = v.intent
    return f"{it.request_id} \"{it.name}\" (score {v.scores.get(month, 0):.3f})"


def why_not(board: Board, v: IntentView, month: str, tier: Tier) -> str:
    """Why `v` is not `tier` in `month` in this plan."""
    c = board.c
    pol = c.policy
    if v.pin_month and month != v.pin_month:
        return f"ops pinned it to {v.pin_month}"
    if v.pin_tier is not None and v.pin_tier != tier:
        return f"ops pinned it to tier {v.pin_tier.value}"
    if month not in v.ceiling:
        return f"{month} is not one of its months {v.intent.months}"
    if tier.rank > v.ceiling[month].rank:
        return f"in {month} it can be at most {v.ceiling[month].value}: " + "; ".join(v.refused[month])
    s = board.closed.get(month)
    if s is not None and s.index != v.index:
        start = c.s_bursts[s.index][0]
        return (f"{month} belongs to leadership's S {who(s, s.s_month or month)} (burst from {start}): "
                "no other S, A or B in a month an S burst touches")
    cap = c.caps[month][tier] if tier in (Tier.A, Tier.B) else None
    held = [h for h in board.holders.get((month, tier), []) if h.index != v.index]
    if cap is not None and len(held) >= cap:
        if cap == 0:
            return f"{month} takes no {tier.value} (cap 0)"
        held.sort(key=lambda h: (-h.scores[month], h.intent.request_id))
        lost = held[-1]
        return (f"the {tier.value} place(s) of {month} (cap {cap}) went to "
                f"{', '.join(who(h, month) for h in held)}; lost to {lost.intent.request_id}")
    slots = c.slots.get(month)
    if tier in (Tier.A, Tier.B) and slots is not None and not slots.starts.get(tier):
        r = pol.rule(tier)
        return (f"no burst day left in {month} for {tier.value} with {r.min_lead_days} days of lead before "
                f"its warm-up (planned on {c.today})")
    need = pol.rule(tier).counted_days
    mine = pol.rule(board.chosen[v.index][1]).counted_days if v.index in board.chosen else 0
    if board.used - mine + need > board.limit:
        return (f"the budget less the reserve ({board.limit} counted days) is full: {board.used} used by "
                f"higher-value campaigns, {tier.value} needs {need}")
    if board.money_limit is not None:
        cost = board.cost_of(v, month, tier)
        mine_cost = board.cost_of(v, *board.chosen[v.index]) if v.index in board.chosen else 0
        if board.money_used - mine_cost + cost > board.money_limit:
            return (f"marketing_budget: the marketing budget less the reserve ({board.money_limit:,.0f} yuan) is "
                    f"full: {board.money_used:,.0f} used by higher-value campaigns, {tier.value} in {month} "
                    f"costs {cost:,.0f}")
    what = ("gross profit after promotion" if board.objective == "gross_profit"
            else "value (score x counted days)")
    return f"no free burst day or resource units left in {month} for it, or the plan's {what} is higher without it"


def burst_text(d: date | None, fixed: bool) -> str:
    if d is None:
        return ""
    return f"burst {d} ({_DAY[d.weekday()]})" + (", the requested date" if fixed else "")


def placed_reason(board: Board, v: IntentView, month: str, tier: Tier, start: date | None, fixed: bool) -> str:
    c = board.c
    it = v.intent
    home = it.months[0]
    score = v.scores[month]
    if tier == Tier.S:
        _, touched, why = c.s_bursts[v.index]
        half = half_of(int(month[5:7]))
        in_half = sum(1 for (mo, t), vs in board.holders.items() if t == Tier.S and half_of(int(mo[5:7])) == half
                      for _ in vs)
        text = (f"S in {month}: leadership's choice, whatever its score ({score:.3f}); {why}; "
                f"closes {', '.join(touched)} to other S, A and B; s_half_year held: "
                f"{in_half} of at most {c.policy.s_per_half.cap(half)} S in "
                f"{'January-June' if half == 0 else 'July-December'}")
        if month != home:
            text += f" (its preferred month was {home})"
        if v.floor is not None:
            text += f"; margin_below_floor: {v.floor} (placed: leadership's S; approving it needs a leader's override)"
        return text
    th = c.policy.thresholds_for(int(month[5:7]))
    parts = [f"{tier.value} in {month}, score {score:.3f} (thresholds there: A {th.a:.2f}, B {th.b:.2f})"]
    if month != home:
        if v.pin_month == month:
            parts.append(f"moved from {home}: pinned by ops to {month}")
        else:
            at_home = min((tier, v.ceiling.get(home, Tier.C)), key=lambda t: t.rank)
            if at_home == Tier.C:
                parts.append(f"moved from {home}: " + why_not(board, v, home, tier))
            else:
                parts.append(f"moved from {home}: as {at_home.value} there: " + why_not(board, v, home, at_home))
    if tier.rank < v.asked.rank:
        higher = [t for t in (Tier.A,) if t.rank <= v.asked.rank and t.rank > tier.rank] or [v.asked]
        parts.append(f"downgraded from {v.asked.value}: " + why_not(board, v, month, higher[0]))
        steps = v.asked.rank - tier.rank
        f = c.policy.downgrade_traffic_factor
        parts.append(f"forecast traffic x {f ** steps:g} ({steps} tier(s) below {v.asked.value}): "
                     f"{tier_forecast(c.policy, it.forecast, v.asked, tier).traffic:,} of {it.forecast.traffic:,}")
    if v.pin_tier == tier:
        parts.append("tier pinned by ops")
    parts.append(burst_text(start, fixed))
    parts += v.notes
    return "; ".join(p for p in parts if p)


def c_reason(board: Board, v: IntentView, month: str) -> str:
    it = v.intent
    if v.pin_tier == Tier.C:
        return f"C in {month}: pinned to C by ops; the line runs it on its own resources, no counted days"
    if v.asked == Tier.C:
        return f"C in {month}: placed as asked, on the line's own resources at no cost"
    why = "; ".join(v.refused.get(month, [])) or "no A or B place"
    text = f"downgraded to C in {month}: {why}"
    others = [m for m in it.months if m != month and v.ceiling.get(m, Tier.C) != Tier.C]
    if others:
        text += "; elsewhere: " + "; ".join(f"{m}: {why_not(board, v, m, v.ceiling[m])}" for m in others[:2])
    return text


def cut_reason(board: Board, v: IntentView) -> str:
    if v.pin_cut:
        return "cut by an ops pin"
    if v.floor is not None:
        return (f"cut: margin_below_floor: {v.floor}; the planner places no intent under the margin floor "
                "(only leadership's S; a leader may still approve it with margin_override and a reason)")
    c = board.c
    opts = sorted((c.options[k] for k in v.options),
                  key=lambda o: (-o.score * c.policy.rule(o.tier).counted_days, o.month))
    if not opts:
        return "cut: no month and tier it may have"
    seen: list[str] = []
    for o in opts:
        if len(seen) == 2:
            break
        if any(s.startswith(f"{o.month} ") for s in seen):
            continue
        seen.append(f"{o.month} as {o.tier.value}: {why_not(board, v, o.month, o.tier)}")
    text = "cut: " + " | ".join(seen)
    cheapest = min(o.cost for o in opts)
    if board.money_limit is not None and board.money_used + cheapest > board.money_limit:
        text += (f"; marketing_budget: {max(0.0, board.money_limit - board.money_used):,.0f} yuan left of "
                 f"{board.money_limit:,.0f}, its cheapest option costs {cheapest:,.0f}")
    return text


def merged_reason(board: Board, v: IntentView, carrier: IntentView, month: str, tier: Tier) -> str:
    it = v.intent
    alone = cut_reason(board, v).removeprefix("cut: ")
    return (f"merged into {who(carrier, month)}, {tier.value} in {month}: same line ({it.business_line}) and "
            f"category ({it.category}), both can run in {month}; the partner carries the campaign, its value "
            f"counts once, this one uses no days; on its own: {alone}")


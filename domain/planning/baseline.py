"""First come, first served: the year as today's one-at-a-time rules would book it.

Each intent, in arrival order, is approved at its proposed tier (leadership's S as S),
balanced in its month with `domain.balancing.balance`, dated with `choose_burst_start`,
and, when refused, tried in its next months in order (the owner's choose-month). On top
of `balance` it applies the rules the planner also holds (#13): an S closes every month
its burst touches (and displaces the A/B there), a burst never shares a day and stays in
its month, and (with settings) the month caps. It is the yardstick of the planner's
value (`value` of the result >= this), used by the tests and bench/planner.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from domain.balancing import BalancingRequest, YearCalendar, apply, balance
from domain.dates import Burst, choose_burst_start, months_touched, plan_phases
from domain.months import month_of_date
from domain.planning.candidates import planning_day
from domain.planning.model import Decision, PlanInput, effective_policy
from domain.scoring import propose_tier, score_request
from domain.tiers import Tier


def first_come_first_served(inp: PlanInput, order: Sequence[int] | None = None) -> list[Decision]:
    pol = effective_policy(inp)
    today = planning_day(inp.year)
    s_of = {s.request_id: s.month for s in inp.s_fixed}
    order = list(range(len(inp.intents))) if order is None else list(order)
    cal = YearCalendar(year=inp.year)
    bursts: dict[str, Burst] = {}
    got: dict[int, tuple[Tier, str, float]] = {}
    closed: dict[str, str] = {}
    for i in order:
        it = inp.intents[i]
        cid = it.request_id
        line = inp.contexts[it.business_line]
        months = [s_of[cid]] if cid in s_of else list(it.months)
        for month in months:
            req = it.model_copy(update={"month": month, "burst_start": it.burst_start if month == it.month else None})
            score = score_request(pol, line, req).score
            if cid in s_of:
                tier = Tier.S
            else:
                asked = it.requested_tier if it.requested_tier != Tier.S else Tier.A
                tier = propose_tier(pol, score, int(month[5:7]), asked, req)
            if tier == Tier.C:
                got[i] = (Tier.C, month, score)
                break
            if tier != Tier.S and month in closed:
                continue
            cap = inp.settings.month_caps.get(month)
            if cap is not None and tier in (Tier.A, Tier.B):
                n = getattr(cap, tier.value)
                held = sum(1 for e in cal.entries if e.month == month and e.tier == tier)
                if n is not None and held >= n:
                    continue
            breq = BalancingRequest(campaign_id=cid, month=month, tier=tier, category=it.category)
            dec = balance(pol, cal, breq)
            if not dec.accepted:
                continue
            taken = [b for b in bursts.values() if b.campaign_id not in dec.displaced]
            ch = choose_burst_start(pol, tier, month, req.burst_start, today, taken=taken)
            if ch.burst_start is None:
                continue
            n_days = pol.rule(tier).burst_days
            b = Burst(campaign_id=cid, tier=tier, start=ch.burst_start,
                      end=ch.burst_start + timedelta(days=n_days))
            if any(b.days & o.days for o in taken):
                continue  # the planner's rule: bursts never share a day
            if tier != Tier.S and any(month_of_date(d) != month for d in b.days) and req.burst_start is None:
                continue
            displaced = set(dec.displaced)
            if tier == Tier.S:
                touched = months_touched(b.start, b.end)
                displaced |= {e.campaign_id for e in cal.entries
                              if e.month in touched and e.tier in (Tier.A, Tier.B, Tier.S)}
                for m in touched:
                    closed[m] = cid
            cal = apply(cal.without(displaced), breq, dec)
            for gone in displaced:
                bursts.pop(gone, None)
                got.pop(next(j for j, v in enumerate(inp.intents) if v.request_id == gone), None)
            bursts[cid] = b
            got[i] = (tier, month, score)
            break
    out = []
    for k, it in enumerate(inp.intents):
        base: dict[str, Any] = {"intent_id": it.key, "request_id": it.request_id, "business_line": it.business_line,
                                "category": it.category, "requested_tier": it.requested_tier,
                                "preferred_month": it.months[0]}
        if k not in got:
            out.append(Decision(**base, score=0.0, decision="cut", tier=None, month=None, burst_start=None,
                                reason="first come, first served: refused"))
            continue
        tier, month, score = got[k]
        own = bursts.get(it.request_id)
        start = own.start if own else None
        out.append(Decision(**base, score=score, decision="placed", tier=tier, month=month, burst_start=start,
                            phases=plan_phases(pol, tier, start) if start else [],
                            reason="first come, first served"))
    return out

"""First come, first served: the year as today's one-at-a-time rules would book it.

Each intent, in arrival order, is approved at its proposed tier (leadership's S as S),
dated with `choose_burst_start` among the bursts already booked (`taken`: it spreads the
month's bursts), balanced with `domain.balancing.balance` on that burst (an S closes, and
clears, every month its burst days touch; an A or B never sits in such a month), and,
when refused, tried in its next months in order (the owner's choose-month). On top of
today's rules it holds the planner's stricter ones: a burst never shares a day and stays
in its month, and (with settings) the month caps. It is the yardstick of the planner's
value (`value` of the result >= this), used by the tests and bench/planner.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from domain.balancing import BalancingRequest, YearCalendar, apply, balance
from domain.dates import Burst, choose_burst_start, plan_phases
from domain.months import month_of_date
from domain.planning.candidates import planning_day
from domain.planning.model import Decision, PlanInput, effective_policy
from domain.scoring import propose_tier, score_request
from domain.tiers import Tier


def first_come_first_served(inp: PlanInput, order: Sequence[int] | None = None) -> list[Decision]:
    pol = effective_policy(inp)
    today = planning_day(inp)
    s_of = {s.request_id: s.month for s in inp.s_fixed}
    order = list(range(len(inp.intents))) if order is None else list(order)
    cal = YearCalendar(year=inp.year)
    scores: dict[str, float] = {}
    as_c: dict[str, str] = {}  # C: recorded at no cost, never displaced
    for i in order:
        it = inp.intents[i]
        cid = it.request_id
        line = inp.contexts[it.business_line]
        for month in [s_of[cid]] if cid in s_of else list(it.months):
            req = it.model_copy(update={"month": month, "burst_start": it.burst_start if month == it.month else None})
            score = score_request(pol, line, req).score
            asked = it.requested_tier if it.requested_tier != Tier.S else Tier.A
            tier = Tier.S if cid in s_of else propose_tier(pol, score, int(month[5:7]), asked, req)
            if tier == Tier.C:
                as_c[cid], scores[cid] = month, score
                break
            cap = inp.settings.month_caps.get(month)
            n = getattr(cap, tier.value) if cap is not None and tier != Tier.S else None
            if n is not None and sum(1 for e in cal.entries if e.month == month and e.tier == tier) >= n:
                continue
            # an S clears the A and B of its months: it only dates around the other S
            taken = [b for b in cal.bursts() if tier != Tier.S or b.tier == Tier.S]
            ch = choose_burst_start(pol, tier, month, req.burst_start, today, taken=taken)
            if ch.burst_start is None:
                continue
            b = Burst(campaign_id=cid, tier=tier, start=ch.burst_start,
                      end=ch.burst_start + timedelta(days=pol.rule(tier).burst_days))
            if tier != Tier.S and req.burst_start is None and any(month_of_date(d) != month for d in b.days):
                continue
            breq = BalancingRequest(campaign_id=cid, month=month, tier=tier, category=it.category,
                                    burst_start=b.start, burst_end=b.end)
            dec = balance(pol, cal, breq)
            if not dec.accepted or any(b.meets(o.start, o.end) for o in cal.without(dec.displaced).bursts()):
                continue  # the planner's rule: bursts never share a day
            cal = apply(cal, breq, dec)
            scores[cid] = score
            break
    booked = {e.campaign_id: e for e in cal.entries}
    out = []
    for it in inp.intents:
        rid = it.request_id
        base: dict[str, Any] = {"intent_id": it.key, "request_id": rid, "business_line": it.business_line,
                                "category": it.category, "requested_tier": it.requested_tier,
                                "preferred_month": it.months[0]}
        e = booked.get(rid)
        if e is None and rid not in as_c:
            out.append(Decision(**base, score=0.0, decision="cut", tier=None, month=None, burst_start=None,
                                reason="first come, first served: refused"))
            continue
        tier, month, start = (e.tier, e.month, e.burst_start) if e is not None else (Tier.C, as_c[rid], None)
        out.append(Decision(**base, score=scores[rid], decision="placed", tier=tier, month=month, burst_start=start,
                            phases=plan_phases(pol, tier, start) if start else [],
                            reason="first come, first served"))
    return out

"""`plan(inp, time_limit, progress) -> PlanSolution`: the playbook's steps 4-7 as one solve.

The single entry point (an activity wraps it in #9): checks the input (PlanInputError
names the bad item), builds the candidates, solves the CP-SAT model (domain.planning
.solver), gives the chosen slots to the intents (best score first, best weekday first),
and writes one decision per intent with its reason. `value` is computed from the
decisions (score x counted days of the placed tier), never read back from the objective;
so are `value_gross_profit` and `money_used` (each placed decision's `money` at its tier,
domain.planning.money), whichever objective the settings chose.
With targets, calibration (step 7) chooses the thresholds first, then plans with them;
with `"merge": true` a cut intent may ride on a partner's campaign (step 4, merged).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from domain.dates import choose_burst_start, plan_phases
from domain.months import month_key
from domain.planning import calibration, merges, money, reasons
from domain.planning.budget import Budget, Clock
from domain.planning.candidates import PLACEABLE, Option, build, planning_day
from domain.planning.model import (
    Decision,
    DecisionKind,
    PlanInput,
    PlanSolution,
    Status,
    Summary,
    check_input,
    effective_policy,
)
from domain.planning.solver import solve
from domain.policy import Policy
from domain.tiers import Tier

__all__ = ["plan"]


def plan(inp: PlanInput, time_limit: float | None = None,
         progress: Callable[[dict[str, Any]], None] | None = None, *, clock: Clock | None = None,
         budget: Budget | None = None) -> PlanSolution:
    """`time_limit` bounds the whole solve (every probe, stage and diagnosis together), read
    from `clock` when given, else from the solvers' wall time; or pass a `budget` made by
    the caller (who may then `stop()` it from another thread)."""
    check_input(inp)
    policy = effective_policy(inp)
    spend = budget if budget is not None else Budget(time_limit, clock)
    if inp.settings.targets is not None and (inp.settings.targets.A is not None or inp.settings.targets.B is not None):
        # step 7: thresholds searched for the targets, then the plan with them (domain.planning.calibration)
        return calibration.calibrate(inp, policy, spend, progress,
                                     lambda chosen: _plan(chosen, effective_policy(chosen), spend, progress))
    return _plan(inp, policy, spend, progress)


def _plan(inp: PlanInput, policy: Policy, budget: Budget,
          progress: Callable[[dict[str, Any]], None] | None) -> PlanSolution:
    c = build(inp, policy)
    thresholds = {month_key(inp.year, m): policy.thresholds_for(m).model_dump() for m in range(1, 13)}
    limit = policy.yearly_budget_days - policy.hot_topic_reserve_days
    if c.s_problems:
        return _infeasible(c.s_problems, 0.0, limit, thresholds, [], "date rules",
                           money=_money_keys(inp, policy))
    solved = solve(inp, c, budget, progress)
    if solved.status in ("infeasible", "unknown", "invalid"):
        status = "unknown" if solved.status == "invalid" else solved.status
        return _infeasible(solved.conflicts, solved.seconds, limit, thresholds, [], solved.search, status,
                           money=_money_keys(inp, policy))

    board = reasons.Board(c=c, limit=limit, money_limit=money.money_budget(policy), objective=inp.settings.objective)
    chosen: dict[int, Option] = {}
    for o in c.options:
        if solved.x[o.index]:
            chosen[o.intent] = o
            board.place(c.views[o.intent], o.month, o.tier, o.cost)
    # the month's chosen start days go to its intents: best score first gets the best weekday
    starts: dict[int, date] = {}
    floating: dict[tuple[str, Tier], list[Any]] = defaultdict(list)
    for o in chosen.values():
        if o.start is not None:
            starts[o.intent] = o.start
        else:
            floating[(o.month, o.tier)].append(o)
    for (month, tier), os_ in sorted(floating.items(), key=lambda kv: (kv[0][0], kv[0][1].rank)):
        days = [d for d in c.slots[month].starts[tier] if solved.y.get((month, tier, d))]
        os_.sort(key=lambda o: (-o.score, c.views[o.intent].intent.request_id))
        assert len(days) == len(os_), f"slots of {month} {tier}: {len(days)} days for {len(os_)} bursts"
        for o, d in zip(os_, days, strict=False):
            starts[o.intent] = d

    suggestions = merges.suggestions(inp, c, chosen)
    merged_into = {a: b for a, b in solved.z}  # merged intent -> its carrier
    carries: dict[int, list[str]] = defaultdict(list)
    for a, b in sorted(merged_into.items()):
        carries[b].append(c.views[a].intent.request_id)

    today = planning_day(inp)
    decisions: list[Decision] = []
    for v in c.views:
        it = v.intent
        base: dict[str, Any] = {"intent_id": it.key, "request_id": it.request_id, "business_line": it.business_line,
                "category": it.category, "requested_tier": it.requested_tier, "preferred_month": it.months[0]}
        got = chosen.get(v.index)
        if got is not None:
            o = got
            d = starts[v.index]
            kind: DecisionKind = ("downgraded" if o.tier.rank < v.asked.rank
                                  else "moved" if o.month != it.months[0] else "placed")
            why = reasons.placed_reason(board, v, o.month, o.tier, d, o.start is not None and o.tier != Tier.S)
            if carries.get(v.index):
                why += f"; carries the merged {', '.join(carries[v.index])} (one campaign, its value counted once)"
            decisions.append(Decision(**base, score=o.score, decision=kind, tier=o.tier, month=o.month,
                                      burst_start=d, phases=plan_phases(policy, o.tier, d), reason=why,
                                      money=money.money_at_tier(policy, it, v.asked, o.tier)))
            continue
        if v.index in merged_into:
            carrier = c.views[merged_into[v.index]]
            o = chosen[carrier.index]
            decisions.append(Decision(**base, score=v.scores[o.month], decision="merged", tier=None, month=o.month,
                                      burst_start=None, phases=[], merged_with=carrier.intent.request_id,
                                      reason=reasons.merged_reason(board, v, carrier, o.month, o.tier)))
            continue
        home = v.pin_month or it.months[0]
        if not v.pin_cut and v.floor is None and (v.pin_tier == Tier.C or v.ceiling.get(home, Tier.C) == Tier.C):
            ch = choose_burst_start(policy, Tier.C, home, it.burst_start if home == it.month else None, today)
            kind = "downgraded" if v.asked != Tier.C else ("moved" if home != it.months[0] else "placed")
            decisions.append(Decision(**base, score=v.scores[home], decision=kind, tier=Tier.C, month=home,
                                      burst_start=ch.burst_start, phases=[], reason=reasons.c_reason(board, v, home),
                                      money=money.money_at_tier(policy, it, v.asked, Tier.C)))
            continue
        decisions.append(Decision(**base, score=v.scores.get(it.months[0], 0.0), decision="cut", tier=None,
                                  month=None, burst_start=None, phases=[], reason=reasons.cut_reason(board, v)))

    value = round(sum(d.score * policy.rule(d.tier).counted_days for d in decisions
                      if d.tier in PLACEABLE), 6)
    placed_money = [d.money for d in decisions if d.tier in PLACEABLE and d.money is not None]
    gross_profit = round(sum(m.gross_profit_after for m in placed_money), 2)
    money_used = round(sum(m.cost for m in placed_money), 2)
    counted = sum(policy.rule(d.tier).counted_days for d in decisions if d.tier is not None)
    kinds: dict[str, int] = defaultdict(int)
    for dec in decisions:
        kinds[dec.decision] += 1
    tiers = {t.value: sum(1 for d in decisions if d.tier == t) for t in Tier}
    summary = Summary(
        status=cast(Status, solved.status),
        objective=round(solved.objective, 6) if solved.objective is not None else None,
        bound=round(solved.bound, 6) if solved.bound is not None else None, value=value,
        seconds=round(solved.seconds, 4), counted_days=counted, tiers=tiers,
        placed=kinds["placed"], moved=kinds["moved"], downgraded=kinds["downgraded"], cut=kinds["cut"],
        merged=kinds["merged"], budget_for_planned=limit, tie_breaks=solved.tie_breaks, thresholds=thresholds,
        merge_suggestions=suggestions, search=solved.search, objective_kind=inp.settings.objective,
        value_score_days=value, value_gross_profit=gross_profit, money_used=money_used,
        money_for_planned=money.money_budget(policy))
    return PlanSolution(summary=summary, decisions=decisions)


def _infeasible(conflicts: list[str], seconds: float, limit: int, thresholds: dict, suggestions: list,
                search: str, status: str = "infeasible", money: dict[str, Any] | None = None) -> PlanSolution:
    summary = Summary(status=cast(Status, status), objective=None, bound=None, value=0.0, seconds=round(seconds, 4),
                      counted_days=0, tiers={t.value: 0 for t in Tier}, placed=0, moved=0, downgraded=0, cut=0,
                      budget_for_planned=limit, conflicts=conflicts, thresholds=thresholds,
                      merge_suggestions=suggestions, search=search, **(money or {}))
    return PlanSolution(summary=summary, decisions=[])


def _money_keys(inp: PlanInput, policy: Policy) -> dict[str, Any]:
    return {"objective_kind": inp.settings.objective, "money_for_planned": money.money_budget(policy)}

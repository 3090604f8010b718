"""The planning season around the planner (domain.planning, used as is): from what a year's
plan holds (intents by id, leadership's S by intent, pins by intent, settings) to the
planner's `PlanInput`, back from its solution to intent ids, and the comparisons of
scenarios with the plan. Pure.

Why a wrapper: the planner keys S and pins by `request_id` and needs request ids unique
across the year; the season keys everything by `intent_id` (`intent-<line>-<request_id>`),
so two lines may use the same request id. When they do, the planner sees intent ids.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from domain.campaign import campaign_id_for
from domain.lines import BusinessLineContext
from domain.months import is_month, months_of_year, number_of
from domain.planning.events import PlanPin, SChoice
from domain.planning.model import (
    Intent,
    Pin,
    PlanInput,
    PlanInputError,
    PlanSolution,
    Settings,
    SFix,
    Summary,
    check_input,
    effective_policy,
)
from domain.policy import Policy
from domain.status import Status
from domain.tiers import Tier

# How a published campaign stands while the publish is watched: its campaign status, or
# RESERVING (read model: `scheduled` but not yet holding its place or, except C, its bookings;
# not a campaign status: the campaign's own state has no such step).
RESERVING = "reserving"
# Still on its way to settling: the watch waits for these.
MOVING = frozenset({Status.SUBMITTED.value, Status.IN_REVIEW.value, RESERVING})


def settled_as_planned(status: str, tier: str | None) -> bool:
    """A published campaign has settled as its tier should (shared/API.md, publish): S, A and B
    `scheduled` with their bookings; C, which books nothing and may have no phase to run (it
    then completes at once), `scheduled` or `completed`."""
    if tier == Tier.C.value:
        return status in (Status.SCHEDULED, Status.COMPLETED)
    return status == Status.SCHEDULED


def intent_id_for(business_line: str, request_id: str) -> str:
    return f"intent-{business_line}-{request_id}"


def planned_campaign_id(business_line: str, request_id: str) -> str:
    """The campaign a published intent becomes: the line's own id for that request."""
    return campaign_id_for(business_line, request_id)


def _aliases(intents: list[Intent]) -> dict[str, str]:
    """intent_id -> the request id the planner sees (the request id itself while unique)."""
    counts: dict[str, int] = defaultdict(int)
    for it in intents:
        counts[it.request_id] += 1
    return {it.key: (it.request_id if counts[it.request_id] == 1 else it.key) for it in intents}


def plan_input(year: int, policy: Policy, intents: list[Intent], *, s_fixed: list[SChoice] = (),  # type: ignore[assignment]
               pins: list[PlanPin] = (), settings: Settings | None = None,  # type: ignore[assignment]
               lines: dict[str, BusinessLineContext] | None = None, as_of: date | None = None) -> PlanInput:
    """The planner's input; PlanInputError names an S or pin of an unknown intent."""
    alias = _aliases(intents)
    planner_intents = [it.model_copy(update={"request_id": alias[it.key]}) for it in intents]
    s = []
    for i, c in enumerate(s_fixed):
        if c.intent_id not in alias:
            raise PlanInputError(f"s[{i}] ({c.intent_id})", "intent_id", "no intent has this intent_id")
        s.append(SFix(request_id=alias[c.intent_id], month=c.month))
    ps = []
    for i, p in enumerate(pins):
        if p.intent_id not in alias:
            raise PlanInputError(f"pins[{i}] ({p.intent_id})", "intent_id", "no intent has this intent_id")
        ps.append(Pin(request_id=alias[p.intent_id], month=p.month, tier=p.tier, cut=p.cut))
    return PlanInput(year=year, policy=policy, intents=planner_intents, s_fixed=s, pins=ps,
                     settings=settings or Settings(), lines=lines, as_of=as_of)


def check(inp: PlanInput) -> None:
    """Every check the planner makes before it solves (PlanInputError names the item)."""
    check_input(inp)
    effective_policy(inp)


def check_settings(year: int, policy: Policy, settings: Settings) -> None:
    check(PlanInput(year=year, policy=policy, intents=[], settings=settings))


MERGE_SUGGESTIONS_KEPT = 10


def compact(summary: Summary) -> Summary:
    """The summary a workflow, an event and an update answer carry: the planner's merge
    suggestions grow with pairs of intents (MBs for 1,000), so only the first few travel;
    the stored solution keeps them all."""
    if len(summary.merge_suggestions) <= MERGE_SUGGESTIONS_KEPT:
        return summary
    return summary.model_copy(update={"merge_suggestions": summary.merge_suggestions[:MERGE_SUGGESTIONS_KEPT]})


def from_planner(solution: PlanSolution, intents: list[Intent]) -> dict[str, Any]:
    """The solution as JSON with each decision's request_id back to the line's own."""
    by_id = {it.key: it for it in intents}
    out = solution.as_json()
    for d in out["decisions"]:
        it = by_id.get(d["intent_id"])
        if it is not None:
            d["request_id"] = it.request_id
            d["forecast_sales"] = round(it.forecast.sales, 2)
    return out


def policy_overrides(settings: Settings, policy: Policy) -> dict[str, Any]:
    """The plan's settings as the year's policy overrides (budget, reserve, marketing budget,
    thresholds, month caps), so campaigns started from the plan (and later ones) are judged
    by the same rules."""
    over: dict[str, Any] = {}
    if settings.budget is not None:
        over["yearly_budget_days"] = settings.budget
    if settings.reserve is not None:
        over["hot_topic_reserve_days"] = settings.reserve
    if settings.marketing_budget is not None:
        over["marketing_budget"] = settings.marketing_budget
    if settings.thresholds is not None:
        if settings.thresholds.base is not None:
            over["thresholds"] = settings.thresholds.base.model_dump()
        if settings.thresholds.raises:
            over["month_threshold_raises"] = {
                str(number_of(k) if is_month(k) else int(k)): r.model_dump()
                for k, r in settings.thresholds.raises.items()}
    caps: dict[str, dict[str, int]] = {}
    for month, cap in settings.month_caps.items():
        c = {t: n for t, n in (("A", cap.A), ("B", cap.B)) if n is not None}
        if c:
            caps[str(number_of(month))] = c
    if caps:
        over["month_caps"] = caps
    return over


# ---------------------------------------------------------------------- comparisons
def solution_view(policy: Policy, year: int, sol: dict[str, Any]) -> dict[str, Any]:
    """Summary plus per-month counted days, tiers and forecast sales of one solution."""
    months: dict[str, dict[str, Any]] = {m: {"counted_days": 0, "tiers": {t.value: 0 for t in Tier},
                                             "forecast_sales": 0.0} for m in months_of_year(year)}
    for d in sol["decisions"]:
        if d.get("tier") is None or d.get("month") not in months:
            continue
        row = months[d["month"]]
        row["counted_days"] += policy.rule(Tier(d["tier"])).counted_days
        row["tiers"][d["tier"]] += 1
        row["forecast_sales"] = round(row["forecast_sales"] + float(d.get("forecast_sales") or 0.0), 2)
    return {"summary": sol["summary"], "months": months,
            "forecast_sales": round(sum(m["forecast_sales"] for m in months.values()), 2)}


def differences(plan: dict[str, Any], other: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """What moved (month or tier changed) or was cut in `other` compared with `plan`."""
    before = {d["intent_id"]: d for d in plan["decisions"]}
    moved, cut, added = [], [], []
    for d in other["decisions"]:
        b = before.get(d["intent_id"])
        if b is None:
            continue
        if d.get("tier") is None and b.get("tier") is not None:
            cut.append({"intent_id": d["intent_id"], "from": b["month"], "reason": d["reason"]})
        elif d.get("tier") is not None and b.get("tier") is None:
            added.append({"intent_id": d["intent_id"], "month": d["month"], "tier": d["tier"]})
        elif d.get("tier") is not None and (d["month"] != b["month"] or d["tier"] != b["tier"]):
            moved.append({"intent_id": d["intent_id"], "from": b["month"], "to": d["month"],
                          "from_tier": b["tier"], "to_tier": d["tier"]})
    return {"moved": moved, "cut": cut, "placed": added}

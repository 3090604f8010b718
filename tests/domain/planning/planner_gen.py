"""Builders of intents for the planner tests (and a seeded generator for the bench)."""

from __future__ import annotations

from domain.planning import Intent, PlanInput, SFix
from domain.policy import Policy

YEAR = 2027
LINES = ["food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border"]


def intent(n: int, line: int, months: list[int], tier: str | None, revenue: float, traffic: int,
           margin: float = 0.3, burst_start: str | None = None, mechanics: list[dict] | None = None,
           paid_traffic: float | None = None) -> Intent:
    ms = [f"{YEAR}-{m:02d}" for m in months]
    body = {
        "request_id": f"g{n:04d}", "name": f"generated {n}", "business_line": LINES[line],
        "category": LINES[line], "requested_tier": tier, "months": ms, "revenue_target": revenue,
        "gross_margin": margin,
        "forecast": {"traffic": traffic, "avg_order_value": 100.0, "conversion_rate": 0.05},
    }
    if mechanics:
        body["mechanics"] = mechanics
    if paid_traffic is not None:
        body["paid_traffic"] = paid_traffic
    if burst_start is not None and burst_start[:7] == ms[0]:
        body["burst_start"] = burst_start
    return Intent.model_validate(body)


def plan_input(intents: list[Intent], s: dict[str, str] | None = None, **kw) -> PlanInput:
    return PlanInput(year=YEAR, policy=Policy.for_year(YEAR), intents=intents,
                     s_fixed=[SFix(request_id=k, month=v) for k, v in (s or {}).items()], **kw)

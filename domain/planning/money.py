"""The planner's money (DOMAIN.md "Money"): what an intent costs the marketing budget and
earns in gross profit after promotion at the tier the plan gives it, and those figures as
the integers CP-SAT needs.

The tier changes the forecast: placed below the tier it asked for (the requested tier,
else the one proposed in its preferred month: `IntentView.asked`), an intent's forecast
traffic is scaled by the policy's `downgrade_traffic_factor` per step, rounded to whole
visits as the live review does, so its sales, its cost C and its gross profit GP follow
(domain/money.py has the formulas; paid traffic is bought whatever the tier).

The margin floor: an intent whose margin after promotion m′ is below its category's floor
(`policy.margin_floor_for`) is never placed, except leadership's S (flagged in its reason).

CP-SAT works on integers, so money enters the model in **whole yuan**: a cost is rounded
up (after dropping float noise below a millionth of a yuan), so the rounded costs within
the budget mean the real ones are too; a gross profit is rounded to the nearest yuan (the
objective: at most half a yuan per intent away from the float sum the summary reports).
"""

from __future__ import annotations

import math

from domain.campaign import CampaignRequest
from domain.money import Money, money_of
from domain.money_review import steps_below, tier_forecast
from domain.policy import Policy
from domain.tiers import Tier

__all__ = ["below_floor", "budget_units", "cost_units", "floor_problem", "gp_units", "money_budget", "money_at_tier",
           "steps_below", "tier_forecast"]


def money_at_tier(policy: Policy, request: CampaignRequest, asked: Tier | None, tier: Tier) -> Money:
    """The request's money with its forecast at `tier`."""
    f = tier_forecast(policy, request.forecast, asked, tier)
    return money_of(f.sales, request.gross_margin, request.mechanics, request.paid_traffic)


def below_floor(policy: Policy, request: CampaignRequest) -> bool:
    return request.money.margin_after < policy.margin_floor_for(request.category)


def floor_problem(policy: Policy, request: CampaignRequest) -> str | None:
    """The margin floor's verdict with the numbers; None when m′ is at or above the floor."""
    if not below_floor(policy, request):
        return None
    d = request.depth
    how = f"depth {d:.2f} on a gross margin of {request.gross_margin:.2f}" if d is not None \
        else f"no mechanics, gross margin {request.gross_margin:.2f}"
    return (f"margin after promotion {request.money.margin_after:.3f} is below the floor "
            f"{policy.margin_floor_for(request.category):.2f} of {request.category} ({how})")


def money_budget(policy: Policy) -> float | None:
    """The money the plan may place: the marketing budget less the hot-topic reserve (None: unlimited)."""
    if policy.marketing_budget is None:
        return None
    return max(0.0, policy.marketing_budget - policy.hot_topic_reserve_money)


def cost_units(cost: float) -> int:
    """A cost in whole yuan for CP-SAT, rounded up (float noise below 1e-6 yuan dropped)."""
    return max(0, math.ceil(cost - 1e-6))


def budget_units(limit: float) -> int:
    """The budget in whole yuan for CP-SAT, rounded down (float noise below 1e-6 yuan dropped)."""
    return max(0, math.floor(limit + 1e-6))


def gp_units(gross_profit: float) -> int:
    """A gross profit in whole yuan for the CP-SAT objective."""
    return round(gross_profit)

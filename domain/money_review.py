"""The review's money checks (DOMAIN.md "Money"), pure so the workflow, its update
validators and a re-review after an amendment decide alike (and a replay decides the same):

- the margin floor: margin after promotion m′ below the category's floor is flagged
  (`margin_below_floor`, with the numbers) and blocks an approval unless a leader overrides;
- the entry standards: the per-tier table for the state, and the flags saying which
  standard kept a request from a tier (or that a leadership S stays S below its standards);
- the tier's forecast: run below the tier it asked for (or, none asked, was proposed), a
  campaign's forecast traffic is scaled by `downgrade_traffic_factor` per step, and its
  money follows (the minimums keep judging the asked forecast; the rule: domain/money.py).
"""

from __future__ import annotations

from domain import entry_standards
from domain.campaign import CampaignRequest, Forecast
from domain.money import Money, money_of
from domain.policy import Policy
from domain.scoring import ReviewScore, propose_tier
from domain.tiers import Tier

MARGIN_BELOW_FLOOR = "margin_below_floor"
ENTRY_STANDARDS = "entry_standards"
MONEY_FLAGS = (MARGIN_BELOW_FLOOR, ENTRY_STANDARDS)  # the flag codes these checks own


def margin_problem(policy: Policy, request: CampaignRequest) -> str | None:
    """Why the request's margin after promotion is below its category's floor, with the
    numbers; None when it is at or above it."""
    floor = policy.margin_floor_for(request.category)
    after = request.money.margin_after
    if after >= floor:
        return None
    depth = request.depth
    how = (f"depth {depth:.2f} on a gross margin of {request.gross_margin:.2f}" if depth is not None
           else f"no mechanics; gross margin {request.gross_margin:.2f}")
    return f"margin after promotion {after:.3f} is below the floor {floor:.2f} of {request.category} ({how})"


def standards_reasons(policy: Policy, request: CampaignRequest, review: ReviewScore,
                      leadership: bool) -> list[str]:
    """Why the entry standards kept the request below a tier the score and minimums allowed
    ("not A: skus 200 below A's 300"), and, for a leadership S, the S standards it does not
    meet (it stays S: leadership's choice)."""
    reasons = []
    if leadership and (below := entry_standards.shortfalls(policy, request, Tier.S)):
        reasons.append(f"S below its entry standards: {' and '.join(below)} (stays S: leadership's choice)")
    free = propose_tier(policy, review.score, request.month_number, request.requested_tier, request,
                        standards=False)
    for tier in (Tier.A, Tier.B):
        if review.proposed_tier.is_below(tier) and not free.is_below(tier):
            if below := entry_standards.shortfalls(policy, request, tier):
                reasons.append(f"not {tier.value}: {' and '.join(below)} (the {tier.value} entry standard)")
    return reasons


def review_flags(policy: Policy, request: CampaignRequest, review: ReviewScore, leadership: bool) -> list[str]:
    """The review's money flags, "code: message" as the state's `flags`."""
    flags = [f"{ENTRY_STANDARDS}: {r}" for r in standards_reasons(policy, request, review, leadership)]
    if (problem := margin_problem(policy, request)) is not None:
        flags.insert(0, f"{MARGIN_BELOW_FLOOR}: {problem}")
    return flags


def without_money_flags(flags: list[str]) -> list[str]:
    """The flags other checks raised (a re-review replaces only its own)."""
    return [f for f in flags if f.split(":", 1)[0] not in MONEY_FLAGS]


def money_at(request: CampaignRequest, forecast: Forecast) -> Money:
    """The request's money (domain/money.py) on `forecast` instead of the asked one."""
    return money_of(forecast.sales, request.gross_margin, request.mechanics, request.paid_traffic)


def steps_below(asked: Tier | None, tier: Tier) -> int:
    """How many tiers `tier` runs below the one asked for (0 at or above it, or none asked)."""
    return max(0, asked.rank - tier.rank) if asked is not None else 0


def tier_forecast(policy: Policy, forecast: Forecast, asked: Tier | None, tier: Tier) -> Forecast:
    """The forecast at `tier`: traffic scaled by `downgrade_traffic_factor` per step below `asked`."""
    steps = steps_below(asked, tier)
    if steps == 0:
        return forecast
    return forecast.model_copy(update={"traffic": round(forecast.traffic * policy.downgrade_traffic_factor ** steps)})

"""One review of a campaign request: the first review and the re-review after a material
amendment are the same pure function, so an amended campaign gets the score, tier proposal
and forecast check the same request submitted fresh would get.

- `history_tier`: which of the line's past campaigns the forecast is checked against (the
  tier asked for, else the one the plain score proposes); the workflow reads that history;
- `review`: the score, weighed by the forecast check (the policy's `optimistic_in_score`),
  the check itself, the context's source, whether leadership decides, the revenue flag;
- `approved_without_review`: C's rule, stated once: a request proposed C is recorded only,
  approved without review and without company resources, unless leadership decides (S).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.campaign import CampaignRequest
from domain.lines import BusinessLineContext
from domain.policy import Policy
from domain.results.forecast import ForecastCheck, HistoryForecast, check_forecast, weigh_forecast_check
from domain.scoring import ReviewScore, score_request
from domain.tiers import Tier


def leadership_decides(request: CampaignRequest) -> bool:
    """An S request is leadership's choice, whatever the score proposes."""
    return request.requested_tier == Tier.S


def decision_tier(requested: Tier | None, proposed: Tier | None) -> Tier | None:
    """The tier an approval gives, and whose authority a decision needs: S for an S request
    (leadership's, whatever the score proposed), else what the review proposed (None before it)."""
    return Tier.S if requested == Tier.S else proposed


def approved_without_review(proposed: Tier, leadership: bool) -> bool:
    """C: recorded only, no review, no company resources (unless leadership decides)."""
    return proposed == Tier.C and not leadership


def history_tier(policy: Policy, line: BusinessLineContext, request: CampaignRequest) -> Tier:
    """The tier whose past campaigns the forecast is checked against."""
    return request.requested_tier or score_request(policy, line, request).proposed_tier


class Review(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: ReviewScore  # weighed by the forecast check
    forecast_check: ForecastCheck | None
    source: str  # the line context's source: seeded, or recorded results
    leadership_decides: bool
    revenue_flag: str | None  # a target the forecast cannot reach, with the numbers

    @property
    def approved_without_review(self) -> bool:
        return approved_without_review(self.score.proposed_tier, self.leadership_decides)


def review(policy: Policy, line: BusinessLineContext, request: CampaignRequest,
           history: HistoryForecast | None) -> Review:
    """Score the request against its line, check its forecast against `history` (the line's
    past campaigns of `history_tier`, None when there are none) and weigh the check."""
    check = check_forecast(policy, request.forecast, history) if history is not None else None
    scored = weigh_forecast_check(policy, score_request(policy, line, request), check, request)
    revenue = scored.revenue
    flag = None if revenue.reachable else (
        f"revenue target {revenue.revenue_target:,.0f} exceeds the forecast "
        f"{revenue.forecast_sales:,.0f} (traffic x order value x conversion)")
    return Review(score=scored, forecast_check=check, source=line.source,
                  leadership_decides=leadership_decides(request), revenue_flag=flag)

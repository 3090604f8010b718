"""Forecasts from history: what a line's past campaigns did, as a forecast per factor, and
the check of a new request's forecast against it (`forecast_check` in the campaign state).

The basis narrows to what is most alike and widens only when that is empty: the same
line, tier and season first, then the same line and tier, then the whole line. The
answer names its basis, so a reviewer knows what "history" means for this request.
History per factor: mean traffic per campaign, order value = total GMV / total orders,
conversion = total orders / total traffic; so history sales = mean GMV per campaign.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from domain.campaign import CampaignRequest, Forecast
from domain.lines import BusinessLineContext
from domain.months import number_of
from domain.policy import Policy
from domain.results.outcome import FACTORS, Figures
from domain.scoring import ReviewScore, propose_tier
from domain.tiers import Tier


class PastResult(BaseModel):
    """One completed campaign's totals over its own days."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    business_line: str
    tier: Tier
    month: str
    traffic: int
    orders: int
    gmv: float


class HistoryForecast(BaseModel):
    model_config = ConfigDict(frozen=True)

    basis: str
    description: str
    campaigns: int
    figures: Figures


class ForecastCheck(BaseModel):
    """`forecast_check` of the campaign state (shared/API.md)."""

    model_config = ConfigDict(frozen=True)

    basis: str
    description: str
    campaigns: int
    history: Figures
    ratio: float | None
    factor_ratios: dict[str, float | None]
    optimistic: bool


def season_of(policy: Policy, month: str) -> str | None:
    m = number_of(month)
    return next((name for name, months in policy.results.seasons.items() if m in months), None)


def history_forecast(policy: Policy, business_line: str, tier: Tier | None, month: str,
                     past: Sequence[PastResult]) -> HistoryForecast | None:
    """The line's history as a forecast, on the narrowest basis that has campaigns."""
    mine = [p for p in past if p.business_line == business_line and p.traffic > 0]
    season = season_of(policy, month)
    levels = []
    if tier is not None:
        levels.append(("tier+season", f"{business_line} {tier.value} campaigns in {season}",
                       [p for p in mine if p.tier == tier and season_of(policy, p.month) == season]))
        levels.append(("tier", f"{business_line} {tier.value} campaigns, any season",
                       [p for p in mine if p.tier == tier]))
    levels.append(("line", f"every {business_line} campaign", mine))
    for basis, description, chosen in levels:
        if chosen:
            traffic = sum(p.traffic for p in chosen)
            orders = sum(p.orders for p in chosen)
            gmv = sum(p.gmv for p in chosen)
            n = len(chosen)
            figures = Figures(traffic=traffic / n, avg_order_value=gmv / orders if orders else 0.0,
                              conversion_rate=orders / traffic, sales=gmv / n)
            return HistoryForecast(basis=basis, description=f"{description} ({n} past)", campaigns=n,
                                   figures=figures)
    return None


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def check_forecast(policy: Policy, forecast: Forecast, history: HistoryForecast) -> ForecastCheck:
    """The request's forecast against history: optimistic when its sales are above the
    history's by more than the policy ratio."""
    mine = Figures.of_forecast(forecast)
    ratio = _ratio(mine.sales, history.figures.sales)
    return ForecastCheck(
        basis=history.basis, description=history.description, campaigns=history.campaigns,
        history=history.figures, ratio=ratio,
        factor_ratios={k: _ratio(getattr(mine, k), getattr(history.figures, k)) for k in FACTORS},
        optimistic=ratio is not None and ratio > policy.results.optimistic_ratio,
    )


def context_from_results(seeded: BusinessLineContext, annual_revenue: float | None,
                         month_revenue: float | None) -> BusinessLineContext:
    """The line's review context with the two result factors taken from recorded results
    (actuals plus the revenue feed) when there are any; the seeded figures otherwise.
    `source` names what was used."""
    if annual_revenue is None and month_revenue is None:
        return seeded
    return seeded.model_copy(update={
        "annual_progress": annual_revenue if annual_revenue is not None else seeded.annual_progress,
        "month_revenue": month_revenue if month_revenue is not None else seeded.month_revenue,
        "source": "results",
    })


def weigh_forecast_check(policy: Policy, review: ReviewScore, check: ForecastCheck | None,
                         request: CampaignRequest) -> ReviewScore:
    """With the policy switch on (off by default), an optimistic forecast lowers the score
    by the policy's penalty and the tier is proposed again from the lowered score."""
    if check is None or not check.optimistic or not policy.results.optimistic_in_score:
        return review
    score = round(max(0.0, review.score - policy.results.optimistic_penalty), 6)
    tier = propose_tier(policy, score, request.month_number, request.requested_tier, request)
    return review.model_copy(update={"score": score, "proposed_tier": tier})

"""Tier review: score a request on the playbook's six factors and propose a tier.

Every factor is 0..1 where higher favours the campaign; the score is their weighted sum
with `policy.score_weights`. The playbook favours strategic lines and lines far behind
their revenue target. A and B are gated first by explicit revenue and traffic minimums
(per month) and by the entry standards a request states (domain/entry_standards.py), then
ranked by the (per-month) score thresholds. S is leadership's choice: the score only
proposes it for the record, a leader's approval makes it S.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain import entry_standards
from domain.campaign import CampaignRequest
from domain.festivals import festival_dates
from domain.lines import BusinessLineContext
from domain.policy import Policy
from domain.tiers import Tier, cap_tier

__all__ = ["BusinessLineContext", "ReviewScore", "RevenueCheck", "gate_tier", "propose_tier", "score_request"]


class RevenueCheck(BaseModel):
    """The request's revenue target against sales = traffic x average order value x conversion."""

    model_config = ConfigDict(frozen=True)

    forecast_sales: float
    revenue_target: float
    reachable: bool
    gap: float = Field(description="how much the forecast falls short of the target, 0 when reachable")

    @property
    def message(self) -> str:
        if self.reachable:
            return f"forecast sales {self.forecast_sales:,.0f} reach the target {self.revenue_target:,.0f}"
        return (
            f"forecast sales {self.forecast_sales:,.0f} fall short of the target "
            f"{self.revenue_target:,.0f} by {self.gap:,.0f}"
        )


class ReviewScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0, le=1)
    factors: dict[str, float]
    proposed_tier: Tier
    revenue: RevenueCheck


FACTORS = (
    "strategic_weight",
    "annual_progress_gap",
    "month_revenue_gap",
    "revenue_target",
    "gross_margin",
    "seasonality",
)


def _unit(x: float) -> float:
    return min(1.0, max(0.0, x))


def _share_missing(done: float, norm: float) -> float:
    """1 when nothing is done yet, 0 when at or past the norm; a zero norm means nothing is missing."""
    if norm <= 0:
        return 0.0
    return _unit(1.0 - done / norm)


def revenue_check(request: CampaignRequest) -> RevenueCheck:
    sales = request.forecast.sales
    target = request.revenue_target
    return RevenueCheck(
        forecast_sales=sales,
        revenue_target=target,
        reachable=sales >= target,
        gap=max(0.0, target - sales),
    )


def factors(policy: Policy, line: BusinessLineContext, request: CampaignRequest) -> dict[str, float]:
    scales = policy.scoring
    # Industry festival months (618, Double 11, Black Friday, Double 12) carry traffic for
    # every category, and an S is company-wide: both fit the season whatever the category.
    festival_months = {d.month for d in festival_dates(request.year).values()}
    in_season = (request.month_number in policy.category_seasons.get(request.category, [])
                 or request.month_number in festival_months or request.requested_tier == Tier.S)
    has_season = request.category in policy.category_seasons
    return {
        "strategic_weight": _unit(line.strategic_weight),
        # far behind the annual target -> higher
        "annual_progress_gap": _share_missing(line.annual_progress, line.annual_target),
        # a weak month -> higher
        "month_revenue_gap": _share_missing(line.month_revenue, line.month_revenue_norm),
        "revenue_target": _unit(request.revenue_target / scales.revenue_target_full)
        if scales.revenue_target_full > 0 else 0.0,
        "gross_margin": _unit(request.money.margin_after / scales.gross_margin_full)  # m′: after the promotion
        if scales.gross_margin_full > 0 else 0.0,
        "seasonality": 1.0 if in_season else (scales.off_season if has_season else scales.unknown_season),
    }


def gate_tier(policy: Policy, request: CampaignRequest, tier: Tier, month: int | None = None, *,
              standards: bool = True) -> tuple[Tier, list[str]]:
    """The highest tier at or below `tier` whose explicit minimums and entry standards
    (domain/entry_standards.py; `standards=False`: the minimums only, as before them) the
    request meets in `month` (default: its own), with why each higher one was refused. S is
    not gated: leadership chooses it."""
    m = request.month_number if month is None else month
    why: list[str] = []
    while tier in (Tier.A, Tier.B):
        floor = policy.minimum_for(tier, m)
        short = []
        if floor is not None and request.revenue_target < floor.revenue_target:
            short.append(f"revenue target {request.revenue_target:,.0f} < {floor.revenue_target:,.0f}")
        if floor is not None and request.forecast.traffic < floor.forecast_traffic:
            short.append(f"forecast traffic {request.forecast.traffic:,} < {floor.forecast_traffic:,}")
        below = entry_standards.shortfalls(policy, request, tier) if standards else []
        if not short and not below:
            break
        parts = [f"{' and '.join(short)} (the {tier.value} minimum in month {m})"] if short else []
        if below:
            parts.append(f"{' and '.join(below)} (the {tier.value} entry standard)")
        why.append(f"not {tier.value}: {'; '.join(parts)}")
        tier = Tier.B if tier == Tier.A else Tier.C
    return tier, why


def propose_tier(policy: Policy, score: float, month: int, requested: Tier | None,
                 request: CampaignRequest | None = None, *, standards: bool = True) -> Tier:
    """Tier from the month's thresholds; S only when asked for; never above the requested
    tier; A and B only when the request meets their explicit minimums and (`standards`) entry
    standards (given `request`)."""
    t = policy.thresholds_for(month)
    if requested == Tier.S and score >= t.s:
        proposed = Tier.S
    elif score >= t.a:
        proposed = Tier.A
    elif score >= t.b:
        proposed = Tier.B
    else:
        proposed = Tier.C
    proposed = cap_tier(proposed, requested)
    if request is not None:
        proposed = gate_tier(policy, request, proposed, month, standards=standards)[0]
    return proposed


def score_request(policy: Policy, line: BusinessLineContext, request: CampaignRequest, *,
                  minimums: bool = True, standards: bool = True) -> ReviewScore:
    """Score and proposed tier. `minimums=False` replays campaigns started before the explicit
    A/B minimums (their workflow took its path on the score alone; no entry standards either);
    `standards=False` those started before the entry standards."""
    f = factors(policy, line, request)
    weights = policy.score_weights.model_dump()
    score = _unit(sum(weights[k] * f[k] for k in FACTORS))
    # rounded so that a float sum does not land a hair below a threshold it meets on paper
    score = round(score, 6)
    return ReviewScore(
        score=score,
        factors=f,
        proposed_tier=propose_tier(policy, score, request.month_number, request.requested_tier,
                                   request if minimums else None, standards=standards),
        revenue=revenue_check(request),
    )

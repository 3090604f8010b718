"""Money (DOMAIN.md "Money: the marketing budget, mechanics and margin"): what a campaign's
mechanics give away, what they cost the marketing budget, and the margin and gross profit
left after the promotion. Pure formulas over the request's forecast; the review, the
reservation, the planner and the results read them from here and nowhere else.

With forecast sales S (at the prices customers pay), D = Σ depth (at most 0.9) and m the
gross margin at list price: given away G = S·D/(1−D); cost to the marketing budget
C = Σ S·dᵢ/(1−D)·pᵢ + paid_traffic; margin after promotion m′ = (m−D)/(1−D); gross profit
after promotion GP = S·m′ − paid_traffic. No mechanics: D = 0, C = paid_traffic, m′ = m.

Below the tier it asked for (or, none asked, was proposed), a campaign's forecast traffic is
scaled by the policy's `downgrade_traffic_factor` per step, rounded to whole visits, and its
money follows: `tier_forecast`, the one rule the review and the planner both apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_DEPTH = 0.9  # Σ depth: a campaign never gives away more than 90 % of list price
MAX_MONEY = 1e13  # yuan: far above any real campaign (as domain.campaign.MAX_YUAN)


class MechanicType(StrEnum):
    DISCOUNT = "discount"
    SPEND_SAVE = "spend_save"
    COUPON = "coupon"
    GIFT = "gift"
    BUNDLE = "bundle"


class Mechanic(BaseModel):
    """One piece of gameplay: `depth` is the share of list-price value given away on the
    campaign's sales, `platform_share` the part of it paid from the marketing budget (the
    rest by the line). `threshold`/`off` describe a spend-and-save ("every 300 off 50"),
    shown only: the line states the effective depth it expects."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: MechanicType
    depth: float = Field(ge=0, lt=MAX_DEPTH, description="share of list-price value given away, [0, 0.9)")
    platform_share: float = Field(ge=0, le=1, description="share of the depth paid by the marketing budget, [0, 1]")
    threshold: float | None = Field(default=None, ge=0, le=MAX_MONEY, description="spend-and-save: spend this")
    off: float | None = Field(default=None, ge=0, le=MAX_MONEY, description="spend-and-save: get this off")


class Money(BaseModel):
    """A campaign's money, forecast from its request (yuan; margin as a share)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    given_away: float = Field(description="G = S·D/(1−D)")
    cost: float = Field(description="C: the platform's share of G plus paid traffic, from the marketing budget")
    margin_after: float = Field(description="m′ = (m−D)/(1−D)")
    gross_profit_after: float = Field(description="GP = S·m′ − paid_traffic")


def total_depth(mechanics: Sequence[Mechanic]) -> float:
    """D = Σ depth (the request's validation keeps it at most 0.9)."""
    return min(sum(m.depth for m in mechanics), MAX_DEPTH)


def money_of(sales: float, gross_margin: float, mechanics: Sequence[Mechanic] = (),
             paid_traffic: float | None = None) -> Money:
    """The formulas of DOMAIN.md for forecast sales `sales` at gross margin `gross_margin`."""
    d = total_depth(mechanics)
    k = 1.0 / (1.0 - d)
    paid = paid_traffic or 0.0
    given = sales * d * k
    cost = sum(sales * m.depth * k * m.platform_share for m in mechanics) + paid
    margin_after = (gross_margin - d) * k
    return Money(given_away=given, cost=cost, margin_after=margin_after,
                 gross_profit_after=sales * margin_after - paid)


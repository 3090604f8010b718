"""Amending a submitted request: the new request, the diff, and whether it is material.

Pure and deterministic: the workflow's update validator and its main loop both call it
(the validator to refuse a bad change before it enters history, the loop to apply it),
so a replay decides the same. What is material is the policy's (`Policy.amend`): a higher
tier, another month or burst date, a target or forecast figure moved by more than a share;
and (DOMAIN.md "Money") a higher promotion cost, which the marketing budget judges again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.campaign import CampaignRequest, Forecast
from domain.money import Mechanic
from domain.months import month_of_date
from domain.policy import Policy
from domain.tiers import Tier

AMENDABLE = ("name", "requested_tier", "month", "burst_start", "revenue_target", "gross_margin", "forecast",
             "mechanics", "paid_traffic")


class AmendChanges(BaseModel):
    """What the owner changes; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    requested_tier: Tier | None = None
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    burst_start: date | None = None
    revenue_target: float | None = None
    gross_margin: float | None = None
    forecast: Forecast | None = None
    # money (DOMAIN.md "Money"): a campaign refused `marketing_budget` may amend its mechanics
    mechanics: list[Mechanic] | None = Field(default=None, max_length=10)
    paid_traffic: float | None = Field(default=None, ge=0)


class Amendment(BaseModel):
    request: CampaignRequest
    changes: dict[str, dict[str, Any]] = Field(description='field -> {"from", "to"} (JSON values)')
    material: bool
    reasons: list[str] = Field(description="why it is material (empty when it is not)")


class AmendError(ValueError):
    """The change cannot be applied (nothing changes, or the new request is invalid)."""


def _flat(req: CampaignRequest) -> dict[str, Any]:
    data = req.model_dump(mode="json")
    for k, v in data.pop("forecast").items():
        data[f"forecast.{k}"] = v
    return data


def _moved(before: float, after: float) -> float:
    if before == after:
        return 0.0
    return abs(after - before) / abs(before) if before else float("inf")


def amend_request(policy: Policy, request: CampaignRequest, changes: AmendChanges,
                  current_tier: Tier | None, refused_money: bool = False) -> Amendment:
    """Apply `changes` to `request`. `current_tier` is the campaign's tier (decided, else
    proposed): a requested tier above it, or below it (the tier would change), is material.
    A higher promotion cost is material; so is any other cost once the marketing budget
    refused the campaign its place (`refused_money`): its month is judged again."""
    given = changes.model_dump(exclude_unset=True, exclude_none=True)
    if not given:
        raise AmendError("changes holds nothing to change")
    merged = request.model_dump()
    merged.update({k: (v.model_dump() if isinstance(v, BaseModel) else v)
                   for k, v in changes if k in given})
    if "month" in given and "burst_start" not in given and request.burst_start is not None \
            and month_of_date(request.burst_start) != given["month"]:
        merged["burst_start"] = None  # the old date is not in the new month: the engine picks one
    try:
        new = CampaignRequest.model_validate(merged)
    except ValidationError as err:
        raise AmendError("; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'changes'}: {e['msg']}"
                                   for e in err.errors())) from None
    before, after = _flat(request), _flat(new)
    diff = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    if not diff:
        raise AmendError("the changes leave the request as it is")
    reasons: list[str] = []
    old_tier = request.requested_tier or current_tier
    if new.requested_tier is not None and old_tier is not None and old_tier.is_below(new.requested_tier):
        reasons.append(f"a higher tier ({old_tier.value} -> {new.requested_tier.value})")
    elif new.requested_tier is not None and current_tier is not None and new.requested_tier.is_below(current_tier):
        reasons.append(f"the tier would change ({current_tier.value} -> {new.requested_tier.value})")
    before_cost, after_cost = request.money.cost, new.money.cost
    if after_cost > before_cost + 0.005:  # half a fen: float noise is no raise
        reasons.append(f"a higher promotion cost ({before_cost:,.0f} -> {after_cost:,.0f}): "
                       "judged against the marketing budget again")
    elif refused_money and abs(after_cost - before_cost) > 0.005:
        reasons.append(f"another promotion cost ({before_cost:,.0f} -> {after_cost:,.0f}) after the marketing "
                       "budget refused it: judged again")
    if "month" in diff:
        reasons.append(f"another month ({request.month} -> {new.month})")
    elif "burst_start" in diff:
        reasons.append(f"another burst date ({request.burst_start} -> {new.burst_start})")
    share = policy.amend.material_share
    for field in policy.amend.material_fields:
        if field in diff and _moved(float(diff[field]["from"]), float(diff[field]["to"])) > share:
            reasons.append(f"{field} moved by more than {share:.0%}")
    return Amendment(request=new, changes=diff, material=bool(reasons), reasons=reasons)

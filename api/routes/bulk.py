"""`POST /decisions`: many decisions at once, each judged exactly as if sent alone (the same
`services.decisions.decide` as the single routes: authority, delegation, validators), one result per
item in order; an item's failure is its own result and never stops the others. Items run
one after the other so the answer is deterministic (two items on one campaign: the first
wins, the second is refused as the single route would refuse it)."""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDeps, CurrentActor
from api.errors import error_body
from domain.status import Status
from domain.tiers import Tier
from services import decisions
from services.decisions import Decision
from services.limits import DECISIONS_PER_CALL, check_batch

log = logging.getLogger("promoflow.api")
router = APIRouter(tags=["decisions"])


class DecisionItem(BaseModel):
    campaign_id: str = Field(min_length=1, max_length=300)
    action: Literal["approve", "downgrade", "reject"]
    comment: str | None = Field(default=None, max_length=2000)
    to_tier: Tier | None = None
    reason: str | None = Field(default=None, max_length=2000)
    a_override: bool = False
    s_half_override: bool = False
    margin_override: bool = False
    on_behalf_of: str | None = Field(default=None, max_length=200, description="a delegator (else resolved)")


class DecisionsBody(BaseModel):
    decisions: list[DecisionItem] = Field(min_length=1, description=f"at most {DECISIONS_PER_CALL} (else 413)")


class DecisionResult(BaseModel):
    campaign_id: str
    action: str
    status: Status | None = Field(description="the campaign's status after the item (null: unknown campaign)")
    error: dict[str, Any] | None = Field(
        description="null, or {code, message, details} as the single route would answer")


class DecisionResults(BaseModel):
    results: list[DecisionResult]


@router.post("/decisions", response_model=DecisionResults)
async def decide_many(body: DecisionsBody, actor: CurrentActor, d: AppDeps) -> DecisionResults:
    check_batch(len(body.decisions), DECISIONS_PER_CALL, "decisions")
    done = await decisions.decide_many(d, actor, [Decision(**item.model_dump()) for item in body.decisions])
    results = [DecisionResult(campaign_id=x.decision.campaign_id, action=x.decision.action, status=x.status,
                              error=error_body(x.refused.code, x.refused.message, x.refused.details)["error"]
                              if x.refused else None) for x in done]
    log.info("bulk decisions", extra={"actor": actor.name, "items": len(results),
                                      "refused": sum(r.error is not None for r in results)})
    return DecisionResults(results=results)

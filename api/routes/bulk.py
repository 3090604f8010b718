"""`POST /decisions`: many decisions at once, each judged exactly as if sent alone (the same
`run_decision` as the single routes: authority, delegation, validators), one result per
item in order; an item's failure is its own result and never stops the others. Items run
one after the other so the answer is deterministic (two items on one campaign: the first
wins, the second is refused as the single route would refuse it)."""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api import campaign_workflow as wf
from api.decision_runner import run_decision, sees
from api.deps import AppDeps, CurrentActor
from api.errors import error_body, status_of
from api.limits import DECISIONS_PER_CALL, check_batch
from domain.status import Status
from domain.tiers import Tier
from services.errors import Refused

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
    results = []
    for item in body.decisions:
        try:
            state = await run_decision(d, actor, item.campaign_id, item.action, comment=item.comment,
                                       a_override=item.a_override, to_tier=item.to_tier, reason=item.reason,
                                       on_behalf_of=item.on_behalf_of, s_half_override=item.s_half_override,
                                       margin_override=item.margin_override)
            results.append(DecisionResult(campaign_id=item.campaign_id, action=item.action, status=state.status,
                                          error=None))
        except Refused as err:
            status = None
            if status_of(err) != 404:
                try:
                    state = await wf.state(d.client.get_workflow_handle(item.campaign_id))
                    # another line's campaign: as for an unknown id (no status)
                    status = state.status if sees(actor, state.business_line) else None
                except Refused:
                    status = None
            results.append(DecisionResult(campaign_id=item.campaign_id, action=item.action, status=status,
                                          error=error_body(err.code, err.message, err.details)["error"]))
    log.info("bulk decisions", extra={"actor": actor.name, "items": len(results),
                                      "refused": sum(r.error is not None for r in results)})
    return DecisionResults(results=results)

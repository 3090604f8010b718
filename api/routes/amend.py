"""`POST /campaigns/{id}/amend`: the owner changes a submitted request (shared/API.md,
"Decisions, changes and notifications"). The workflow's validator refuses what does not
fit (another line: 403; warm-up started: 409; an invalid new request: 422) before
anything enters history; the answer is the new state plus `material`."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDeps, CurrentActor
from domain.amend import AmendChanges
from services import campaigns
from workflows.messages import AmendResult

router = APIRouter(prefix="/campaigns/{campaign_id}", tags=["decisions"])


class AmendBody(BaseModel):
    changes: AmendChanges = Field(description="request fields to change: name, requested_tier, month, "
                                              "burst_start, revenue_target, gross_margin, forecast, mechanics, "
                                              "paid_traffic")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/amend", response_model=AmendResult)
async def amend(campaign_id: str, body: AmendBody, actor: CurrentActor, d: AppDeps) -> AmendResult:
    return await campaigns.amend(d, actor, campaign_id, body.changes, body.reason)

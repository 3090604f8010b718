"""Decisions on one campaign: approve, downgrade, reject (the promotion team, or a delegate
with the delegator's authority: services/decisions.py), choose a month (its business line),
cancel (its line or ops). The route parses the body and calls the use case; the workflow's
validator refuses what does not fit before anything enters history."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AppDeps, CurrentActor
from api.models import ApproveBody, ChooseMonthBody, DowngradeBody, ReasonBody
from services import campaigns, decisions
from services.decisions import Decision
from workflows.messages import CampaignState

router = APIRouter(prefix="/campaigns/{campaign_id}", tags=["decisions"])


@router.post("/approve", response_model=CampaignState)
async def approve(campaign_id: str, actor: CurrentActor, d: AppDeps, body: ApproveBody | None = None) -> CampaignState:
    body = body or ApproveBody()
    return await decisions.decide(d, actor, Decision(
        campaign_id, "approve", comment=body.comment, a_override=body.a_override,
        s_half_override=body.s_half_override, reason=body.reason, margin_override=body.margin_override))


@router.post("/downgrade", response_model=CampaignState)
async def downgrade(campaign_id: str, body: DowngradeBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    return await decisions.decide(d, actor, Decision(campaign_id, "downgrade", to_tier=body.to_tier,
                                                     reason=body.reason, margin_override=body.margin_override))


@router.post("/reject", response_model=CampaignState)
async def reject(campaign_id: str, body: ReasonBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    return await decisions.decide(d, actor, Decision(campaign_id, "reject", reason=body.reason))


@router.post("/choose-month", response_model=CampaignState)
async def choose_month(campaign_id: str, body: ChooseMonthBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    return await campaigns.choose_month(d, actor, campaign_id, body.month)


@router.post("/cancel", response_model=CampaignState)
async def cancel(campaign_id: str, body: ReasonBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    return await campaigns.cancel(d, actor, campaign_id, body.reason)

"""Decisions on one campaign: approve, downgrade, reject (the promotion team), choose a
month (its business line), cancel (its line or ops). Each is a workflow update whose
validator refuses what does not fit before anything enters history. A delegate decides
with the delegator's authority (api/decision_runner.py)."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import require_role
from api.campaign_workflow import decide
from api.decision_runner import run_decision
from api.deps import AppDeps, CurrentActor
from api.models import ApproveBody, ChooseMonthBody, DowngradeBody, ReasonBody
from workflows.campaign import CampaignWorkflow
from workflows.messages import CampaignState, Cancel, ChooseMonth

router = APIRouter(prefix="/campaigns/{campaign_id}", tags=["decisions"])


@router.post("/approve", response_model=CampaignState)
async def approve(campaign_id: str, actor: CurrentActor, d: AppDeps, body: ApproveBody | None = None) -> CampaignState:
    body = body or ApproveBody()
    return await run_decision(d, actor, campaign_id, "approve", comment=body.comment, a_override=body.a_override,
                              s_half_override=body.s_half_override, reason=body.reason,
                              margin_override=body.margin_override)


@router.post("/downgrade", response_model=CampaignState)
async def downgrade(campaign_id: str, body: DowngradeBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    return await run_decision(d, actor, campaign_id, "downgrade", to_tier=body.to_tier, reason=body.reason,
                              margin_override=body.margin_override)


@router.post("/reject", response_model=CampaignState)
async def reject(campaign_id: str, body: ReasonBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    return await run_decision(d, actor, campaign_id, "reject", reason=body.reason)


@router.post("/choose-month", response_model=CampaignState)
async def choose_month(campaign_id: str, body: ChooseMonthBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    require_role(actor, "business_line")
    return await decide(d, campaign_id, CampaignWorkflow.choose_month, ChooseMonth(actor=actor, month=body.month))


@router.post("/cancel", response_model=CampaignState)
async def cancel(campaign_id: str, body: ReasonBody, actor: CurrentActor, d: AppDeps) -> CampaignState:
    require_role(actor, "business_line", "ops")
    return await decide(d, campaign_id, CampaignWorkflow.cancel, Cancel(actor=actor, reason=body.reason))

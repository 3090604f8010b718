"""Campaigns: submit one (starts its workflow), list them (read model), read one (the
workflow's query) and its events (the log)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import may_see
from api.campaign_read import state_from_log
from api.deps import AppDeps, CurrentActor
from api.models import CampaignEvent, CampaignList, CampaignSummary
from api.paging import Page
from domain.approvals.roles import Role
from domain.campaign import CampaignRequest
from domain.months import MONTH_PATTERN
from domain.status import Status
from domain.tiers import Tier
from services import campaigns
from services import workflows as wf
from services.errors import Code, Refused
from store import reads
from workflows.messages import CampaignState

log = logging.getLogger("promoflow.api")
router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.post("", status_code=201, response_model=CampaignState,
             responses={200: {"description": "the same request_id again: the existing campaign"}})
async def submit(body: CampaignRequest, response: Response, actor: CurrentActor, d: AppDeps) -> CampaignState:
    submitted = await campaigns.submit(d, actor, body)
    response.headers["Location"] = f"/campaigns/{submitted.state.campaign_id}"
    if not submitted.created:
        response.status_code = 200
    return submitted.state


@router.get("", response_model=CampaignList)
async def list_campaigns(
    actor: CurrentActor, d: AppDeps, page: Page,
    status: Status | None = None, tier: Tier | None = None,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    business_line: str | None = None,
) -> CampaignList:
    if actor.role == Role.BUSINESS_LINE:
        if business_line not in (None, actor.business_line):
            raise Refused(Code.FORBIDDEN, f"{actor.name} may list only {actor.business_line} campaigns")
        business_line = actor.business_line
    rows, total = await reads.list_campaigns(
        d.pool, status=status.value if status else None, tier=tier.value if tier else None, month=month,
        business_line=business_line, limit=page.limit, offset=page.offset)
    return CampaignList(items=[CampaignSummary.model_validate(r) for r in rows], **page.of(total))


@router.get("/{campaign_id}", response_model=CampaignState)
async def get_campaign(campaign_id: str, actor: CurrentActor, d: AppDeps) -> CampaignState:
    try:
        state = await wf.campaign_state(d, campaign_id)
    except Refused as err:  # no workflow (imported, or past retention): answer from the read model
        found = await state_from_log(d.pool, campaign_id) if err.code == Code.NOT_FOUND else None
        if found is None:
            raise
        state = found
    may_see(actor, state.business_line)
    return state


@router.get("/{campaign_id}/events", response_model=list[CampaignEvent])
async def campaign_events(campaign_id: str, actor: CurrentActor, d: AppDeps, page: Page) -> list[CampaignEvent]:
    owner = await reads.campaign_owner(d.pool, campaign_id)
    if owner is None:
        raise Refused(Code.NOT_FOUND, f"no campaign {campaign_id}")
    may_see(actor, owner)
    return [CampaignEvent.model_validate(e) for e in await reads.campaign_events(
        d.pool, campaign_id, limit=page.limit, offset=page.offset)]

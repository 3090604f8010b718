"""Campaigns: submit one (starts its workflow), list them (read model), read one (the
workflow's query) and its events (the log)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from temporalio.client import WithStartWorkflowOperation, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import campaign_workflow as wf
from api.auth import may_see, require_role
from api.campaign_read import state_from_log
from api.deps import AppDeps, CurrentActor, Deps
from api.errors import ApiError, status_of
from api.models import CampaignEvent, CampaignList, CampaignSummary
from api.paging import Page
from domain.campaign import CampaignRequest, campaign_id_for
from domain.dates import choose_burst_start, local_date
from domain.months import MONTH_PATTERN
from domain.status import Status
from domain.tiers import Tier
from services.errors import Code, Refused
from store import reads, reference
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, CampaignInput, CampaignState

log = logging.getLogger("promoflow.api")
router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.post("", status_code=201, response_model=CampaignState,
             responses={200: {"description": "the same request_id again: the existing campaign"}})
async def submit(body: CampaignRequest, response: Response, actor: CurrentActor, d: AppDeps) -> CampaignState:
    state, created = await start_campaign(d, actor, body)
    response.headers["Location"] = f"/campaigns/{state.campaign_id}"
    if not created:
        response.status_code = 200
    return state


async def start_campaign(d: Deps, actor: Actor, body: CampaignRequest) -> tuple[CampaignState, bool]:
    """`POST /campaigns`'s use case (the route and the web app's form): the checks, then the
    workflow started and scored; answers the state and whether it was started now (False:
    the same request_id again, the existing campaign)."""
    require_role(actor, "business_line")
    if body.business_line != actor.business_line:
        raise Refused(Code.FORBIDDEN, f"{actor.name} submits for {actor.business_line}, not {body.business_line}")
    campaign_id = campaign_id_for(body.business_line, body.request_id)
    handle = d.client.get_workflow_handle(campaign_id)
    if await wf.exists(handle):
        return await wf.state(handle), False
    await _check_request(d, body)
    # Start and wait for the score in one call (update-with-start): the answer shows the
    # campaign in review with its score and proposed tier, so an approver may act at once.
    # A concurrent duplicate joins the running workflow (USE_EXISTING) instead of failing.
    start = WithStartWorkflowOperation(
        CampaignWorkflow.run, CampaignInput(request=body, owner=actor), id=campaign_id,
        task_queue=d.settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    try:
        state = await d.client.execute_update_with_start_workflow(
            CampaignWorkflow.scored, start_workflow_operation=start,
            rpc_timeout=timedelta(seconds=d.settings.score_wait_s))
    except WorkflowAlreadyStartedError:  # it ended meanwhile (a concurrent duplicate, then cancelled)
        return await wf.state(handle), False
    except WorkflowUpdateRPCTimeoutOrCancelledError:  # no worker scored it in time: say what is known
        if not await wf.exists(handle):
            raise Refused(Code.UNAVAILABLE, "the engine did not answer in time and nothing was started; "
                                               "send the same request again") from None
        log.warning("campaign started, not yet scored", extra={"campaign_id": campaign_id})
        return CampaignState.initial(campaign_id, body, actor), True
    log.info("campaign started", extra={"campaign_id": campaign_id, "status": state.status.value})
    return state, True


@router.get("", response_model=CampaignList)
async def list_campaigns(
    actor: CurrentActor, d: AppDeps, page: Page,
    status: Status | None = None, tier: Tier | None = None,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    business_line: str | None = None,
) -> CampaignList:
    if actor.role == "business_line":
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
        state = await wf.state(d.client.get_workflow_handle(campaign_id))
    except Refused as err:  # no workflow (imported, or past retention): answer from the read model
        found = await state_from_log(d.pool, campaign_id) if status_of(err) == 404 else None
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


class RequestProblems(ApiError):
    """422 `invalid_request` naming each problem; `fields` says which request field each is
    about ("" when it is about the request as a whole), for a form to show it beside its field."""

    def __init__(self, problems: list[tuple[str, str]]):
        messages = [m for _, m in problems]
        super().__init__(422, "invalid_request", "; ".join(messages), messages)
        self.fields: dict[str, str] = {}
        for field, message in problems:
            self.fields[field] = f"{self.fields[field]}; {message}" if field in self.fields else message


async def _check_request(d: Deps, body: CampaignRequest) -> None:
    """Rules that need the engine's data: nothing is started when one fails."""
    problems: list[tuple[str, str]] = []
    if body.business_line not in await reference.known_business_lines(d.pool):
        problems.append(("business_line", f"unknown business line {body.business_line!r}"))
    policy = await reference.policy_for(d.pool, body.year)
    today = local_date(policy, datetime.now(UTC))
    if body.month < today.strftime("%Y-%m"):
        problems.append(("month", f"month {body.month} is in the past"))
    elif body.burst_start is not None:
        choice = choose_burst_start(policy, body.requested_tier or Tier.B, body.month, body.burst_start, today,
                                    body.hot_topic)
        if choice.burst_start is None:
            problems.extend(("burst_start", r) for r in choice.reasons)
    if problems:
        raise RequestProblems(problems)

"""One campaign's life as its owner and ops change it: submit (starts its workflow, waits
for the score), amend, choose a month, cancel, mark a milestone done. Each is a workflow
update whose validator refuses what does not fit before anything enters history; the rules
that need the engine's data (a known line, a month not past, a burst day that can be had)
are judged here before the workflow starts. Decisions of the promotion team are
services/decisions.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from temporalio.client import WithStartWorkflowOperation, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.amend import AmendChanges
from domain.approvals.people import Milestone
from domain.approvals.roles import Role
from domain.campaign import CampaignRequest, campaign_id_for
from domain.dates import local_date, requested_burst_problems
from services import workflows as wf
from services.access import require_role
from services.context import Engine
from services.errors import Code, Refused
from store import reference
from workflows.campaign import CampaignWorkflow
from workflows.messages import (
    Actor,
    Amend,
    AmendResult,
    CampaignInput,
    CampaignState,
    Cancel,
    ChooseMonth,
    MarkMilestoneDone,
)

log = logging.getLogger("promoflow.services")


class Submitted(BaseModel):
    state: CampaignState
    created: bool  # False: the same request_id again, the existing campaign


class RequestProblems(Refused):
    """`invalid_request` naming each problem; `fields` says which request field each is
    about ("" when it is about the request as a whole), for a form to show it beside its field."""

    def __init__(self, problems: list[tuple[str, str]]):
        messages = [m for _, m in problems]
        super().__init__(Code.INVALID, "; ".join(messages), messages)
        self.fields: dict[str, str] = {}
        for field, message in problems:
            self.fields[field] = f"{self.fields[field]}; {message}" if field in self.fields else message


async def submit(e: Engine, actor: Actor, request: CampaignRequest) -> Submitted:
    """The checks, then the workflow started and scored (the state in review with its score
    and proposed tier, so an approver may act at once)."""
    require_role(actor, Role.BUSINESS_LINE)
    if request.business_line != actor.business_line:
        raise Refused(Code.FORBIDDEN, f"{actor.name} submits for {actor.business_line}, not {request.business_line}")
    campaign_id = campaign_id_for(request.business_line, request.request_id)
    handle = wf.campaign(e, campaign_id)
    if await wf.exists(handle):
        return Submitted(state=await wf.state(handle), created=False)
    await check_request(e, request)
    # Start and wait for the score in one call (update-with-start). A concurrent duplicate
    # joins the running workflow (USE_EXISTING) instead of failing.
    start = WithStartWorkflowOperation(
        CampaignWorkflow.run, CampaignInput(request=request, owner=actor), id=campaign_id,
        task_queue=e.settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    try:
        state = await e.client.execute_update_with_start_workflow(
            CampaignWorkflow.scored, start_workflow_operation=start,
            rpc_timeout=timedelta(seconds=e.settings.score_wait_s))
    except WorkflowAlreadyStartedError:  # it ended meanwhile (a concurrent duplicate, then cancelled)
        return Submitted(state=await wf.state(handle), created=False)
    except WorkflowUpdateRPCTimeoutOrCancelledError:  # no worker scored it in time: say what is known
        if not await wf.exists(handle):
            raise Refused(Code.UNAVAILABLE, "the engine did not answer in time and nothing was started; "
                                            "send the same request again") from None
        log.warning("campaign started, not yet scored", extra={"campaign_id": campaign_id})
        return Submitted(state=CampaignState.initial(campaign_id, request, actor.name), created=True)
    log.info("campaign started", extra={"campaign_id": campaign_id, "status": state.status.value})
    return Submitted(state=state, created=True)


async def check_request(e: Engine, request: CampaignRequest) -> None:
    """Rules that need the engine's data: nothing is started when one fails."""
    problems: list[tuple[str, str]] = []
    if request.business_line not in await reference.known_business_lines(e.pool):
        problems.append(("business_line", f"unknown business line {request.business_line!r}"))
    policy = await reference.policy_for(e.pool, request.year)
    today = local_date(policy, datetime.now(UTC))
    if request.month < today.strftime("%Y-%m"):
        problems.append(("month", f"month {request.month} is in the past"))
    elif request.burst_start is not None:
        problems.extend(("burst_start", r) for r in requested_burst_problems(
            policy, request.requested_tier, request.month, request.burst_start, today, request.hot_topic))
    if problems:
        raise RequestProblems(problems)


async def amend(e: Engine, actor: Actor, campaign_id: str, changes: AmendChanges, reason: str) -> AmendResult:
    """The owner changes a submitted request; the answer says whether it was material."""
    require_role(actor, Role.BUSINESS_LINE)
    return await wf.decide(e, campaign_id, CampaignWorkflow.amend, Amend(actor=actor, changes=changes, reason=reason))


async def choose_month(e: Engine, actor: Actor, campaign_id: str, month: str) -> CampaignState:
    """The owner picks one of the months offered when theirs was full."""
    require_role(actor, Role.BUSINESS_LINE)
    return await wf.decide(e, campaign_id, CampaignWorkflow.choose_month, ChooseMonth(actor=actor, month=month))


async def cancel(e: Engine, actor: Actor, campaign_id: str, reason: str) -> CampaignState:
    """The owning line or ops (the workflow's validator judges which line owns it)."""
    require_role(actor, Role.BUSINESS_LINE, Role.OPS)
    return await wf.decide(e, campaign_id, CampaignWorkflow.cancel, Cancel(actor=actor, reason=reason))


async def milestone_done(e: Engine, actor: Actor, campaign_id: str, key: str,
                         comment: str | None = None) -> list[Milestone]:
    """The owner or ops marks a milestone done; the campaign's milestones, by due day."""
    require_role(actor, Role.BUSINESS_LINE, Role.OPS)
    state = await wf.decide(e, campaign_id, CampaignWorkflow.milestone_done,
                            MarkMilestoneDone(actor=actor, key=key, comment=comment))
    return sorted(state.milestones, key=lambda m: m.due)

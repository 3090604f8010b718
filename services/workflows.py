"""The use cases' calls to the workflows: a campaign's (`campaign-...`) and a year plan's
(`plan-<year>`): does it exist, its state, an update; their refusals become `Refused` with
the validator's code (services/errors.py), in one place.

A workflow's update validator is the guard: it refuses what does not fit the state before
anything enters history; these functions only translate."""

from __future__ import annotations

import logging
from typing import Any

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.planning import season
from domain.planning.events import plan_stream
from services.context import Engine
from services.errors import Code, Refused, from_workflow
from store import plans
from workflows.campaign import CampaignWorkflow
from workflows.messages import CampaignState
from workflows.plan_messages import PlanView
from workflows.year_plan import YearPlanWorkflow

log = logging.getLogger("promoflow.services")


def refusal(err: WorkflowUpdateFailedError, passed: frozenset[str] = frozenset()) -> Refused | None:
    """The validator's refusal as a `Refused` (None: not a refusal, or a type in `passed`,
    which the caller handles itself)."""
    cause = err.cause
    if not isinstance(cause, ApplicationError) or cause.type in passed:
        return None
    code = from_workflow(cause.type)
    if code is None:
        return None
    details = list(cause.details[0]) if code == Code.INVALID_ACTUALS and cause.details else None
    return Refused(code, cause.message, details)


# ---------------------------------------------------------------------- a campaign
def unknown_campaign(campaign_id: str) -> Refused:
    """The answer for a campaign id that does not exist, and for one the caller may not see."""
    return Refused(Code.NOT_FOUND, f"no campaign {campaign_id}")


def campaign(e: Engine, campaign_id: str) -> WorkflowHandle:
    return e.client.get_workflow_handle(campaign_id)


async def exists(handle: WorkflowHandle) -> bool:
    try:
        await handle.describe()
        return True
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise


async def state(handle: WorkflowHandle) -> CampaignState:
    try:
        return await handle.query(CampaignWorkflow.state_query)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise unknown_campaign(handle.id) from err
        raise


async def campaign_state(e: Engine, campaign_id: str) -> CampaignState:
    return await state(campaign(e, campaign_id))


async def _update(handle: WorkflowHandle, update: Any, arg: Any) -> Any:
    """Run an update; a refusal its validator or handler raised comes back as `Refused`."""
    try:
        return await handle.execute_update(update, arg)
    except WorkflowUpdateFailedError as err:
        refused = refusal(err)
        if refused is None:
            raise
        raise refused from err


async def decide(e: Engine, campaign_id: str, update: Any, arg: Any) -> Any:
    """Run a campaign update (`arg` carries the actor) and answer what it answers."""
    handle = campaign(e, campaign_id)
    log.info("decision", extra={"campaign_id": campaign_id, "decision": update.__name__, "actor": arg.actor.name})
    try:
        return await _update(handle, update, arg)
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        # Not found: either no such campaign, or its workflow has ended.
        try:
            desc = await handle.describe()
        except RPCError:
            raise unknown_campaign(campaign_id) from err
        if desc.status != WorkflowExecutionStatus.RUNNING:
            current = await state(handle)
            raise Refused(Code.INVALID_STATE,
                          f"campaign is {current.status.value}; nothing left to decide") from err
        raise


# ---------------------------------------------------------------------- a year plan
def no_plan(year: int) -> Refused:
    return Refused(Code.NOT_FOUND, f"no plan for {year}: ops open it with POST /plans/{year}")


def plan(e: Engine, year: int) -> WorkflowHandle:
    return e.client.get_workflow_handle(plan_stream(year))


async def plan_view(e: Engine, year: int, *, live_progress: bool = True) -> PlanView:
    h = plan(e, year)
    try:
        v = await h.query(YearPlanWorkflow.state_query)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise no_plan(year) from err
        raise
    if live_progress and v.publish is not None and not v.published:
        # the workflow learns of schedules in batches; the read model knows now
        ids = [r["campaign_id"] for r in await plans.intents(e.pool, year) if r["campaign_id"]]
        states = await plans.campaign_states(e.pool, ids)
        v.publish.scheduled = sum(1 for s, tier in states.values() if season.settled_as_planned(s, tier))
    return v


async def plan_lines(e: Engine, year: int) -> dict[str, str]:
    """The plan's intents' business lines by intent id (no plan: `not_found`)."""
    await plan_view(e, year, live_progress=False)
    return await plan(e, year).query(YearPlanWorkflow.lines_query)


async def plan_update(e: Engine, year: int, upd: Any, arg: Any) -> Any:
    h = plan(e, year)
    log.info("plan update", extra={"plan": h.id, "update": upd.__name__, "actor": arg.actor.name})
    try:
        return await _update(h, upd, arg)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise no_plan(year) from err
        raise

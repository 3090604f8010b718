"""The API's calls to one campaign's workflow (does it exist, its state, a decision) and
how their failures become API errors (404, 409, 403, 422), in one place for the routes."""

from __future__ import annotations

import logging
from typing import Any

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Deps
from api.errors import ApiError
from services.errors import Code, Refused
from workflows.campaign import CampaignWorkflow
from workflows.messages import CampaignState

log = logging.getLogger("promoflow.api")
# The workflow's update validators refuse with these ApplicationError types.
_CODE_STATUS = {"invalid_state": 409, "forbidden": 403, "separation_of_duties": 403, "invalid_tier": 422,
                "not_found": 404, "invalid_request": 422, "margin_below_floor": 409}


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
            raise Refused(Code.NOT_FOUND, f"no campaign {handle.id}") from err
        raise


async def decide(d: Deps, campaign_id: str, update: Any, arg: Any) -> Any:
    """Run a decision update (`arg` carries the actor) and answer the new state."""
    handle = d.client.get_workflow_handle(campaign_id)
    log.info("decision", extra={"campaign_id": campaign_id, "decision": update.__name__, "actor": arg.actor.name})
    try:
        return await handle.execute_update(update, arg)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in _CODE_STATUS:
            raise ApiError(_CODE_STATUS[cause.type], cause.type, cause.message) from err
        raise
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        # Not found: either no such campaign, or its workflow has ended.
        try:
            desc = await handle.describe()
        except RPCError:
            raise Refused(Code.NOT_FOUND, f"no campaign {campaign_id}") from err
        if desc.status != WorkflowExecutionStatus.RUNNING:
            current = await state(handle)
            raise Refused(Code.INVALID_STATE, f"campaign is {current.status.value}; nothing left to decide") from err
        raise

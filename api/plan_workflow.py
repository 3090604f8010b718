"""The API's calls to a year plan's workflow (`plan-<year>`): its view, its updates, and how
their failures become API errors (404, 409, 403, 422), in one place for the plan routes."""

from __future__ import annotations

import logging
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Deps
from api.errors import ApiError
from domain import season
from domain.plan_events import plan_stream
from services.errors import Code, Refused
from store import plans
from workflows.plan_messages import PlanView
from workflows.year_plan import YearPlanWorkflow

log = logging.getLogger("promoflow.api")
_CODE_STATUS = {"invalid_state": (409, "invalid_state"), "forbidden": (403, "forbidden"),
                "invalid": (422, "invalid_request"), "invalid_plan": (422, "invalid_request"),
                "solve_failed": (503, "solve_failed")}  # every attempt of a solve failed (or timed out)


def handle(d: Deps, year: int) -> WorkflowHandle:
    return d.client.get_workflow_handle(plan_stream(year))


async def view(d: Deps, year: int, *, live_progress: bool = True) -> PlanView:
    h = handle(d, year)
    try:
        v = await h.query(YearPlanWorkflow.state_query)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Refused(Code.NOT_FOUND, f"no plan for {year}: ops open it with POST /plans/{year}") from err
        raise
    if live_progress and v.publish is not None and not v.published:
        # the workflow learns of schedules in batches; the read model knows now
        ids = [r["campaign_id"] for r in await plans.intents(d.pool, year) if r["campaign_id"]]
        states = await plans.campaign_states(d.pool, ids)
        v.publish.scheduled = sum(1 for s, tier in states.values() if season.settled_as_planned(s, tier))
    return v


async def lines(d: Deps, year: int) -> dict[str, str]:
    await view(d, year, live_progress=False)  # 404 when there is no plan
    return await handle(d, year).query(YearPlanWorkflow.lines_query)


async def update(d: Deps, year: int, upd: Any, arg: Any) -> Any:
    h = handle(d, year)
    log.info("plan update", extra={"plan": h.id, "update": upd.__name__, "actor": arg.actor.name})
    try:
        return await h.execute_update(upd, arg)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in _CODE_STATUS:
            status, code = _CODE_STATUS[cause.type]
            raise ApiError(status, code, cause.message) from err
        raise
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Refused(Code.NOT_FOUND, f"no plan for {year}: ops open it with POST /plans/{year}") from err
        raise

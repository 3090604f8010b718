"""FastAPI application: the contract of shared/API.md.

Writes go to Temporal (start, updates); reads of one campaign come from its workflow
query; lists, events, the calendar and bookings come from the PostgreSQL read model.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

import asyncpg
from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from temporalio.client import (
    Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api import errors, metrics
from api.auth import TokenBook, require_role
from api.calendar_page import install_calendar_routes
from api.errors import ApiError
from domain.balancing import BudgetSummary, budget
from domain.campaign import CampaignRequest, campaign_id_for
from domain.dates import choose_burst_start, local_date
from domain.policy import Policy
from domain.tiers import Tier
from stack.config import Settings
from store import reads, reference
from store.calendar import load_year
from workflows.campaign import CampaignWorkflow
from workflows.messages import (
    Actor, Approve, CampaignInput, CampaignState, Cancel, ChooseMonth, Downgrade, Reject, Status,
)

log = logging.getLogger("promoflow.api")
READERS = ("approver", "leader", "ops")
DECIDERS = ("approver", "leader")
_CODE_STATUS = {"invalid_state": 409, "forbidden": 403, "separation_of_duties": 403, "invalid_tier": 422}


class ApproveBody(BaseModel):
    comment: str | None = Field(default=None, max_length=2000)
    a_override: bool = Field(default=False, description="allow this A as the month's second A (special case)")


class DowngradeBody(BaseModel):
    to_tier: Tier
    reason: str = Field(min_length=1, max_length=2000)


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ChooseMonthBody(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, one of the offered alternatives")


class CampaignList(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class Deps:
    """What the routes need; built by the lifespan, or given by tests."""

    def __init__(self, settings: Settings, client: Client, pool: asyncpg.Pool, tokens: TokenBook):
        self.settings, self.client, self.pool, self.tokens = settings, client, pool, tokens


def create_app(deps: Deps | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if deps is not None:
            app.state.deps = deps
            yield
            return
        from stack.logs import configure as configure_logging
        from store.db import create_pool
        from worker import connect

        configure_logging()
        pool = await create_pool(settings.require_database_url(), max_size=20)
        client = await connect(settings)
        app.state.deps = Deps(settings, client, pool, TokenBook.load(settings.tokens_path))
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(title="promoflow", version="0.1.0", lifespan=lifespan, responses=errors.ERROR_RESPONSES,
                  description="Internal API of promoflow: promotion campaigns as durable workflows.")
    errors.install(app)
    metrics.install(app)
    if deps is not None:
        app.state.deps = deps

    def get_deps(request: Request) -> Deps:
        return request.app.state.deps

    def principal(request: Request, d: Deps = Depends(get_deps)) -> Actor:
        return d.tokens.principal(request)

    # ------------------------------------------------------------------ health
    @app.get("/healthz")
    async def healthz(d: Deps = Depends(get_deps)) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            await d.client.service_client.check_health(timeout=timedelta(seconds=2))
            checks["temporal"] = "ok"
        except Exception as err:  # noqa: BLE001 - any failure means "does not answer"
            checks["temporal"] = f"unavailable: {err}"
        try:
            await d.pool.fetchval("SELECT 1", timeout=2)
            checks["postgres"] = "ok"
        except Exception as err:  # noqa: BLE001
            checks["postgres"] = f"unavailable: {err}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    # ------------------------------------------------------------------ campaigns
    @app.post("/campaigns", status_code=201, response_model=CampaignState,
              responses={200: {"description": "the same request_id again: the existing campaign"}})
    async def submit(body: CampaignRequest, response: Response, actor: Actor = Depends(principal),
                     d: Deps = Depends(get_deps)) -> CampaignState:
        require_role(actor, "business_line")
        if body.business_line != actor.business_line:
            raise ApiError(403, "forbidden", f"{actor.name} submits for {actor.business_line}, not {body.business_line}")
        campaign_id = campaign_id_for(body.business_line, body.request_id)
        response.headers["Location"] = f"/campaigns/{campaign_id}"
        handle = d.client.get_workflow_handle(campaign_id)
        if await _exists(handle):
            response.status_code = 200
            return await _state(handle)
        await _check_request(d, body)
        try:
            await d.client.start_workflow(
                CampaignWorkflow.run, CampaignInput(request=body, owner=actor), id=campaign_id,
                task_queue=d.settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:  # a concurrent duplicate won the race
            response.status_code = 200
            return await _state(handle)
        log.info("campaign started", extra={"campaign_id": campaign_id})
        return CampaignState.initial(campaign_id, body, actor)

    @app.get("/campaigns", response_model=CampaignList)
    async def list_campaigns(
        status: Status | None = None, tier: Tier | None = None,
        month: str | None = Query(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
        business_line: str | None = None,
        limit: int = Query(default=50, ge=1, le=500), offset: int = Query(default=0, ge=0),
        actor: Actor = Depends(principal), d: Deps = Depends(get_deps),
    ) -> CampaignList:
        if actor.role == "business_line":
            if business_line not in (None, actor.business_line):
                raise ApiError(403, "forbidden", f"{actor.name} may list only {actor.business_line} campaigns")
            business_line = actor.business_line
        items, total = await reads.list_campaigns(
            d.pool, status=status.value if status else None, tier=tier.value if tier else None, month=month,
            business_line=business_line, limit=limit, offset=offset)
        return CampaignList(items=items, total=total, limit=limit, offset=offset)

    @app.get("/campaigns/{campaign_id}", response_model=CampaignState)
    async def get_campaign(campaign_id: str, actor: Actor = Depends(principal),
                           d: Deps = Depends(get_deps)) -> CampaignState:
        state = await _state(d.client.get_workflow_handle(campaign_id))
        _may_see(actor, state.business_line)
        return state

    @app.get("/campaigns/{campaign_id}/events")
    async def campaign_events(campaign_id: str, actor: Actor = Depends(principal),
                              d: Deps = Depends(get_deps)) -> list[dict[str, Any]]:
        owner = await reads.campaign_owner(d.pool, campaign_id)
        if owner is None:
            raise ApiError(404, "not_found", f"no campaign {campaign_id}")
        _may_see(actor, owner)
        return await reads.campaign_events(d.pool, campaign_id)

    @app.post("/campaigns/{campaign_id}/approve", response_model=CampaignState)
    async def approve(campaign_id: str, body: ApproveBody | None = None, actor: Actor = Depends(principal),
                      d: Deps = Depends(get_deps)) -> CampaignState:
        require_role(actor, *DECIDERS)
        body = body or ApproveBody()
        return await _decide(d, campaign_id, CampaignWorkflow.approve,
                             Approve(actor=actor, comment=body.comment, a_override=body.a_override))

    @app.post("/campaigns/{campaign_id}/downgrade", response_model=CampaignState)
    async def downgrade(campaign_id: str, body: DowngradeBody, actor: Actor = Depends(principal),
                        d: Deps = Depends(get_deps)) -> CampaignState:
        require_role(actor, *DECIDERS)
        return await _decide(d, campaign_id, CampaignWorkflow.downgrade,
                             Downgrade(actor=actor, to_tier=body.to_tier, reason=body.reason))

    @app.post("/campaigns/{campaign_id}/reject", response_model=CampaignState)
    async def reject(campaign_id: str, body: ReasonBody, actor: Actor = Depends(principal),
                     d: Deps = Depends(get_deps)) -> CampaignState:
        require_role(actor, *DECIDERS)
        return await _decide(d, campaign_id, CampaignWorkflow.reject, Reject(actor=actor, reason=body.reason))

    @app.post("/campaigns/{campaign_id}/choose-month", response_model=CampaignState)
    async def choose_month(campaign_id: str, body: ChooseMonthBody, actor: Actor = Depends(principal),
                           d: Deps = Depends(get_deps)) -> CampaignState:
        require_role(actor, "business_line")
        return await _decide(d, campaign_id, CampaignWorkflow.choose_month,
                             ChooseMonth(actor=actor, month=body.month))

    @app.post("/campaigns/{campaign_id}/cancel", response_model=CampaignState)
    async def cancel(campaign_id: str, body: ReasonBody, actor: Actor = Depends(principal),
                     d: Deps = Depends(get_deps)) -> CampaignState:
        require_role(actor, "business_line", "ops")
        return await _decide(d, campaign_id, CampaignWorkflow.cancel, Cancel(actor=actor, reason=body.reason))

    # ------------------------------------------------------------------ calendar, bookings
    async def calendar_data(year: int, actor: Actor = Depends(principal),
                            d: Deps = Depends(get_deps)) -> tuple[dict[str, Any], Policy]:
        """The calendar JSON and the year's policy: one loader for the JSON route and the pages."""
        require_role(actor, *READERS)
        if not 2000 <= year <= 2100:
            raise ApiError(422, "invalid_request", "year must be between 2000 and 2100")
        policy = await reference.policy_for(d.pool, year)
        return await calendar_json(d, year, policy), policy

    # GET /calendar/{year}.html, /calendar/{year}/{month}.html, and /calendar/{year} with Accept: text/html
    install_calendar_routes(app, calendar_data)

    @app.get("/calendar/{year}")
    async def calendar(loaded: tuple[dict[str, Any], Policy] = Depends(calendar_data)) -> dict[str, Any]:
        return loaded[0]

    @app.get("/bookings")
    async def bookings(
        from_: date | None = Query(default=None, alias="from"), to: date | None = None,
        resource: str | None = None, include_released: bool = False,
        actor: Actor = Depends(principal), d: Deps = Depends(get_deps),
    ) -> list[dict[str, Any]]:
        require_role(actor, *READERS)
        return await reads.list_bookings(d.pool, start=from_, end=to, resource=resource,
                                         include_released=include_released)

    return app


# ---------------------------------------------------------------------- helpers
async def calendar_json(d: Deps, year: int, policy: Policy) -> dict[str, Any]:
    """What GET /calendar/{year} returns: the year's months, their campaigns, the budget."""
    async with d.pool.acquire() as conn:
        summary: BudgetSummary = budget(policy, await load_year(conn, year))
    rows = await reads.calendar_rows(d.pool, year)
    months = []
    for m in range(1, 13):
        key = f"{year}-{m:02d}"
        entries = [r for r in rows if r["month"] == key]
        months.append({
            "month": key,
            "counted_days": sum(r["counted_days"] for r in entries),
            "s_month": any(r["tier"] == "S" for r in entries),
            "campaigns": entries,
        })
    return {"year": year, "budget": summary.model_dump(), "months": months}


def _may_see(actor: Actor, business_line: str) -> None:
    if actor.role == "business_line" and actor.business_line != business_line:
        raise ApiError(403, "forbidden", f"{actor.name} may see only {actor.business_line} campaigns")


async def _exists(handle: WorkflowHandle) -> bool:
    try:
        await handle.describe()
        return True
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise


async def _state(handle: WorkflowHandle) -> CampaignState:
    try:
        return await handle.query(CampaignWorkflow.state_query)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(404, "not_found", f"no campaign {handle.id}") from err
        raise


async def _check_request(d: Deps, body: CampaignRequest) -> None:
    """Rules that need the engine's data: nothing is started when one fails."""
    problems = []
    if body.business_line not in await reference.known_business_lines(d.pool):
        problems.append(f"unknown business line {body.business_line!r}")
    policy = await reference.policy_for(d.pool, body.year)
    today = local_date(policy, datetime.now(timezone.utc))
    if body.month < today.strftime("%Y-%m"):
        problems.append(f"month {body.month} is in the past")
    elif body.burst_start is not None:
        choice = choose_burst_start(policy, body.requested_tier or Tier.B, body.month, body.burst_start, today,
                                    body.hot_topic)
        if choice.burst_start is None:
            problems.extend(choice.reasons)
    if problems:
        raise ApiError(422, "invalid_request", "; ".join(problems), problems)


async def _decide(d: Deps, campaign_id: str, update, arg) -> CampaignState:
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
            raise ApiError(404, "not_found", f"no campaign {campaign_id}") from err
        if desc.status != WorkflowExecutionStatus.RUNNING:
            state = await _state(handle)
            raise ApiError(409, "invalid_state", f"campaign is {state.status.value}; nothing left to decide") from err
        raise


def __getattr__(name: str) -> Any:
    # `uvicorn api.app:app` builds the application from the environment on first use.
    if name == "app":
        return create_app()
    raise AttributeError(name)

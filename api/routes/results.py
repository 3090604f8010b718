"""Results: actuals (one campaign, or many at once for imports), the outcome, the history
import and a line's revenue feed (shared/API.md "Results and forecasts").

Actuals keep the path request -> workflow -> events -> projections while the campaign's
workflow runs: the `record_actuals` update's validator refuses a bad batch before anything
enters history, and the workflow numbers the events, as for every other change. Once the
workflow is gone (its results window closed, imported, or past retention) nothing owns the
stream's numbering, so the store appends under a per-campaign lock with the same rules.

The bulk route sends the items of campaigns whose outcome is recorded (their workflow is
gone) to the store as one batch, in one transaction (`results.record_actuals_batch`): a
few statements for the whole call instead of ~15 round trips per campaign. If the batch
fails for any reason it is rolled back and those items go one by one as before, so the
answers are the same item by item; the other items go one by one anyway.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import may_see, require_role
from api.deps import AppDeps, CurrentActor, Deps
from api.errors import ApiError, error_body
from api.limits import ACTUALS_CAMPAIGNS_PER_CALL, HISTORY_PER_CALL, check_batch
from api.results_models import (
    ActualsBody,
    ActualsResultBody,
    BulkActualsBody,
    BulkActualsItem,
    BulkActualsResult,
    HistoryCampaign,
    HistoryResult,
    Results,
    RevenueBody,
)
from domain.campaign import CampaignRequest, campaign_id_for
from domain.dates import local_date
from domain.results.actuals import ActualRow, check_rows, errors_message
from domain.results.outcome import compute_outcome
from services import results as results_cases
from services.errors import Code, Refused
from store import reads, reference, results
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, RecordActuals

router = APIRouter(tags=["results"])
log = logging.getLogger("promoflow.api")
_UPDATE_ERRORS = {"forbidden": 403, "invalid_state": 409, "results_closing": 409}


def _invalid_rows(errors: list[Any]) -> ApiError:
    return Refused(Code.INVALID_ACTUALS, errors_message(errors), [e.model_dump() for e in errors])


async def _owner(d: Deps, actor: Actor, campaign_id: str) -> str:
    owner = await reads.campaign_owner(d.pool, campaign_id)
    if owner is None:
        raise Refused(Code.NOT_FOUND, f"no campaign {campaign_id}")
    may_see(actor, owner)
    return owner


async def _direct(d: Deps, campaign_id: str, rows: list[ActualRow], actor: Actor, *,
                  after_outcome: bool) -> ActualsResultBody:
    res = await results_cases.record_direct(d.pool, campaign_id, rows, actor.name, datetime.now(UTC),
                                            after_outcome=after_outcome)
    return _stored_answer(campaign_id, res)


def _closing(campaign_id: str) -> ApiError:
    return Refused(Code.RESULTS_CLOSING, f"the results window of {campaign_id} is closing: its outcome is "
                                            "being recorded; send the actuals again once it is")


def _stored_answer(campaign_id: str, res: results.ActualsResult | None) -> ActualsResultBody:
    """The answer to a batch the store took (or refused): as `_direct` gives it."""
    if res is None:
        raise Refused(Code.NOT_FOUND, f"no campaign {campaign_id}")
    if res.closing:
        raise _closing(campaign_id)
    if res.errors:
        raise _invalid_rows(res.errors)
    return ActualsResultBody(campaign_id=campaign_id, recorded=res.recorded, corrected=res.corrected,
                             unchanged=res.unchanged, outcome_recorded=res.outcome, via="store")


async def record(d: Deps, campaign_id: str, rows: list[ActualRow], actor: Actor) -> ActualsResultBody:
    """Through the live workflow when there is one, else through the store.

    One writer per stream: the workflow numbers the stream's events until its outcome is in
    the log. While it closes the results window (closed, outcome not yet recorded) its
    validator answers `results_closing`: 409, nothing written. After `results_closed` the
    store takes the batch only if the outcome is in the log (checked in its transaction,
    `after_outcome`); only when no workflow runs (imported, ended, past retention) does the
    store take it without one."""
    after_outcome = True
    if await results.outcome_of(d.pool, campaign_id) is None:
        handle = d.client.get_workflow_handle(campaign_id)
        try:
            answer = await handle.execute_update(CampaignWorkflow.record_actuals, RecordActuals(actor=actor, rows=rows))
            return ActualsResultBody(**answer.model_dump(), via="workflow")
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if not isinstance(cause, ApplicationError):
                raise
            if cause.type == "invalid_actuals":
                raise Refused(Code.INVALID_ACTUALS, cause.message, list(cause.details[0]) if cause.details
                               else None) from err
            if cause.type in _UPDATE_ERRORS:
                raise ApiError(_UPDATE_ERRORS[cause.type], cause.type, cause.message) from err
            if cause.type != "results_closed":
                raise
        except RPCError as err:  # no running workflow (ended, imported, or past retention)
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            after_outcome = False
    return await _direct(d, campaign_id, rows, actor, after_outcome=after_outcome)


@router.post("/campaigns/{campaign_id}/actuals", response_model=ActualsResultBody)
async def post_actuals(campaign_id: str, body: ActualsBody, actor: CurrentActor, d: AppDeps) -> ActualsResultBody:
    require_role(actor, "business_line", "ops")
    await _owner(d, actor, campaign_id)
    return await record(d, campaign_id, body.rows, actor)


@router.post("/actuals", response_model=Results)
async def post_bulk_actuals(body: BulkActualsBody, actor: CurrentActor, d: AppDeps) -> Results:
    """Many campaigns' actuals in one call (`starter.py actuals import`); one result per item.

    Per item, as `post_actuals` would answer it: 404 / 403 from the owners read once for
    the call; items of campaigns with a recorded outcome (no workflow left) as one store
    batch; the others through `record` one by one (the live workflow first)."""
    require_role(actor, "business_line", "ops")
    items = body.campaigns
    check_batch(len(items), ACTUALS_CAMPAIGNS_PER_CALL, "campaigns")
    policy = await reference.policy_for(d.pool, datetime.now(UTC).year)
    check_batch(sum(len(item.rows) for item in items), policy.results.max_rows, "actuals rows")
    known = await results.owners_and_outcomes(d.pool, [item.campaign_id for item in items])
    answers: list[ActualsResultBody | ApiError | None] = [None] * len(items)
    batch: list[int] = []
    for n, item in enumerate(items):
        owner, has_outcome = known.get(item.campaign_id, (None, False))
        try:
            if owner is None:
                raise Refused(Code.NOT_FOUND, f"no campaign {item.campaign_id}")
            may_see(actor, owner)
        except Refused as err:
            answers[n] = err
            continue
        if has_outcome:
            batch.append(n)
    if batch:
        for n, answer in zip(batch, await _store_batch(d, [items[n] for n in batch], actor), strict=True):
            answers[n] = answer
    out: list[BulkActualsResult] = []
    for n, item in enumerate(items):
        answer = answers[n]
        if answer is None:  # a live workflow may own it (or the batch fell back): one by one, as before
            try:
                answer = await record(d, item.campaign_id, item.rows, actor)
            except Refused as err:
                answer = err
        if isinstance(answer, ApiError):
            out.append(BulkActualsResult(campaign_id=item.campaign_id, status="invalid",
                                         error=error_body(answer.code, answer.message, answer.details)["error"]))
        else:
            out.append(BulkActualsResult(campaign_id=item.campaign_id, status="stored", result=answer))
    return Results(results=out)


async def _store_batch(d: Deps, items: list[BulkActualsItem],
                       actor: Actor) -> list[ActualsResultBody | ApiError | None]:
    """The items as one store batch, one transaction; all None when it failed and was
    rolled back (the caller then sends them one by one, the path that gives the answers)."""
    try:
        res = await results_cases.record_batch(d.pool, [(i.campaign_id, i.rows) for i in items], actor.name,
                                               datetime.now(UTC))
    except Exception:  # noqa: BLE001 - whatever went wrong, the one-by-one path decides the answers
        log.warning("actuals batch of %d campaigns rolled back, recording them one by one", len(items),
                    exc_info=True)
        return [None] * len(items)
    answers: list[ActualsResultBody | ApiError | None] = []
    for item, r in zip(items, res, strict=True):
        try:
            answers.append(_stored_answer(item.campaign_id, r))
        except Refused as err:
            answers.append(err)
    return answers


@router.get("/campaigns/{campaign_id}/outcome")
async def get_outcome(campaign_id: str, actor: CurrentActor, d: AppDeps) -> dict[str, Any]:
    """The recorded outcome; before the results window closes, a provisional one from the
    actuals so far (`"provisional": true`)."""
    await _owner(d, actor, campaign_id)
    outcome = await results.outcome_of(d.pool, campaign_id)
    if outcome is not None:
        return {"campaign_id": campaign_id, **outcome, "provisional": False}
    rec = await results.campaign_record(d.pool, campaign_id)
    if rec is None or not rec.phases:
        raise Refused(Code.INVALID_STATE, f"campaign {campaign_id} has no phases: no outcome yet")
    policy = await reference.policy_for(d.pool, rec.request.year)
    rows = list((await results.stored_actuals(d.pool, campaign_id)).values())
    o = compute_outcome(policy, rec.request.forecast, rec.phases, rec.counted_days, rows, rec.request.money,
                        rec.request.mechanics)
    return {"campaign_id": campaign_id, **o.model_dump(mode="json"), "provisional": True}


@router.post("/history", response_model=Results)
async def import_history(body: dict[str, Any], actor: CurrentActor, d: AppDeps) -> Results:
    """Campaigns that already ran become completed campaigns (events + projections, no
    workflow: nothing is left to orchestrate). One result per item; a bad item changes nothing."""
    require_role(actor, "ops")
    items = body.get("campaigns")
    if not isinstance(items, list) or not items:
        raise Refused(Code.INVALID, "body must be {\"campaigns\": [...]} with at least one campaign")
    check_batch(len(items), HISTORY_PER_CALL, "campaigns")
    known = await reference.known_business_lines(d.pool)
    now = datetime.now(UTC)
    out: list[HistoryResult] = []
    for raw in items:
        rid = raw.get("request_id") if isinstance(raw, dict) else None
        line = raw.get("business_line") if isinstance(raw, dict) else None
        cid = campaign_id_for(line, rid) if isinstance(rid, str) and isinstance(line, str) else None
        try:
            item = HistoryCampaign.model_validate(raw)
            cid = campaign_id_for(item.business_line, item.request_id)
            if item.business_line not in known:
                raise Refused(Code.INVALID, f"unknown business line {item.business_line!r}")
            policy = await reference.policy_for(d.pool, item.year)
            errors = check_rows(policy, item.actuals, item.phases, local_date(policy, now))
            if errors:
                raise _invalid_rows(errors)
            request = CampaignRequest.model_validate(item.model_dump(exclude={"tier", "phases", "actuals"}))
            if await _workflow_exists(d, cid):
                out.append(HistoryResult(request_id=rid, campaign_id=cid, status="exists"))
                continue
            created = await results_cases.import_campaign(d.pool, cid, request, item.tier, item.phases,
                                                          item.actuals, actor.name, now)
            out.append(HistoryResult(request_id=rid, campaign_id=cid, status="created" if created else "exists"))
        except ValidationError as err:
            details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in err.errors()]
            message = "; ".join(f"{x['field'] or 'item'}: {x['message']}" for x in details)
            out.append(HistoryResult(request_id=rid, campaign_id=cid, status="invalid",
                                     error=error_body("invalid_request", message, details)["error"]))
        except Refused as err:
            out.append(HistoryResult(request_id=rid, campaign_id=cid, status="invalid",
                                     error=error_body(err.code, err.message, err.details)["error"]))
    return Results(results=out)


async def _workflow_exists(d: Deps, campaign_id: str) -> bool:
    try:
        await d.client.get_workflow_handle(campaign_id).describe()
        return True
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise


@router.post("/business-lines/{line}/revenue")
async def post_revenue(line: str, body: RevenueBody, actor: CurrentActor, d: AppDeps) -> dict[str, Any]:
    """Revenue outside campaigns, per day: the review adds it to the line's recorded actuals."""
    require_role(actor, "ops")
    if line not in await reference.known_business_lines(d.pool):
        raise Refused(Code.NOT_FOUND, f"no business line {line}")
    n = await results.record_line_revenue(d.pool, line, [(e.date, e.revenue) for e in body.entries], actor.name)
    return {"business_line": line, "recorded": n}

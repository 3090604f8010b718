"""Results as use cases (shared/API.md "Results and forecasts"): a campaign's actuals (one, or
many campaigns at once), the history import, a line's revenue feed.

One writer per stream: while a campaign's workflow runs it numbers the stream's events, so
actuals go through its `record_actuals` update (the validator refuses a bad batch before
anything enters history). Once no workflow owns the stream (its results window closed,
imported, or past retention) the use cases open the one transaction each write needs and
hand it to store/results.py, which checks and appends inside it under a per-campaign lock.
While the workflow closes the window (closed, outcome not yet recorded) its validator
answers `results_closing`: nothing written, send again.

Many campaigns' actuals: items of campaigns whose outcome is recorded (their workflow is
gone) go to the store as one batch in one transaction (a few statements for the whole call
instead of ~15 round trips per campaign); if that batch fails for any reason it is rolled
back and those items go one by one, so the answers are the same item by item."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
from pydantic import BaseModel, Field, ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.approvals.roles import Role
from domain.campaign import CampaignRequest, Phase, campaign_id_for
from domain.dates import local_date
from domain.results.actuals import ActualRow, check_rows, errors_message
from domain.results.outcome import compute_outcome
from domain.tiers import Tier
from services import workflows as wf
from services.access import may_see, require_role
from services.context import Engine
from services.errors import Code, Refused, problems_of
from services.limits import ACTUALS_CAMPAIGNS_PER_CALL, HISTORY_PER_CALL, check_batch
from store import reads, reference, results
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, RecordActuals

log = logging.getLogger("promoflow.services")
RECORDERS = (Role.BUSINESS_LINE, Role.OPS)  # the owning line or ops (the workflow judges which line)


class ActualsResultBody(BaseModel):
    campaign_id: str
    recorded: int
    corrected: int
    unchanged: int
    outcome_recorded: bool = False
    via: Literal["workflow", "store"] = Field(description="the live workflow, or the store for a campaign "
                                                          "whose workflow is gone")


class HistoryCampaign(CampaignRequest):
    """A campaign that already ran: the request body plus its tier, phases and actuals."""

    tier: Tier
    phases: list[Phase] = Field(min_length=1)
    actuals: list[ActualRow] = Field(default=[], max_length=400)


Answer = ActualsResultBody | Refused
Imported = Literal["created", "exists"] | Refused


def invalid_rows(errors: list[Any]) -> Refused:
    return Refused(Code.INVALID_ACTUALS, errors_message(errors), [e.model_dump() for e in errors])


async def owner_seen(pool: asyncpg.Pool, actor: Actor, campaign_id: str) -> str:
    """The campaign's line, when the caller may see it (`not_found`, `forbidden`)."""
    owner = await reads.campaign_owner(pool, campaign_id)
    if owner is None:
        raise wf.unknown_campaign(campaign_id)
    may_see(actor, owner)
    return owner


# ---------------------------------------------------------------------- the store's writes
async def record_direct(pool: asyncpg.Pool, campaign_id: str, rows: list[ActualRow], actor: str, now: datetime, *,
                        after_outcome: bool) -> results.ActualsResult | None:
    """One campaign's batch in one transaction (`after_outcome`: only once its outcome is in
    the log, the hand-off from a workflow that has just closed its window)."""
    async with pool.acquire() as conn, conn.transaction():
        return await results.record_actuals_direct(conn, campaign_id, rows, actor, now, after_outcome=after_outcome)


async def record_batch(pool: asyncpg.Pool, items: Sequence[tuple[str, list[ActualRow]]], actor: str,
                       now: datetime) -> list[results.ActualsResult | None]:
    """Many campaigns' batches in one transaction: all or nothing (a failure rolls all back)."""
    async with pool.acquire() as conn, conn.transaction():
        return await results.record_actuals_batch(conn, items, actor, now)


async def import_campaign(pool: asyncpg.Pool, campaign_id: str, request: CampaignRequest, tier: Tier,
                          phases: list[Phase], rows: list[ActualRow], actor: str, now: datetime) -> bool:
    """A campaign that already ran, as its events, in one transaction. False: it exists."""
    async with pool.acquire() as conn, conn.transaction():
        return await results.import_campaign(conn, campaign_id, request, tier, phases, rows, actor, now)


def _closing(campaign_id: str) -> Refused:
    return Refused(Code.RESULTS_CLOSING, f"the results window of {campaign_id} is closing: its outcome is "
                                         "being recorded; send the actuals again once it is")


def _stored_answer(campaign_id: str, res: results.ActualsResult | None) -> ActualsResultBody:
    """The answer to a batch the store took (or refused)."""
    if res is None:
        raise wf.unknown_campaign(campaign_id)
    if res.closing:
        raise _closing(campaign_id)
    if res.errors:
        raise invalid_rows(res.errors)
    return ActualsResultBody(campaign_id=campaign_id, recorded=res.recorded, corrected=res.corrected,
                             unchanged=res.unchanged, outcome_recorded=res.outcome, via="store")


# ---------------------------------------------------------------------- actuals
async def record(e: Engine, campaign_id: str, rows: list[ActualRow], actor: Actor) -> ActualsResultBody:
    """Through the live workflow when there is one, else through the store: after
    `results_closed` the store takes the batch only if the outcome is in the log (checked in
    its transaction, `after_outcome`); only when no workflow runs (imported, ended, past
    retention) does the store take it without one."""
    after_outcome = True
    if await results.outcome_of(e.pool, campaign_id) is None:
        try:
            answer = await wf.campaign(e, campaign_id).execute_update(
                CampaignWorkflow.record_actuals, RecordActuals(actor=actor, rows=rows))
            return ActualsResultBody(**answer.model_dump(), via="workflow")
        except WorkflowUpdateFailedError as err:
            refused = wf.refusal(err, passed=frozenset({"results_closed"}))
            if refused is not None:
                raise refused from err
            if getattr(err.cause, "type", None) != "results_closed":
                raise
        except RPCError as err:  # no running workflow (ended, imported, or past retention)
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            after_outcome = False
    res = await record_direct(e.pool, campaign_id, rows, actor.name, datetime.now(UTC), after_outcome=after_outcome)
    return _stored_answer(campaign_id, res)


async def record_actuals(e: Engine, actor: Actor, campaign_id: str, rows: list[ActualRow]) -> ActualsResultBody:
    """One campaign's actuals, by its owning line or ops."""
    require_role(actor, *RECORDERS)
    await owner_seen(e.pool, actor, campaign_id)
    return await record(e, campaign_id, rows, actor)


async def record_many(e: Engine, actor: Actor, items: Sequence[tuple[str, list[ActualRow]]]) -> list[Answer]:
    """Many campaigns' actuals, one answer per item as `record_actuals` would give it: 404 /
    403 from the owners read once for the call; campaigns with a recorded outcome as one
    store batch; the others one by one (the live workflow first). A call over its caps
    (campaigns, the policy's rows) is refused whole before anything is read."""
    require_role(actor, *RECORDERS)
    check_batch(len(items), ACTUALS_CAMPAIGNS_PER_CALL, "campaigns")
    policy = await reference.policy_for(e.pool, datetime.now(UTC).year)
    check_batch(sum(len(rows) for _, rows in items), policy.results.max_rows, "actuals rows")
    known = await results.owners_and_outcomes(e.pool, [cid for cid, _ in items])
    answers: list[Answer | None] = [None] * len(items)
    batch: list[int] = []
    for n, (cid, _) in enumerate(items):
        owner, has_outcome = known.get(cid, (None, False))
        try:
            if owner is None:
                raise wf.unknown_campaign(cid)
            may_see(actor, owner)
        except Refused as err:
            answers[n] = err
            continue
        if has_outcome:
            batch.append(n)
    if batch:
        for n, answer in zip(batch, await _store_batch(e, [items[n] for n in batch], actor), strict=True):
            answers[n] = answer
    out: list[Answer] = []
    for n, (cid, rows) in enumerate(items):
        answer = answers[n]
        if answer is None:  # a live workflow may own it (or the batch fell back): one by one
            try:
                answer = await record(e, cid, rows, actor)
            except Refused as err:
                answer = err
        out.append(answer)
    return out


async def _store_batch(e: Engine, items: list[tuple[str, list[ActualRow]]], actor: Actor) -> list[Answer | None]:
    """The items as one store batch, one transaction; all None when it failed and was
    rolled back (the caller then sends them one by one, the path that gives the answers)."""
    try:
        res = await record_batch(e.pool, items, actor.name, datetime.now(UTC))
    except Exception:  # noqa: BLE001 - whatever went wrong, the one-by-one path decides the answers
        log.warning("actuals batch of %d campaigns rolled back, recording them one by one", len(items),
                    exc_info=True)
        return [None] * len(items)
    answers: list[Answer | None] = []
    for (cid, _), r in zip(items, res, strict=True):
        try:
            answers.append(_stored_answer(cid, r))
        except Refused as err:
            answers.append(err)
    return answers


async def outcome(e: Engine, actor: Actor, campaign_id: str) -> dict[str, Any]:
    """The recorded outcome; before the results window closes, a provisional one from the
    actuals so far (`"provisional": true`)."""
    await owner_seen(e.pool, actor, campaign_id)
    recorded = await results.outcome_of(e.pool, campaign_id)
    if recorded is not None:
        return {"campaign_id": campaign_id, **recorded, "provisional": False}
    rec = await results.campaign_record(e.pool, campaign_id)
    if rec is None or not rec.phases:
        raise Refused(Code.INVALID_STATE, f"campaign {campaign_id} has no phases: no outcome yet")
    policy = await reference.policy_for(e.pool, rec.request.year)
    rows = list((await results.stored_actuals(e.pool, campaign_id)).values())
    o = compute_outcome(policy, rec.request.forecast, rec.phases, rec.counted_days, rows, rec.request.money,
                        rec.request.mechanics)
    return {"campaign_id": campaign_id, **o.model_dump(mode="json"), "provisional": True}


# ---------------------------------------------------------------------- history, revenue
def history_ids(raw: Any) -> tuple[str | None, str | None]:
    """The request id and campaign id an item names, as far as it can be read."""
    rid = raw.get("request_id") if isinstance(raw, dict) else None
    line = raw.get("business_line") if isinstance(raw, dict) else None
    cid = campaign_id_for(line, rid) if isinstance(rid, str) and isinstance(line, str) else None
    return (rid if isinstance(rid, str) else None), cid


async def import_history(e: Engine, actor: Actor, body: dict[str, Any]) -> list[tuple[Any, Imported]]:
    """Campaigns that already ran become completed campaigns (events + projections, no
    workflow: nothing is left to orchestrate). One answer per item (the raw item beside it);
    a bad item changes nothing."""
    require_role(actor, Role.OPS)
    items = body.get("campaigns")
    if not isinstance(items, list) or not items:
        raise Refused(Code.INVALID, "body must be {\"campaigns\": [...]} with at least one campaign")
    check_batch(len(items), HISTORY_PER_CALL, "campaigns")
    known = await reference.known_business_lines(e.pool)
    now = datetime.now(UTC)
    out: list[tuple[Any, Imported]] = []
    for raw in items:
        try:
            item = HistoryCampaign.model_validate(raw)
            cid = campaign_id_for(item.business_line, item.request_id)
            if item.business_line not in known:
                raise Refused(Code.INVALID, f"unknown business line {item.business_line!r}")
            policy = await reference.policy_for(e.pool, item.year)
            errors = check_rows(policy, item.actuals, item.phases, local_date(policy, now))
            if errors:
                raise invalid_rows(errors)
            request = CampaignRequest.model_validate(item.model_dump(exclude={"tier", "phases", "actuals"}))
            if await wf.exists(wf.campaign(e, cid)):
                out.append((raw, "exists"))
                continue
            created = await import_campaign(e.pool, cid, request, item.tier, item.phases, item.actuals, actor.name,
                                            now)
            out.append((raw, "created" if created else "exists"))
        except ValidationError as err:
            details = problems_of(err)
            message = "; ".join(f"{x['field'] or 'item'}: {x['message']}" for x in details)
            out.append((raw, Refused(Code.INVALID, message, details)))
        except Refused as err:
            out.append((raw, err))
    return out


async def record_revenue(e: Engine, actor: Actor, line: str, entries: list[tuple[Any, float]]) -> int:
    """Revenue outside campaigns, per day (ops): the review adds it to the line's recorded actuals."""
    require_role(actor, Role.OPS)
    if line not in await reference.known_business_lines(e.pool):
        raise Refused(Code.NOT_FOUND, f"no business line {line}")
    return await results.record_line_revenue(e.pool, line, entries, actor.name)

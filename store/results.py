"""Results in the store: actuals and outcomes of campaigns whose workflow is gone, the
history import, and the reads the review, the API and the report need.

A live campaign's events are numbered by its workflow (the workflow owns `seq`). A
campaign whose workflow has ended (its results window closed, it was imported, or the
server's retention dropped it) has no such owner any more, so here the next `seq` is
taken inside the appending transaction under a per-campaign advisory lock: two writers
of one stream queue on the lock and the gapless, unique (campaign_id, seq) stays the
last guard. The rules are the same pure functions the workflow calls.

`record_actuals_batch` does the same for many campaigns in one transaction (the bulk
import): the locks in one statement, the records and stored days in a few queries, the
events in one and their projections in a few, then a check that every stream ends at
the seq given; a caller that sees it fail rolls back and goes one campaign at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from pydantic import TypeAdapter

from domain import events as ev
from domain.campaign import CampaignRequest, Phase
from domain.campaign_fold import SHAPING, CampaignFold, fold
from domain.dates import local_date
from domain.policy import Policy
from domain.results import events as results_ev
from domain.results.actuals import ActualRow, RowError, check_rows, own_days, split_batch
from domain.results.forecast import PastResult
from domain.results.outcome import compute_outcome
from domain.results.report import ReportItem
from domain.tiers import Tier
from store import eventstore, projections, reference, results_projection

_LOCK_SPACE = 2  # pg_advisory_xact_lock(2, hashtext(campaign_id)): one stream's direct writers


@dataclass
class CampaignRecord:
    """What results need of one campaign: its fold's request (as last amended), tier,
    phases and counted days, with its status, last seq and whether its outcome is recorded."""

    campaign_id: str
    request: CampaignRequest
    business_line: str
    status: str
    tier: Tier | None
    phases: list[Phase]
    counted_days: int
    last_seq: int
    has_outcome: bool

    @classmethod
    def of(cls, state: CampaignFold) -> CampaignRecord:
        return cls(state.campaign_id, state.request, state.business_line, state.status.value, state.tier,
                   list(state.phases), state.counted_days, state.last_seq, state.outcome_recorded)


async def campaign_record(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: str) -> CampaignRecord | None:
    """The record from the fold of the whole stream (None: no such campaign)."""
    state = fold(stored.to_event() for stored in await eventstore.read_stream(conn, campaign_id))
    return None if state is None else CampaignRecord.of(state)


async def campaign_records(conn: asyncpg.Connection, campaign_ids: Sequence[str]) -> dict[str, CampaignRecord]:
    """`campaign_record` of many campaigns in two queries, without parsing their whole
    streams (a bulk import's streams are mostly actuals): the fold reads only the events
    that shape request, tier, phases and counted days (`campaign_fold.SHAPING`), and SQL
    gives the last seq, the outcome flag and the status (the projection the fold agrees
    with). Absent: no such campaign (as `campaign_record` returning None)."""
    ids = list(campaign_ids)
    picked = await eventstore.read_types(conn, ids, sorted(SHAPING))
    rows = await conn.fetch(
        """SELECT u.id, c.status,
                  (SELECT max(seq) FROM events e WHERE e.campaign_id = u.id) AS last_seq,
                  (SELECT max(seq) FROM events e WHERE e.campaign_id = u.id AND e.type = 'CampaignOutcome')
                      AS outcome_seq
           FROM unnest($1::text[]) AS u(id) LEFT JOIN campaigns c ON c.campaign_id = u.id""", ids)
    out: dict[str, CampaignRecord] = {}
    for r in rows:
        state = fold(stored.to_event() for stored in picked.get(r["id"], []))
        if state is None:
            continue
        rec = CampaignRecord.of(state)
        rec.last_seq = r["last_seq"]
        rec.has_outcome = r["outcome_seq"] is not None and r["outcome_seq"] > state.history[0].seq
        rec.status = r["status"] or ""
        out[r["id"]] = rec
    return out


async def stored_actuals(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: str) -> dict[date, ActualRow]:
    rows = await conn.fetch("SELECT day, traffic, orders, gmv, gross_profit, promotion_cost, paid_traffic "
                            "FROM campaign_actuals WHERE campaign_id = $1 ORDER BY day", campaign_id)
    return {r["day"]: _row(r) for r in rows}


def _row(r: asyncpg.Record) -> ActualRow:
    return ActualRow(date=r["day"], traffic=r["traffic"], orders=r["orders"], gmv=r["gmv"],
                     gross_profit=r["gross_profit"], promotion_cost=r["promotion_cost"], paid_traffic=r["paid_traffic"])


async def append_direct(conn: asyncpg.Connection, campaign_id: str, bodies: list[ev.EventBody], actor: str,
                        reason: str | None, at: datetime, *, locked: bool = False) -> int:
    """Append at the stream's next seqs (no workflow owns it), with projections; returns the last seq."""
    if not locked:
        await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _LOCK_SPACE, campaign_id)
    seq = await conn.fetchval("SELECT COALESCE(max(seq), 0) FROM events WHERE campaign_id = $1", campaign_id)
    for body in bodies:
        seq += 1
        event = ev.Event(campaign_id=campaign_id, seq=seq, at=at, actor=actor, reason=reason, body=body)
        position = await eventstore.append(conn, event)
        assert position is not None
        await projections.apply(conn, event, position)
    return seq


def outcome_event(policy: Policy, rec: CampaignRecord, rows: list[ActualRow]) -> results_ev.CampaignOutcome:
    span = own_days(rec.phases)
    outcome = compute_outcome(policy, rec.request.forecast, rec.phases, rec.counted_days, rows,
                              rec.request.money, rec.request.mechanics)
    return results_ev.CampaignOutcome(outcome=outcome, days=(span[1] - span[0]).days if span else 0)


@dataclass
class ActualsResult:
    recorded: int = 0
    corrected: int = 0
    unchanged: int = 0
    errors: list[RowError] | None = None
    outcome: bool = False
    closing: bool = False  # refused, nothing stored: the stream has no outcome and a workflow may still own it


def _decide(policy: Policy, rec: CampaignRecord, stored: dict[date, ActualRow],
            rows: list[ActualRow]) -> tuple[ActualsResult, list[ev.EventBody], dict[date, ActualRow]]:
    """What a checked batch changes: its counts, its events (new days, corrections, and a
    completed campaign's outcome again when its figures moved) and the stored days after it."""
    new, changed = split_batch(stored, rows)
    result = ActualsResult(recorded=len(new), corrected=len(changed), unchanged=len(rows) - len(new) - len(changed))
    bodies: list[ev.EventBody] = []
    if new:
        bodies.append(results_ev.ActualsRecorded(rows=new))
    if changed:
        bodies.append(results_ev.ActualsCorrected(corrections=changed))
    merged = {**stored, **{r.date: r for r in new}, **{c.new.date: c.new for c in changed}}
    if bodies and rec.status == "completed":
        bodies.append(outcome_event(policy, rec, sorted(merged.values(), key=lambda r: r.date)))
        result.outcome = True
    return result, bodies, merged


async def record_actuals_direct(conn: asyncpg.Connection, campaign_id: str, rows: list[ActualRow], actor: str,
                                now: datetime, today: date | None = None, *,
                                after_outcome: bool = False) -> ActualsResult | None:
    """Check and store a batch for a campaign without a live workflow, in the caller's
    transaction; a completed campaign's outcome is recorded again when its figures moved.
    None: no such campaign. `errors` set: nothing stored.

    `after_outcome`: the caller knows a workflow ran the campaign's results window (it
    answered `results_closed`, or the outcome was read), so the stream is this path's only
    once it holds the CampaignOutcome: checked here, under the stream's lock, in this
    transaction. Until that event is in the log the workflow is still closing the window and
    will append it at the seq it owns: `closing` set, nothing stored (one writer per stream)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _LOCK_SPACE, campaign_id)
    rec = await campaign_record(conn, campaign_id)
    if rec is None:
        return None
    if after_outcome and not rec.has_outcome:
        return ActualsResult(closing=True)
    policy = await reference.policy_for(conn, rec.request.year)
    errors = check_rows(policy, rows, rec.phases, today or local_date(policy, now))
    if errors:
        return ActualsResult(errors=errors)
    stored = await stored_actuals(conn, campaign_id)
    result, bodies, _ = _decide(policy, rec, stored, rows)
    if bodies:
        await append_direct(conn, campaign_id, bodies, actor, None, now, locked=True)
    return result


class BatchMismatch(RuntimeError):
    """A stream does not end where the batch put its events: the caller rolls back."""


async def lock_streams(conn: asyncpg.Connection, campaign_ids: Iterable[str]) -> None:
    """The direct writers' lock of each of these streams, in one statement. Taken in the
    order of the lock keys, so two batches never wait on each other in a cycle (even
    when two ids share a key); a single-stream writer holds one key only."""
    await conn.execute(
        """SELECT pg_advisory_xact_lock($1, k)
           FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($2::text[]) AS id ORDER BY k) AS keys""",
        _LOCK_SPACE, sorted(set(campaign_ids)))


async def stored_actuals_many(conn: asyncpg.Connection | asyncpg.Pool,
                              campaign_ids: Sequence[str]) -> dict[str, dict[date, ActualRow]]:
    """`stored_actuals` of many campaigns in one query (absent: nothing stored).

    A bulk import reads back as many days as it sends, so each campaign's days come as one
    JSON array, parsed and validated in one call (a third of the time of a model per record
    row; a row made JSON as a whole costs PostgreSQL less than `json_build_object`).
    PostgreSQL writes each float8 in its shortest exact form, so the figures are the stored
    ones to the bit."""
    rows = await conn.fetch(
        """SELECT campaign_id,
                  json_agg((SELECT d FROM (SELECT a.day AS date, a.traffic, a.orders, a.gmv, a.gross_profit,
                                                  a.promotion_cost, a.paid_traffic) d)
                           ORDER BY a.day)::text AS days
           FROM campaign_actuals a WHERE campaign_id = ANY($1::text[]) GROUP BY campaign_id""", list(campaign_ids))
    return {r["campaign_id"]: {row.date: row for row in _DAYS.validate_json(r["days"])} for r in rows}


_DAYS = TypeAdapter(list[ActualRow])


async def record_actuals_batch(conn: asyncpg.Connection, items: Sequence[tuple[str, list[ActualRow]]], actor: str,
                               now: datetime, today: date | None = None) -> list[ActualsResult | None]:
    """`record_actuals_direct` for many (campaign, rows) items at once, in the caller's
    transaction, with its answer for each item in order (None: no such campaign; `errors`
    set: nothing stored for that item). An item sees what earlier items of the same
    campaign stored, as one call after the other would.

    Every stream is locked first (one statement), the records and stored days of all the
    campaigns are read in three queries, each item is checked and decided by the same
    pure functions, then all events go in with one statement (`append_many`, with their
    outbox rows) and their projections with a few (`results_projection.apply_many`).
    Before those projections one query checks that every stream ends at the seq given
    here; if not (or the gap rule held an event back), BatchMismatch: the caller rolls
    back (and goes item by item)."""
    recs = await _locked_records(conn, [cid for cid, _ in items])
    stored = await stored_actuals_many(conn, list(recs))
    policies: dict[int, Policy] = {}
    seqs = {cid: rec.last_seq for cid, rec in recs.items()}
    events: list[ev.Event] = []
    out: list[ActualsResult | None] = []
    for cid, rows in items:
        rec = recs.get(cid)
        if rec is None:
            out.append(None)
            continue
        year = rec.request.year
        if year not in policies:
            policies[year] = await reference.policy_for(conn, year)
        policy = policies[year]
        errors = check_rows(policy, rows, rec.phases, today or local_date(policy, now))
        if errors:
            out.append(ActualsResult(errors=errors))
            continue
        result, bodies, stored[cid] = _decide(policy, rec, stored.get(cid, {}), rows)
        for body in bodies:
            seqs[cid] += 1
            events.append(ev.Event(campaign_id=cid, seq=seqs[cid], at=now, actor=actor, reason=None, body=body))
        out.append(result)
    if not events:
        return out
    positions = await eventstore.append_many(conn, events)
    ends = {e.campaign_id: e.seq for e in events}
    found = await eventstore.last_seqs(conn, list(ends))
    if None in positions or found != ends:
        held = [f"{e.campaign_id}:{e.seq}" for e, p in zip(events, positions, strict=True) if p is None]
        raise BatchMismatch(f"streams end at {_diff(found, ends)} instead of the seqs this batch gave them; "
                            f"events the gap rule held back: {held}")
    await results_projection.apply_many(conn, events)
    return out


async def _locked_records(conn: asyncpg.Connection, campaign_ids: Iterable[str]) -> dict[str, CampaignRecord]:
    ids = sorted(set(campaign_ids))
    await lock_streams(conn, ids)
    return await campaign_records(conn, ids)


def _diff(found: dict[str, int], expected: dict[str, int]) -> dict[str, int | None]:
    return {cid: found.get(cid) for cid, seq in expected.items() if found.get(cid) != seq}


async def import_campaign(conn: asyncpg.Connection, campaign_id: str, request: CampaignRequest, tier: Tier,
                          phases: list[Phase], rows: list[ActualRow], actor: str, now: datetime) -> bool:
    """A campaign that already ran, written as its events (submitted, approved, month,
    phases, completed, actuals, outcome) in one transaction. False: the stream exists."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _LOCK_SPACE, campaign_id)
    if await conn.fetchval("SELECT 1 FROM events WHERE campaign_id = $1 AND seq = 1", campaign_id):
        return False
    policy = await reference.policy_for(conn, request.year)
    counted = policy.rule(tier).counted_days
    bodies: list[ev.EventBody] = [
        ev.CampaignSubmitted(request=request, owner=actor),
        ev.CampaignApproved(tier=tier),
        ev.MonthReserved(month=request.month, tier=tier, category=request.category, counted_days=counted,
                         hot_topic=request.hot_topic, phases=phases),
    ]
    for p in phases:
        bodies += [ev.PhaseStarted(phase=p.phase), ev.PhaseEnded(phase=p.phase)]
    bodies.append(ev.CampaignCompleted())
    if rows:
        bodies.append(results_ev.ActualsRecorded(rows=sorted(rows, key=lambda r: r.date)))
    rec = CampaignRecord(campaign_id, request, request.business_line, "completed", tier, phases, counted, 0, False)
    bodies.append(outcome_event(policy, rec, sorted(rows, key=lambda r: r.date)))
    await append_direct(conn, campaign_id, bodies, actor, "imported: ran before promoflow", now, locked=True)
    return True


# ---------------------------------------------------------------------- reads
async def outcome_of(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: str) -> dict[str, Any] | None:
    return await conn.fetchval("SELECT outcome FROM campaign_outcomes WHERE campaign_id = $1", campaign_id)


async def owners_and_outcomes(conn: asyncpg.Connection | asyncpg.Pool,
                              campaign_ids: Sequence[str]) -> dict[str, tuple[str, bool]]:
    """Each known campaign's business line (`reads.campaign_owner`) and whether its outcome
    is recorded (`outcome_of` is not None: its workflow is gone), in one query."""
    rows = await conn.fetch(
        """SELECT c.campaign_id, c.business_line, o.campaign_id IS NOT NULL AS has_outcome
           FROM campaigns c LEFT JOIN campaign_outcomes o USING (campaign_id)
           WHERE c.campaign_id = ANY($1::text[])""", sorted(set(campaign_ids)))
    return {r["campaign_id"]: (r["business_line"], r["has_outcome"]) for r in rows}


async def past_results(conn: asyncpg.Connection | asyncpg.Pool, business_line: str) -> list[PastResult]:
    rows = await conn.fetch(
        """SELECT campaign_id, business_line, tier, month, traffic::bigint AS traffic, orders, sales AS gmv
           FROM campaign_outcomes WHERE business_line = $1 ORDER BY month, campaign_id""", business_line)
    return [PastResult(**dict(r)) for r in rows]


async def line_revenue(conn: asyncpg.Connection | asyncpg.Pool, business_line: str,
                       today: date) -> tuple[float | None, float | None]:
    """The line's recorded revenue this year up to today and this month (actuals plus the
    revenue feed); None where nothing is recorded."""
    year_start, month_start = date(today.year, 1, 1), today.replace(day=1)
    row = await conn.fetchrow(
        """WITH days AS (
               SELECT day, gmv AS revenue FROM campaign_actuals
                WHERE business_line = $1 AND day >= $2 AND day <= $3
               UNION ALL
               SELECT day, revenue FROM line_revenue WHERE business_line = $1 AND day >= $2 AND day <= $3)
           SELECT count(*) AS n, sum(revenue) AS annual,
                  sum(revenue) FILTER (WHERE day >= $4) AS month, count(*) FILTER (WHERE day >= $4) AS m
           FROM days""", business_line, year_start, today, month_start)
    if not row["n"]:
        return None, None
    return float(row["annual"]), (float(row["month"]) if row["m"] else None)


async def record_line_revenue(conn: asyncpg.Connection | asyncpg.Pool, business_line: str,
                              entries: list[tuple[date, float]], actor: str) -> int:
    await conn.executemany(
        """INSERT INTO line_revenue (business_line, day, revenue, recorded_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (business_line, day) DO UPDATE SET revenue = EXCLUDED.revenue,
               recorded_by = EXCLUDED.recorded_by, recorded_at = now()""",
        [(business_line, d, v, actor) for d, v in entries])
    return len(entries)


async def report_items(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> list[ReportItem]:
    """The year's outcomes as report items. Thousands of outcomes of a few kB each: they come
    as one JSON array that one `TypeAdapter` call parses and validates (in Rust), instead of
    a `json.loads` and a model validation per row (the report's target: 1 s for 2,000)."""
    text = await conn.fetchval(
        """SELECT COALESCE(json_agg((SELECT i FROM (SELECT o.campaign_id, o.name, o.business_line, o.tier, o.month,
                                                           o.days, o.outcome) i)), '[]')::text
           FROM campaign_outcomes o WHERE o.year = $1""", year)
    return _REPORT_ITEMS.validate_json(text)


_REPORT_ITEMS = TypeAdapter(list[ReportItem])

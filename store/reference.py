"""Reference data the engine holds: business-line context, policy overrides, catalog.

The policy overrides, the business lines and the webhook subscriptions are projections of
their streams (store/reference_projection.py): `record` is how they change, an event
appended with its fold in one transaction; the reads here read the projections."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from domain import reference_events as refev
from domain.approvals.people import SYSTEM
from domain.events import Event
from domain.policy import Policy
from domain.scoring import BusinessLineContext
from store import eventstore, projections
from store.eventstore import EventConflict, StoredEvent

_LINE = ("business_line, strategic_weight, annual_target, annual_progress, month_revenue, month_revenue_norm")


async def seed(conn: asyncpg.Connection, policy: Policy) -> None:
    """Seed demo business lines (each a `BusinessLineChanged` at seq 1 of its stream, so a
    rebuild gives them back) and the resource units from policy defaults. Idempotent: a
    line that has a stream keeps it (an operator's changes stay), new units are added."""
    have = await eventstore.last_seqs(conn, [refev.line_stream(b) for b in policy.business_lines])
    now = datetime.now(UTC)
    for b in policy.business_lines.values():
        if refev.line_stream(b.business_line) in have:
            continue
        changes = b.model_dump(include={"strategic_weight", "annual_target", "annual_progress", "month_revenue",
                                        "month_revenue_norm"})
        event = Event(campaign_id=refev.line_stream(b.business_line), seq=1, at=now, actor=SYSTEM,
                      reason="seeded from the policy defaults", body=refev.BusinessLineChanged(changes=changes))
        try:
            await record(conn, event)
        except EventConflict:
            pass  # seeded at the same moment by another process
    await conn.executemany(
        "INSERT INTO resource_units (resource, unit) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(r.key, u) for r in policy.resources for u in range(1, r.units + 1)],
    )


async def overrides_for(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> dict:
    return refev.without_retired(
        await conn.fetchval("SELECT overrides FROM policy_overrides WHERE year = $1", year) or {})


async def policy_for(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> Policy:
    return Policy.for_year(year, await overrides_for(conn, year))


async def record(conn: asyncpg.Connection | asyncpg.Pool, event: Event) -> bool:
    """Append a reference event and fold it, in one transaction. False when this very event
    is in the log already (a retry); `EventConflict` when another took its seq."""
    if isinstance(conn, asyncpg.Pool):
        async with conn.acquire() as c:
            return await record(c, event)
    async with conn.transaction():
        return await projections.record(conn, event) is not None


class PolicyKeptChanging(Exception):
    """Other changes of the year's policy kept taking the next seq: send the change again."""


POLICY_ATTEMPTS = 10  # tries of a change against concurrent ones before PolicyKeptChanging


async def change_policy(pool: asyncpg.Pool, year: int, changes: dict[str, Any], reason: str, actor: str,
                        actor_id: str | None, merge: Callable[[dict[str, Any]], dict[str, Any]]
                        ) -> tuple[dict[str, Any], int]:
    """Record `changes` as a `PolicyOverridden` on top of the overrides in force: `merge`
    judges them against those overrides (it raises to refuse: nothing recorded) and gives the
    overrides after them. A change that changes nothing records nothing (a retry is
    harmless); one that lost its seq to a concurrent change is judged again on top of it.
    The overrides after, and the stream's version."""
    for _ in range(POLICY_ATTEMPTS):
        overrides, version = await policy_state(pool, year)
        merged = merge(overrides)
        if merged == overrides:
            return overrides, version
        event = Event(campaign_id=refev.policy_stream(year), seq=version + 1, at=datetime.now(UTC), actor=actor,
                      reason=reason, body=refev.PolicyOverridden(changes=changes, actor_id=actor_id))
        try:
            await record(pool, event)
        except EventConflict:
            continue
        return merged, version + 1
    raise PolicyKeptChanging(f"the {year} policy kept changing while this change was recorded; send it again")


async def policy_state(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> tuple[dict, int]:
    """The year's overrides and the last seq of `policy-<year>` folded into them, read together."""
    row = await conn.fetchrow("SELECT overrides, version FROM policy_overrides WHERE year = $1", year)
    return (refev.without_retired(row["overrides"]), row["version"]) if row else ({}, 0)


async def stream(conn: asyncpg.Connection | asyncpg.Pool, stream_id: str) -> list[StoredEvent]:
    """A reference stream's events in seq order (its history)."""
    return await eventstore.read_stream(conn, stream_id)


async def line_state(conn: asyncpg.Connection | asyncpg.Pool, name: str) -> tuple[BusinessLineContext, int] | None:
    """The line's context and the last seq of `line-<line>` folded into it."""
    row = await conn.fetchrow(f"SELECT {_LINE}, version FROM business_lines WHERE business_line = $1", name)
    if row is None:
        return None
    values = dict(row)
    version = values.pop("version")
    return BusinessLineContext(**values), version


async def lines_state(conn: asyncpg.Connection | asyncpg.Pool) -> list[tuple[BusinessLineContext, int]]:
    rows = await conn.fetch(f"SELECT {_LINE}, version FROM business_lines ORDER BY business_line")
    return [(BusinessLineContext(**{k: r[k] for k in r.keys() if k != "version"}), r["version"]) for r in rows]


async def business_line(conn: asyncpg.Connection | asyncpg.Pool, name: str) -> BusinessLineContext | None:
    row = await conn.fetchrow(f"SELECT {_LINE} FROM business_lines WHERE business_line = $1", name)
    return BusinessLineContext(**dict(row)) if row else None


async def known_business_lines(conn: asyncpg.Connection | asyncpg.Pool) -> set[str]:
    return {r["business_line"] for r in await conn.fetch("SELECT business_line FROM business_lines")}


async def business_lines(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, BusinessLineContext]:
    """Every line's context (the planner's input)."""
    rows = await conn.fetch(f"SELECT {_LINE} FROM business_lines")
    return {r["business_line"]: BusinessLineContext(**dict(r)) for r in rows}

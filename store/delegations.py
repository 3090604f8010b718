"""Delegations: granted and revoked as events (stream `delegation-<id>`), read from their
projection. A delegation is not part of a campaign's life and needs no orchestration, so
the API appends its event here in one transaction with its projection (the same
`append` + `apply` the activities use), instead of starting a workflow for one write."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from domain import events as ev
from domain.assignment import Delegation
from store import projections
from store.eventstore import EventConflict

_COLUMNS = 'id, from_name, from_role, from_line, to_name AS "to", starts, ends, revoked_at IS NOT NULL AS revoked'


def stream(delegation_id: str) -> str:
    return f"delegation-{delegation_id}"


async def _write(pool: asyncpg.Pool, event: ev.Event) -> None:
    async with pool.acquire() as conn:
        await projections.record(conn, event)


async def grant(pool: asyncpg.Pool, *, from_name: str, from_role: str, from_line: str | None, to: str,
                starts: date, ends: date, at: datetime) -> Delegation:
    did = uuid.uuid4().hex[:12]
    body = ev.DelegationGranted(delegation_id=did, from_name=from_name, from_role=from_role, from_line=from_line,
                                to=to, starts=starts, ends=ends)
    await _write(pool, ev.Event(campaign_id=stream(did), seq=1, at=at, actor=from_name, body=body))
    return Delegation(id=did, from_name=from_name, from_role=from_role, from_line=from_line, to=to, starts=starts,
                      ends=ends)


async def revoke(pool: asyncpg.Pool, delegation_id: str, actor: str, at: datetime) -> bool:
    """Revoke: True when this call did, False when the delegation was revoked already (one
    guarded write: the revoke is seq 2 of the stream, and each revoke a distinct event, so
    of concurrent revokes exactly one appends and the others conflict)."""
    body = ev.DelegationRevoked(delegation_id=delegation_id, revocation_id=uuid.uuid4().hex)
    try:
        await _write(pool, ev.Event(campaign_id=stream(delegation_id), seq=2, at=at, actor=actor, body=body))
    except EventConflict:
        return False
    return True


async def get(pool: asyncpg.Pool | asyncpg.Connection, delegation_id: str) -> Delegation | None:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM delegations WHERE id = $1", delegation_id)
    return Delegation.model_validate(dict(row)) if row else None


async def listed(pool: asyncpg.Pool | asyncpg.Connection, name: str | None = None) -> list[Delegation]:
    """Every delegation (name None), or those given or received by `name`."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM delegations WHERE $1::text IS NULL OR from_name = $1 OR to_name = $1 "
        "ORDER BY starts, id", name)
    return [Delegation.model_validate(dict(r)) for r in rows]


async def active(pool: asyncpg.Pool | asyncpg.Connection, day: date, to: str | None = None) -> list[Delegation]:
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM delegations WHERE revoked_at IS NULL AND starts <= $1 AND ends >= $1 "
        "AND ($2::text IS NULL OR to_name = $2) ORDER BY starts, id", day, to)
    return [Delegation.model_validate(dict(r)) for r in rows]

"""Delegations: granted and revoked as events (stream `delegation-<id>`), read from their
projection. A delegation is not part of a campaign's life and needs no orchestration, so
the API appends its event here in one transaction with its projection (the same
`append` + `apply` the activities use), instead of starting a workflow for one write.

Delegations match identities (`Actor.actor_id`): the projection's `from_name` and `to_name`
columns hold the delegator's and the delegate's identity (a tokens-file name, or an SSO
`<issuer>|<sub>`); the delegator's name as people read it is the grant event's (seq 1)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from domain import events as ev
from domain.approvals.assignment import Delegation
from domain.approvals.events import DelegationGranted, DelegationRevoked
from store import projections
from store.eventstore import EventConflict

_FROM = ("delegations d LEFT JOIN events g ON g.campaign_id = 'delegation-' || d.id AND g.seq = 1")
_COLUMNS = ("d.id, coalesce(g.data->>'from_name', d.from_name) AS from_name, d.from_name AS from_id, d.from_role, "
            'd.from_line, d.to_name AS "to", d.starts, d.ends, d.revoked_at IS NOT NULL AS revoked')


def stream(delegation_id: str) -> str:
    return f"delegation-{delegation_id}"


async def _write(pool: asyncpg.Pool, event: ev.Event) -> None:
    async with pool.acquire() as conn:
        await projections.record(conn, event)


async def grant(pool: asyncpg.Pool, *, from_name: str, from_role: str, from_line: str | None, to: str,
                starts: date, ends: date, at: datetime, from_id: str | None = None) -> Delegation:
    """`from_id`: the delegator's identity (None: the name); `to`: the delegate's identity."""
    did = uuid.uuid4().hex[:12]
    body = DelegationGranted(delegation_id=did, from_name=from_name, from_role=from_role, from_line=from_line,
                             to=to, starts=starts, ends=ends, from_id=from_id or from_name)
    await _write(pool, ev.Event(campaign_id=stream(did), seq=1, at=at, actor=from_name, body=body))
    return Delegation(id=did, from_name=from_name, from_id=from_id or from_name, from_role=from_role,
                      from_line=from_line, to=to, starts=starts, ends=ends)


async def revoke(pool: asyncpg.Pool, delegation_id: str, actor: str, at: datetime, by_id: str | None = None) -> bool:
    """Revoke: True when this call did, False when the delegation was revoked already (one
    guarded write: the revoke is seq 2 of the stream, and each revoke a distinct event, so
    of concurrent revokes exactly one appends and the others conflict). `actor` is the
    revoker's name, `by_id` their identity."""
    body = DelegationRevoked(delegation_id=delegation_id, revocation_id=uuid.uuid4().hex, by_id=by_id or actor)
    try:
        await _write(pool, ev.Event(campaign_id=stream(delegation_id), seq=2, at=at, actor=actor, body=body))
    except EventConflict:
        return False
    return True


async def get(pool: asyncpg.Pool | asyncpg.Connection, delegation_id: str) -> Delegation | None:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM {_FROM} WHERE d.id = $1", delegation_id)
    return Delegation.model_validate(dict(row)) if row else None


async def listed(pool: asyncpg.Pool | asyncpg.Connection, actor_id: str | None = None) -> list[Delegation]:
    """Every delegation (actor_id None), or those given or received by this identity."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE $1::text IS NULL OR d.from_name = $1 OR d.to_name = $1 "
        "ORDER BY d.starts, d.id", actor_id)
    return [Delegation.model_validate(dict(r)) for r in rows]


async def active(pool: asyncpg.Pool | asyncpg.Connection, day: date, to: str | None = None) -> list[Delegation]:
    """Active on `day` (to: held by this identity)."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE d.revoked_at IS NULL AND d.starts <= $1 AND d.ends >= $1 "
        "AND ($2::text IS NULL OR d.to_name = $2) ORDER BY d.starts, d.id", day, to)
    return [Delegation.model_validate(dict(r)) for r in rows]

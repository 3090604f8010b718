"""Delegations (shared/API.md) as use cases: a principal hands their authority to someone
for a date window (policy time zone, both days included): a leader to anyone they name, an
approver to another approver (the policy's `delegation` rule). Granted and revoked as
events of stream `delegation-<id>` (store/delegations.py appends them), listed.

Who is who is by identity (`Actor.actor_id`): `to` is a tokens-file name or an SSO
`<issuer>|<sub>`, and a principal's own delegations are those of its identity, not of its
name. `known` looks a tokens-file name up (the API's token book): the delegate's role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import asyncpg

from domain.approvals.assignment import Delegation
from domain.approvals.roles import DECIDERS, Role
from domain.dates import local_date
from services.access import require_role
from services.errors import Code, Refused
from store import delegations, reference
from workflows.messages import Actor

Lookup = Callable[[str], Actor | None]


async def today(pool: asyncpg.Pool) -> date:
    """Today in the policy time zone (a delegation's days are the policy's)."""
    return local_date(await reference.policy_for(pool, datetime.now(UTC).year), datetime.now(UTC))


async def grant(pool: asyncpg.Pool, actor: Actor, *, to: str, starts: date, ends: date, known: Lookup) -> Delegation:
    require_role(actor, *DECIDERS)
    policy = await reference.policy_for(pool, datetime.now(UTC).year)
    if ends < starts:
        raise Refused(Code.INVALID, "until is before from")
    if ends - starts > timedelta(days=policy.delegation.max_days - 1):
        raise Refused(Code.INVALID, f"a delegation lasts at most {policy.delegation.max_days} days")
    if to == actor.actor_id:  # by identity: another principal may carry my name
        raise Refused(Code.INVALID, "a principal cannot delegate to themselves")
    allowed = policy.delegation.may_delegate_to.get(actor.role, [])
    delegate = known(to)
    if delegate is None and actor.role != Role.LEADER:
        raise Refused(Code.INVALID, f"unknown principal {to!r}")
    if delegate is not None and delegate.role not in allowed:
        raise Refused(Code.FORBIDDEN, f"a {actor.role} may delegate only to {' or '.join(allowed) or 'nobody'}, "
                                      f"not to a {delegate.role}")
    return await delegations.grant(pool, from_name=actor.name, from_id=actor.actor_id, from_role=actor.role,
                                   from_line=actor.business_line, to=to, starts=starts, ends=ends,
                                   at=datetime.now(UTC))


async def listed(pool: asyncpg.Pool, actor: Actor) -> list[Delegation]:
    """Ops see every delegation; a decider those they gave or hold."""
    require_role(actor, *DECIDERS, Role.OPS)
    return await delegations.listed(pool, None if actor.role == Role.OPS else actor.actor_id)


async def revoke(pool: asyncpg.Pool, actor: Actor, delegation_id: str) -> None:
    """By the delegator or ops; `invalid_state` when it was revoked already."""
    require_role(actor, *DECIDERS, Role.OPS)
    g = await delegations.get(pool, delegation_id)
    if g is None:
        raise Refused(Code.NOT_FOUND, f"no delegation {delegation_id}")
    if actor.role != Role.OPS and actor.actor_id != g.from_id:
        raise Refused(Code.FORBIDDEN, "only the delegator or ops may revoke a delegation")
    # the read above only answers early; the guard is the revoke's own append (one wins)
    if g.revoked or not await delegations.revoke(pool, delegation_id, actor.name, datetime.now(UTC),
                                                 by_id=actor.actor_id):
        raise Refused(Code.INVALID_STATE, "already revoked")

"""Delegations (shared/API.md): a principal hands their authority to someone for a date
window (policy time zone, both days included): a leader to anyone they name, an approver
to another approver (the policy's `delegation` rule). Listed, and revoked by DELETE.
Who is who is by identity (`Actor.actor_id`): `to` is a tokens-file name or an SSO
`<issuer>|<sub>`, and a principal's own delegations are those of its identity, not of its name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import DECIDERS, require_role
from api.deps import AppDeps, CurrentActor
from domain.assignment import Delegation
from domain.dates import local_date
from domain.policy import Policy
from services.errors import Code, Refused
from store import delegations, reference

router = APIRouter(prefix="/delegations", tags=["delegations"])


class DelegationBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    to: str = Field(min_length=1, max_length=200,
                    description="the delegate: a tokens-file name or a single sign-on `actor_id` (`<issuer>|<sub>`)")
    from_: date = Field(alias="from", description="first day, policy time zone")
    until: date = Field(description="last day, included")


class DelegationOut(BaseModel):
    id: str
    from_name: str
    from_id: str = Field(description="the delegator's identity (`actor_id`)")
    from_role: str
    to: str = Field(description="the delegate's identity (a tokens-file name or an `actor_id`)")
    from_: date = Field(serialization_alias="from")
    until: date
    revoked: bool
    active: bool = Field(description="active today (policy time zone)")


class DelegationList(BaseModel):
    items: list[DelegationOut]
    total: int


async def _policy(d: AppDeps) -> Policy:
    return await reference.policy_for(d.pool, datetime.now(UTC).year)


def _out(g: Delegation, today: date) -> DelegationOut:
    return DelegationOut(id=g.id, from_name=g.from_name, from_id=g.from_id, from_role=g.from_role, to=g.to,
                         from_=g.starts, until=g.ends, revoked=g.revoked, active=g.active_on(today))


@router.post("", status_code=201, response_model=DelegationOut, response_model_by_alias=True)
async def create(body: DelegationBody, actor: CurrentActor, d: AppDeps) -> DelegationOut:
    require_role(actor, *DECIDERS)
    policy = await _policy(d)
    if body.until < body.from_:
        raise Refused(Code.INVALID, "until is before from")
    if body.until - body.from_ > timedelta(days=policy.delegation.max_days - 1):
        raise Refused(Code.INVALID, f"a delegation lasts at most {policy.delegation.max_days} days")
    if body.to == actor.actor_id:  # by identity: another principal may carry my name
        raise Refused(Code.INVALID, "a principal cannot delegate to themselves")
    allowed = policy.delegation.may_delegate_to.get(actor.role, [])
    delegate = d.tokens.by_name(body.to)
    if delegate is None and actor.role != "leader":
        raise Refused(Code.INVALID, f"unknown principal {body.to!r}")
    if delegate is not None and delegate.role not in allowed:
        raise Refused(Code.FORBIDDEN, f"a {actor.role} may delegate only to {' or '.join(allowed) or 'nobody'}, "
                                         f"not to a {delegate.role}")
    g = await delegations.grant(d.pool, from_name=actor.name, from_id=actor.actor_id, from_role=actor.role,
                                from_line=actor.business_line, to=body.to, starts=body.from_, ends=body.until,
                                at=datetime.now(UTC))
    return _out(g, local_date(policy, datetime.now(UTC)))


@router.get("", response_model=DelegationList, response_model_by_alias=True)
async def list_delegations(actor: CurrentActor, d: AppDeps) -> DelegationList:
    require_role(actor, *DECIDERS, "ops")
    today = local_date(await _policy(d), datetime.now(UTC))
    rows = await delegations.listed(d.pool, None if actor.role == "ops" else actor.actor_id)
    return DelegationList(items=[_out(g, today) for g in rows], total=len(rows))


@router.delete("/{delegation_id}", status_code=204, response_class=Response,
               responses={204: {"description": "revoked"}})
async def revoke(delegation_id: str, actor: CurrentActor, d: AppDeps) -> Response:
    require_role(actor, *DECIDERS, "ops")
    g = await delegations.get(d.pool, delegation_id)
    if g is None:
        raise Refused(Code.NOT_FOUND, f"no delegation {delegation_id}")
    if actor.role != "ops" and actor.actor_id != g.from_id:
        raise Refused(Code.FORBIDDEN, "only the delegator or ops may revoke a delegation")
    # the read above only answers early; the guard is the revoke's own append (one wins)
    if g.revoked or not await delegations.revoke(d.pool, delegation_id, actor.name, datetime.now(UTC),
                                                 by_id=actor.actor_id):
        raise Refused(Code.INVALID_STATE, "already revoked")
    return Response(status_code=204)

"""Delegations (shared/API.md): a principal hands their authority to someone for a date
window (policy time zone, both days included): a leader to anyone they name, an approver
to another approver (the policy's `delegation` rule). Listed, and revoked by DELETE.
Who is who is by identity (`Actor.actor_id`): `to` is a tokens-file name or an SSO
`<issuer>|<sub>`, and a principal's own delegations are those of its identity, not of its name."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AppDeps, CurrentActor
from domain.approvals.assignment import Delegation
from services import delegations

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


def _out(g: Delegation, today: date) -> DelegationOut:
    return DelegationOut(id=g.id, from_name=g.from_name, from_id=g.from_id, from_role=g.from_role, to=g.to,
                         from_=g.starts, until=g.ends, revoked=g.revoked, active=g.active_on(today))


@router.post("", status_code=201, response_model=DelegationOut, response_model_by_alias=True)
async def create(body: DelegationBody, actor: CurrentActor, d: AppDeps) -> DelegationOut:
    g = await delegations.grant(d.pool, actor, to=body.to, starts=body.from_, ends=body.until, known=d.tokens.by_name)
    return _out(g, await delegations.today(d.pool))


@router.get("", response_model=DelegationList, response_model_by_alias=True)
async def list_delegations(actor: CurrentActor, d: AppDeps) -> DelegationList:
    rows = await delegations.listed(d.pool, actor)
    today = await delegations.today(d.pool)
    return DelegationList(items=[_out(g, today) for g in rows], total=len(rows))


@router.delete("/{delegation_id}", status_code=204, response_class=Response,
               responses={204: {"description": "revoked"}})
async def revoke(delegation_id: str, actor: CurrentActor, d: AppDeps) -> Response:
    await delegations.revoke(d.pool, actor, delegation_id)
    return Response(status_code=204)

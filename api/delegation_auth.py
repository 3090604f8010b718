"""Whose authority a decision uses: the caller's own, or a delegator's (an active delegation
to the caller, in the policy time zone, both days included). The workflow's validator then
judges the decision with that authority and the caller's own line (separation of duties).
Delegations and named assignees match identities (`Actor.actor_id`), never names."""

from __future__ import annotations

from datetime import UTC, datetime

from api.auth import DECIDERS
from api.deps import Deps
from domain.assignment import Delegation, assigned_names
from domain.dates import local_date
from domain.tiers import Tier
from services.errors import Code, Refused
from store import delegations, reference
from workflows.messages import Actor, CampaignState


async def may_try(d: Deps, actor: Actor) -> None:
    """Before anything else (even 404): a caller who is no decider must hold a delegation today."""
    if actor.role in DECIDERS:
        return
    now = datetime.now(UTC)
    policy = await reference.policy_for(d.pool, now.year)
    if not await delegations.active(d.pool, local_date(policy, now), to=actor.actor_id):
        raise Refused(Code.FORBIDDEN, f"{actor.name} ({actor.role}) may not do this: it needs the role "
                                         f"{' or '.join(DECIDERS)} or a delegation")


def decision_tier(state: CampaignState) -> Tier:
    return Tier.S if state.requested_tier == Tier.S else (state.proposed_tier or Tier.C)


async def on_behalf(d: Deps, actor: Actor, state: CampaignState, explicit: str | None = None) -> Actor | None:
    """The delegator the caller decides for, or None (their own authority). 403 when the
    caller is not a decider and holds no delegation that day, or names one they do not hold."""
    policy = await reference.policy_for(d.pool, int(state.month[:4]))
    today = local_date(policy, datetime.now(UTC))
    held = await delegations.active(d.pool, today, to=actor.actor_id)
    if explicit is not None:  # the delegator's identity, or a name only one held delegation has
        by_name = [g for g in held if g.from_name == explicit]
        row = next((g for g in held if g.from_id == explicit), by_name[0] if len(by_name) == 1 else None)
        if row is None:
            raise Refused(Code.FORBIDDEN, f"{actor.name} holds no delegation from {explicit} on {today}")
        return _delegator(row)
    tier = decision_tier(state)
    roles = policy.rule(tier).approver_roles
    named = assigned_names(policy, state.business_line) if tier != Tier.S else []
    if actor.role in roles and (not named or actor.actor_id in named):
        return None
    for g in held:
        if g.from_role in roles and (not named or g.from_id in named) and g.from_line != state.business_line:
            return _delegator(g)
    if actor.role not in DECIDERS:
        raise Refused(Code.FORBIDDEN, f"{actor.name} ({actor.role}) may not decide and holds no delegation "
                                         f"on {today}")
    return None


def _delegator(g: Delegation) -> Actor:
    return Actor(name=g.from_name, actor_id=g.from_id, role=g.from_role, business_line=g.from_line)

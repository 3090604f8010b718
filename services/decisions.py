"""The promotion team's decisions on a campaign: approve, downgrade, reject, one at a time or
many at once, with the caller's authority or a delegator's (on-behalf-of).

The order of the checks is the contract's: a caller who is no decider and holds no
delegation today is refused before the campaign is read (the same 403 whatever the id); a
caller who may not see the campaign (another line's) and may not decide it gets the unknown
id's 404 (neither learns whether another line's campaign exists); then the workflow's
validator decides (403 / 409 / 422) before anything enters history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from domain import review
from domain.approvals.assignment import Delegation, assigned_names
from domain.approvals.roles import DECIDERS, sees_line
from domain.balancing import YearCalendar, s_half_problem
from domain.dates import local_date
from domain.months import year_of
from domain.status import Status
from domain.tiers import Tier
from services import workflows as wf
from services.context import Engine
from services.errors import Code, Refused
from store import calendar, delegations, reference
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, Approve, CampaignState, Downgrade, Reject

Action = Literal["approve", "downgrade", "reject"]


@dataclass(frozen=True)
class Decision:
    """One decision as a caller asks it (the single routes, the bulk route, the inbox page)."""

    campaign_id: str
    action: Action
    comment: str | None = None
    to_tier: Tier | None = None
    reason: str | None = None
    a_override: bool = False
    s_half_override: bool = False
    margin_override: bool = False
    on_behalf_of: str | None = None  # a delegator (else resolved from the delegations held)


@dataclass(frozen=True)
class Decided:
    """One item of many: the state after it, or its refusal and the status the caller may see."""

    decision: Decision
    status: Status | None  # None: unknown campaign, or one the caller may not see
    refused: Refused | None


# ---------------------------------------------------------------------- authority
async def may_try(e: Engine, actor: Actor) -> None:
    """Before anything else (even 404): a caller who is no decider must hold a delegation today."""
    if actor.role in DECIDERS:
        return
    now = datetime.now(UTC)
    policy = await reference.policy_for(e.pool, now.year)
    if not await delegations.active(e.pool, local_date(policy, now), to=actor.actor_id):
        raise Refused(Code.FORBIDDEN, f"{actor.name} ({actor.role}) may not do this: it needs the role "
                                      f"{' or '.join(DECIDERS)} or a delegation")


def decision_tier(state: CampaignState) -> Tier:
    return review.decision_tier(state.requested_tier, state.proposed_tier) or Tier.C


async def on_behalf(e: Engine, actor: Actor, state: CampaignState, explicit: str | None = None) -> Actor | None:
    """The delegator the caller decides for, or None (their own authority). `forbidden` when
    the caller is not a decider and holds no delegation that day, or names one they do not
    hold. Delegations and named assignees match identities (`Actor.actor_id`), never names."""
    policy = await reference.policy_for(e.pool, year_of(state.month))
    today = local_date(policy, datetime.now(UTC))
    held = await delegations.active(e.pool, today, to=actor.actor_id)
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


# ---------------------------------------------------------------------- one decision
async def decide(e: Engine, actor: Actor, d: Decision) -> CampaignState:
    await may_try(e, actor)
    state = await wf.campaign_state(e, d.campaign_id)
    try:
        principal = await on_behalf(e, actor, state, d.on_behalf_of)
    except Refused as err:
        if err.code == Code.FORBIDDEN and not sees_line(actor, state.business_line):
            # a delegate who may not decide another line's campaign learns no more than of an unknown id
            raise wf.unknown_campaign(d.campaign_id) from None
        raise
    update: Any
    arg: Approve | Downgrade | Reject
    if d.action == "approve":
        if not d.s_half_override:
            await s_half_year(e, state)
        update, arg = CampaignWorkflow.approve, Approve(
            actor=actor, on_behalf_of=principal, comment=d.comment, a_override=d.a_override,
            s_half_override=d.s_half_override, reason=d.reason, margin_override=d.margin_override)
    elif d.action == "downgrade":
        if d.to_tier is None or not d.reason:
            raise Refused(Code.INVALID, "a downgrade needs to_tier and reason")
        update, arg = CampaignWorkflow.downgrade, Downgrade(actor=actor, on_behalf_of=principal, to_tier=d.to_tier,
                                                            reason=d.reason, margin_override=d.margin_override)
    else:
        if not d.reason:
            raise Refused(Code.INVALID, "a rejection needs a reason")
        update, arg = CampaignWorkflow.reject, Reject(actor=actor, on_behalf_of=principal, reason=d.reason)
    return await wf.decide(e, d.campaign_id, update, arg)


async def s_half_year(e: Engine, state: CampaignState) -> None:
    """`s_half_year` before an S is approved into a half-year already at its cap (policy
    `s_per_half`), naming the rule and the override. A courtesy read for a clear answer
    before anything enters history: the reservation judges the same rule again on the
    year's totals under the year lock."""
    if review.decision_tier(state.requested_tier, state.proposed_tier) != Tier.S or state.status != Status.IN_REVIEW:
        return
    year = year_of(state.month)
    policy = await reference.policy_for(e.pool, year)
    used, s_count, halves = await calendar.year_totals(e.pool, year)
    why = s_half_problem(policy, YearCalendar(year=year).with_totals(used, s_count, halves), state.campaign_id,
                         state.month)
    if why:
        raise Refused(Code.S_HALF_YEAR, why)


# ---------------------------------------------------------------------- many
async def decide_many(e: Engine, actor: Actor, items: list[Decision]) -> list[Decided]:
    """Each item judged exactly as if sent alone, one after the other (two items on one
    campaign: the first wins, the second is refused as alone); a refusal is its item's and
    stops no other."""
    out = []
    for d in items:
        try:
            state = await decide(e, actor, d)
            out.append(Decided(decision=d, status=state.status, refused=None))
        except Refused as err:
            status = None
            if err.code != Code.NOT_FOUND:
                try:
                    state = await wf.campaign_state(e, d.campaign_id)
                    # another line's campaign: as for an unknown id (no status)
                    status = state.status if sees_line(actor, state.business_line) else None
                except Refused:
                    status = None
            out.append(Decided(decision=d, status=status, refused=err))
    return out

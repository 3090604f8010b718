"""One decision (approve / downgrade / reject) exactly as the single routes and the bulk
route judge it: the campaign's state (404), whose authority (the caller's or a delegator's,
api/delegation_auth.py), then the workflow update whose validator decides (403/409/422).

A caller refused before the campaign is read (no decider, no delegation) gets the same 403
whatever the id; a caller who may not see the campaign (another line's) and may not decide
it gets the unknown id's 404: neither learns whether another line's campaign exists."""

from __future__ import annotations

from typing import Any, Literal

from api import campaign_workflow as wf
from api.delegation_auth import may_try, on_behalf
from api.deps import Deps
from api.errors import ApiError, status_of
from domain.balancing import YearCalendar, s_half_problem
from domain.months import year_of
from domain.status import Status
from domain.tiers import Tier
from services.errors import Code, Refused
from store import calendar, reference
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, Approve, CampaignState, Downgrade, Reject

Action = Literal["approve", "downgrade", "reject"]


def sees(actor: Actor, business_line: str) -> bool:
    """May `actor` see a campaign of this line (its status, that it exists)? A business line
    sees its own only; every other role sees all (api.auth.may_see)."""
    return actor.role != "business_line" or actor.business_line == business_line


def unknown(campaign_id: str) -> ApiError:
    """The answer for a campaign id that does not exist, and for one the caller may not see."""
    return Refused(Code.NOT_FOUND, f"no campaign {campaign_id}")


async def run_decision(d: Deps, actor: Actor, campaign_id: str, action: Action, *, comment: str | None = None,
                       a_override: bool = False, to_tier: Tier | None = None, reason: str | None = None,
                       on_behalf_of: str | None = None, s_half_override: bool = False,
                       margin_override: bool = False) -> CampaignState:
    await may_try(d, actor)
    state = await wf.state(d.client.get_workflow_handle(campaign_id))
    try:
        principal = await on_behalf(d, actor, state, on_behalf_of)
    except Refused as err:
        if status_of(err) == 403 and not sees(actor, state.business_line):
            # a delegate who may not decide another line's campaign learns no more than of an unknown id
            raise unknown(campaign_id) from None
        raise
    update: Any
    arg: Approve | Downgrade | Reject
    if action == "approve":
        if not s_half_override:
            await _s_half_year(d, state)
        update, arg = CampaignWorkflow.approve, Approve(actor=actor, on_behalf_of=principal, comment=comment,
                                                        a_override=a_override, s_half_override=s_half_override,
                                                        reason=reason, margin_override=margin_override)
    elif action == "downgrade":
        if to_tier is None or not reason:
            raise Refused(Code.INVALID, "a downgrade needs to_tier and reason")
        update, arg = CampaignWorkflow.downgrade, Downgrade(actor=actor, on_behalf_of=principal, to_tier=to_tier,
                                                            reason=reason, margin_override=margin_override)
    else:
        if not reason:
            raise Refused(Code.INVALID, "a rejection needs a reason")
        update, arg = CampaignWorkflow.reject, Reject(actor=actor, on_behalf_of=principal, reason=reason)
    return await wf.decide(d, campaign_id, update, arg)


async def _s_half_year(d: Deps, state: CampaignState) -> None:
    """409 `s_half_year` before an S is approved into a half-year already at its cap (policy
    `s_per_half`), naming the rule and the override. A courtesy read for a clear answer: the
    reservation judges the rule again on the year's totals under the year lock."""
    tier = Tier.S if state.requested_tier == Tier.S else state.proposed_tier
    if tier != Tier.S or state.status != Status.IN_REVIEW:
        return
    year = year_of(state.month)
    policy = await reference.policy_for(d.pool, year)
    used, s_count, halves = await calendar.year_totals(d.pool, year)
    why = s_half_problem(policy, YearCalendar(year=year).with_totals(used, s_count, halves), state.campaign_id,
                         state.month)
    if why:
        raise Refused(Code.S_HALF_YEAR, why)

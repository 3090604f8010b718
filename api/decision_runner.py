"""One decision (approve / downgrade / reject) exactly as the single routes and the bulk
route judge it: the campaign's state (404), whose authority (the caller's or a delegator's,
api/delegation_auth.py), then the workflow update whose validator decides (403/409/422)."""

from __future__ import annotations

from typing import Any, Literal

from api import campaign_workflow as wf
from api.delegation_auth import may_try, on_behalf
from api.deps import Deps
from api.errors import ApiError
from domain.tiers import Tier
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, Approve, CampaignState, Downgrade, Reject

Action = Literal["approve", "downgrade", "reject"]


async def run_decision(d: Deps, actor: Actor, campaign_id: str, action: Action, *, comment: str | None = None,
                       a_override: bool = False, to_tier: Tier | None = None, reason: str | None = None,
                       on_behalf_of: str | None = None) -> CampaignState:
    await may_try(d, actor)
    state = await wf.state(d.client.get_workflow_handle(campaign_id))
    principal = await on_behalf(d, actor, state, on_behalf_of)
    update: Any
    arg: Approve | Downgrade | Reject
    if action == "approve":
        update, arg = CampaignWorkflow.approve, Approve(actor=actor, on_behalf_of=principal, comment=comment,
                                                        a_override=a_override)
    elif action == "downgrade":
        if to_tier is None or not reason:
            raise ApiError(422, "invalid_request", "a downgrade needs to_tier and reason")
        update, arg = CampaignWorkflow.downgrade, Downgrade(actor=actor, on_behalf_of=principal, to_tier=to_tier,
                                                            reason=reason)
    else:
        if not reason:
            raise ApiError(422, "invalid_request", "a rejection needs a reason")
        update, arg = CampaignWorkflow.reject, Reject(actor=actor, on_behalf_of=principal, reason=reason)
    return await wf.decide(d, campaign_id, update, arg)

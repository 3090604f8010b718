"""The campaign's decision validators: what an update or signal must fit before it enters
history (the state, the actor's authority, separation of duties, the money overrides).

Pure checks on the workflow's state, raising the ApplicationError the API maps to 403/409/422;
the handlers themselves (workflows/campaign.py) only hand the accepted message to the main
loop (workflows/handoff.py). Signals replay these checks, so they must stay deterministic."""

from __future__ import annotations

from typing import Protocol

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import review as review_rules
    from domain.approvals.roles import owner_or_ops
    from domain.campaign import CampaignRequest
    from domain.policy import Policy
    from domain.status import Status
    from domain.tiers import Tier
    from workflows import review_money as money
    from workflows.handoff import Handoff, forbidden, invalid_state
    from workflows.messages import Actor, Approve, CampaignState, Cancel, ChooseMonth, Downgrade, Reject


class _Host(Protocol):
    state: CampaignState
    request: CampaignRequest
    handoff: Handoff

    @property
    def _policy(self) -> Policy: ...


def decision_tier(wf: _Host) -> Tier:
    """The tier an approval gives, and whose authority a decision needs (C before a review)."""
    return review_rules.decision_tier(wf.request.requested_tier, wf.state.proposed_tier) or Tier.C


def check_approver(wf: _Host, actor: Actor, tier: Tier, on_behalf_of: Actor | None = None) -> None:
    h = wf.handoff
    if wf.state.status != Status.IN_REVIEW or h.decision is not None or h.amend is not None:
        raise invalid_state(f"campaign is {wf.state.status.value}"
                            + (", already decided" if h.decision is not None else "")
                            + "; a decision needs a campaign in review")
    authority = on_behalf_of or actor  # a delegate decides with the delegator's authority
    if authority.role not in wf._policy.rule(tier).approver_roles:
        raise forbidden(f"a {authority.role} may not decide a {tier.value}-tier campaign")
    for who in (actor, on_behalf_of):  # the delegate's own line too
        if who is not None and who.business_line is not None and who.business_line == wf.state.business_line:
            raise forbidden(f"{who.name} belongs to {who.business_line} and may not decide its campaigns",
                            "separation_of_duties")


def approve(wf: _Host, inp: Approve) -> None:
    tier = decision_tier(wf)
    check_approver(wf, inp.actor, tier, inp.on_behalf_of)
    money.validate_overrides(wf, inp.actor, inp.on_behalf_of, tier, reason=inp.reason,
                             margin_override=inp.margin_override, s_half_override=inp.s_half_override)


def downgrade(wf: _Host, inp: Downgrade) -> None:
    proposed = decision_tier(wf)
    if wf.state.status == Status.IN_REVIEW and not inp.to_tier.is_below(proposed):
        raise ApplicationError(f"a downgrade must go below the proposed tier {proposed.value}, "
                               f"not to {inp.to_tier.value}", type="invalid_tier", non_retryable=True)
    # Approvers may downgrade an S (only approving one takes a leader): an S downgrade
    # needs the authority of an A decision, any other the authority of its own tier.
    check_approver(wf, inp.actor, Tier.A if proposed == Tier.S else proposed, inp.on_behalf_of)
    money.validate_overrides(wf, inp.actor, inp.on_behalf_of, inp.to_tier, reason=inp.reason,
                             margin_override=inp.margin_override)


def reject(wf: _Host, inp: Reject) -> None:
    check_approver(wf, inp.actor, decision_tier(wf), inp.on_behalf_of)


def choose_month(wf: _Host, inp: ChooseMonth) -> None:
    s = wf.state
    if inp.actor.business_line != s.business_line:
        raise forbidden(f"only the owning business line {s.business_line} may choose the month")
    if s.status != Status.AWAITING_MONTH_CHOICE or wf.handoff.chosen_month is not None:
        raise invalid_state(f"campaign is {s.status.value}; no month choice is pending")
    if inp.month not in s.alternatives:
        raise invalid_state(f"{inp.month} was not offered; choose one of {', '.join(s.alternatives) or 'none'}")


def cancel(wf: _Host, inp: Cancel) -> None:
    s = wf.state
    if not owner_or_ops(inp.actor, s.business_line):
        raise forbidden("only the owning business line or ops may cancel a campaign")
    if s.status.is_final or wf.handoff.cancel is not None:
        raise invalid_state(f"campaign is already {s.status.value}" +
                            (" (cancel pending)" if wf.handoff.cancel is not None else ""))

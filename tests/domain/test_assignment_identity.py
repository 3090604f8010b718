"""Identity (shared/API.md "Who did it"): a principal is its `actor_id`, its name only what
people read. Old payloads (workflow histories, events) without the ids read them as the
names; named assignees and escalations match the delegator's identity, not its name."""

from __future__ import annotations

from datetime import date

from domain import events as ev
from domain.approvals import events as approvals_ev
from domain.approvals.assignment import Delegation, escalation_targets, is_assignee
from domain.policy import Policy
from domain.tiers import Tier
from workflows.messages import Actor, Approve

SSO_JUN = "https://sso.example.test|u-42"  # an SSO principal whose name claim is "jun.approver"
DAY = date(2027, 3, 2)
POLICY = Policy.for_year(2027, {"assignment": {"approvers_by_line": {"food": ["jun.approver"]}}})


def _delegation(from_id: str | None, to: str) -> Delegation:
    data = {"id": "d1", "from_name": "jun.approver", "from_role": "approver", "to": to, "starts": DAY, "ends": DAY}
    return Delegation.model_validate(data if from_id is None else {**data, "from_id": from_id})


def test_an_actor_without_an_id_is_its_name_and_a_decision_records_both_identities():
    old = Actor.model_validate({"name": "jun.approver", "role": "approver"})  # a payload recorded before
    assert old.actor_id == "jun.approver"
    sso = Actor(name="jun.approver", role="approver", actor_id=SSO_JUN)
    assert sso.actor_id == SSO_JUN and sso != old
    leader = Actor(name="wei.leader", role="leader")
    assert Approve(actor=sso, on_behalf_of=leader).names() == {
        "on_behalf_of": "wei.leader", "actor_id": SSO_JUN, "on_behalf_of_id": "wei.leader"}
    assert Approve(actor=old).names() == {"on_behalf_of": None, "actor_id": "jun.approver", "on_behalf_of_id": None}
    # events recorded before the ids read without them
    assert ev.CampaignApproved.model_validate({"tier": "A", "on_behalf_of": None}).actor_id is None
    assert approvals_ev.DelegationGranted.model_validate({"delegation_id": "d1", "from_name": "x", "from_role": "leader",
                                                "to": "y", "starts": DAY, "ends": DAY}).from_id is None
    assert _delegation(None, "kai.approver").from_id == "jun.approver"


def test_named_assignees_and_escalations_match_the_identity_not_the_name():
    assert is_assignee(POLICY, Tier.B, "food", "jun.approver", "approver")
    assert not is_assignee(POLICY, Tier.B, "food", SSO_JUN, "approver")  # the same name, another person
    # the named approver away: the escalation goes to their delegate
    assert escalation_targets(POLICY, Tier.B, "food", [_delegation("jun.approver", "kai.approver")], DAY) == [
        "kai.approver"]
    # someone else called jun.approver delegating is not the named approver away
    assert escalation_targets(POLICY, Tier.B, "food", [_delegation(SSO_JUN, "kai.approver")], DAY) == [
        "role:leader"]

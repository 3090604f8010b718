"""Delegation on the time-skipping server: a delegate's decision records both names, the
delegate's own line is still refused, and an SLA escalation goes to the away approver's
delegate (or to the leaders when nobody stands in)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.dates import local_date
from domain.status import Status
from domain.tiers import Tier
from services import policy as policy_changes
from store import delegations
from tests.workflows.helpers import APPROVER, FOOD_APPROVER, LEADER, request, s_request, start
from tests.workflows.test_lifecycle import POLICY, engine, log_types, until_status  # noqa: F401
from workflows.campaign import CampaignWorkflow
from workflows.messages import Approve


async def test_a_delegate_decides_an_s_for_the_leader_and_both_names_are_recorded(engine):  # noqa: F811
    env, pool, tq = engine
    h = await start(env.client, s_request("2027-06"), tq)
    await until_status(h, Status.IN_REVIEW)
    with pytest.raises(WorkflowUpdateFailedError) as err:  # on their own authority: not an S
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert err.value.cause.type == "forbidden"
    with pytest.raises(WorkflowUpdateFailedError) as err:  # the delegate's own line: still refused
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=FOOD_APPROVER, on_behalf_of=LEADER))
    assert err.value.cause.type == "separation_of_duties"
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER, on_behalf_of=LEADER))
    assert st.tier == Tier.S and st.status == Status.SCHEDULED
    row = await pool.fetchrow("SELECT actor, data FROM events WHERE campaign_id = $1 AND type = 'CampaignApproved'",
                              h.id)
    assert row["actor"] == APPROVER.name and row["data"]["on_behalf_of"] == LEADER.name


async def test_escalation_goes_to_the_away_approvers_delegate_else_to_the_leaders(engine):  # noqa: F811
    env, pool, tq = engine
    await policy_changes.change(pool, 2027, {"assignment": {"approvers_by_line": {"food": ["jun.approver"]}}},
                                "test: food's approver", "yan.ops")
    now = await env.get_current_time()
    today = local_date(POLICY, now)
    await delegations.grant(pool, from_name="jun.approver", from_role="approver", from_line=None, to="kai.approver",
                            starts=today, ends=today + timedelta(days=10), at=now)
    away = await start(env.client, request(Tier.B, "2027-03"), tq)
    other = await start(env.client, request(Tier.B, "2027-03", line="apparel", category="apparel"), tq)
    for h in (away, other):
        await h.result()  # nobody decides: escalated, then expired
    rows = {h.id: await pool.fetchval("SELECT data FROM events WHERE campaign_id = $1 AND type = 'ApprovalEscalated'",
                                      h.id) for h in (away, other)}
    assert rows[away.id]["to"] == ["kai.approver"]
    assert rows[other.id]["to"] == ["role:leader"]
    assert await log_types(pool, away) == ["CampaignSubmitted", "ReviewScored", "ApprovalEscalated", "RequestExpired"]

"""Milestones in the campaign workflow (time-skipping server, real activities and PostgreSQL):
planned once scheduled, marked done by the owner or ops, overdue at their day's end, moved
with the campaign, closed by cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.approvals.people import MilestoneStatus
from domain.approvals.preparation import overdue_at
from domain.status import Status
from domain.tiers import Tier
from tests.conftest import wait_until
from tests.workflows.helpers import LEADER, OPS, owner_of, record_histories, request, s_request
from tests.workflows.test_lifecycle import POLICY, approved, engine, state, until_status  # noqa: F401 - fixture
from workflows.campaign import CampaignWorkflow
from workflows.messages import Cancel, ChooseMonth, MarkMilestoneDone

__all__ = ["engine", "record_histories"]


async def rows(pool, h) -> dict[str, dict]:
    return {r["key"]: dict(r) for r in await pool.fetch("SELECT * FROM milestones WHERE campaign_id = $1", h.id)}


async def types(pool, h) -> list[str]:
    return [r["type"] for r in await pool.fetch("SELECT type FROM events WHERE campaign_id = $1 ORDER BY seq", h.id)]


async def skip_past(env, instant, extra=timedelta(minutes=5)):
    now = await env.get_current_time()
    if instant + extra > now:
        await env.sleep(instant + extra - now)


async def test_an_s_gets_its_milestones_one_done_one_overdue_then_cancel_closes_them(engine):
    env, pool, tq = engine
    h = await approved(env, tq, s_request("2027-06"), approver=LEADER)
    st = await state(h)
    assert st.status == Status.SCHEDULED and st.tier == Tier.S
    t = st.burst_start
    assert [(m.key, (m.due - t).days, m.team) for m in st.milestones] == [
        ("plan", -90, "leadership"), ("registration", -60, "business_line"), ("brief", -45, "operations"),
        ("creative", -21, "design"), ("stock", -14, "business_line"), ("setup", -3, "operations"),
        ("retro", 14, "promotion")]
    assert {m.status for m in st.milestones} == {MilestoneStatus.OPEN}

    # the owner marks the first one done: who and when are recorded
    st = await h.execute_update(CampaignWorkflow.milestone_done,
                                MarkMilestoneDone(actor=owner_of("food"), key="plan", comment="signed off"))
    plan = next(m for m in st.milestones if m.key == "plan")
    assert plan.status == MilestoneStatus.DONE and plan.done_by == "someone.food" and plan.done_at is not None
    db = await rows(pool, h)
    assert db["plan"]["status"] == "done" and db["plan"]["comment"] == "signed off" and len(db) == 7
    assert (await types(pool, h))[-2:] == ["MilestonesPlanned", "MilestoneDone"]

    # refused before anything enters history: twice, another line, an unknown key
    for inp, code in ((MarkMilestoneDone(actor=OPS, key="plan"), "invalid_state"),
                      (MarkMilestoneDone(actor=owner_of("beauty"), key="brief"), "forbidden"),
                      (MarkMilestoneDone(actor=OPS, key="nope"), "not_found")):
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(CampaignWorkflow.milestone_done, inp)
        assert err.value.cause.type == code

    # the registration passes its day: overdue, with its event; the plan stays done
    registration = next(m for m in st.milestones if m.key == "registration")
    await skip_past(env, overdue_at(POLICY, registration))
    st = await state(h)
    by_key = {m.key: m.status for m in st.milestones}
    assert by_key["registration"] == MilestoneStatus.OVERDUE and by_key["plan"] == MilestoneStatus.DONE
    assert by_key["brief"] == MilestoneStatus.OPEN
    assert (await rows(pool, h))["registration"]["status"] == "overdue"
    event = await pool.fetchrow("SELECT * FROM events WHERE campaign_id = $1 AND type = 'MilestoneOverdue'", h.id)
    assert event["data"]["key"] == "registration" and event["at"] >= overdue_at(POLICY, registration)
    assert event["data"]["escalate_to"] == "ops"  # the business line's milestone: no team lead in the policy

    # an overdue one can still be done late, by ops
    st = await h.execute_update(CampaignWorkflow.milestone_done, MarkMilestoneDone(actor=OPS, key="registration"))
    assert next(m for m in st.milestones if m.key == "registration").done_by == "yan.ops"

    # cancel closes the pending ones (done ones stay done)
    st = await h.execute_update(CampaignWorkflow.cancel, Cancel(actor=OPS, reason="strategy changed"))
    final = await h.result()
    assert {m.key: m.status for m in final.milestones} == {
        "plan": "done", "registration": "done", "brief": "closed", "creative": "closed", "stock": "closed",
        "setup": "closed", "retro": "closed"}
    assert {r["status"] for k, r in (await rows(pool, h)).items() if k not in ("plan", "registration")} == {"closed"}


async def test_a_b_runs_to_the_end_its_milestones_done_or_overdue(engine):
    env, pool, tq = engine
    h = await approved(env, tq, request(Tier.B, "2027-03"))
    st = await state(h)
    assert [(m.key, (m.due - st.burst_start).days) for m in st.milestones] == [("creative", -7), ("setup", -1)]
    await h.execute_update(CampaignWorkflow.milestone_done, MarkMilestoneDone(actor=OPS, key="setup"))
    final = await h.result()
    assert final.status == Status.COMPLETED
    assert {m.key: m.status for m in final.milestones} == {"creative": "overdue", "setup": "done"}
    log = await types(pool, h)
    # then the results window: the outcome closes the log (issue #13)
    assert log.count("MilestoneOverdue") == 1 and log[-2:] == ["CampaignCompleted", "CampaignOutcome"]
    assert log.index("MilestoneOverdue") < log.index("PhaseStarted")


async def test_an_a_waits_for_its_retrospective_after_the_burst(engine):
    env, pool, tq = engine
    h = await approved(env, tq, request(Tier.A, "2027-05", revenue_target=20_000_000, gross_margin=0.3,
                                        traffic=8_000_000))
    st = await state(h)
    retro = next(m for m in st.milestones if m.key == "retro")
    assert (retro.due - st.burst_start).days == 7
    burst_end = next(p.end for p in st.phases if p.phase.value == "burst")
    await skip_past(env, overdue_at(POLICY, retro) - timedelta(days=3))
    st = await until_status(h, Status.COMPLETED)
    assert burst_end <= retro.due
    st = await h.execute_update(CampaignWorkflow.milestone_done,
                                MarkMilestoneDone(actor=owner_of("food"), key="retro", comment="sales +12%"))
    final = await h.result()
    assert next(m for m in final.milestones if m.key == "retro").status == MilestoneStatus.DONE
    assert (await types(pool, h))[-2:] == ["MilestoneDone", "CampaignOutcome"]  # then the results window


async def test_a_displaced_campaign_moves_its_open_milestones_to_the_chosen_month(engine):
    env, pool, tq = engine
    b = await approved(env, tq, request(Tier.B, "2027-09", line="apparel", category="apparel"))
    before = {m.key: m.due for m in (await state(b)).milestones}
    assert set(before) == {"creative", "setup"}
    s = await approved(env, tq, s_request("2027-09"), approver=LEADER)
    assert (await state(s)).status == Status.SCHEDULED
    st = await until_status(b, Status.AWAITING_MONTH_CHOICE)
    with pytest.raises(WorkflowUpdateFailedError) as err:  # no plan while it waits for a month
        await b.execute_update(CampaignWorkflow.milestone_done, MarkMilestoneDone(actor=OPS, key="setup"))
    assert err.value.cause.type == "invalid_state"
    chosen = st.alternatives[0]
    st = await b.execute_update(CampaignWorkflow.choose_month,
                                ChooseMonth(actor=owner_of("apparel"), month=chosen))
    assert st.status == Status.SCHEDULED and st.month == chosen
    after = {m.key: m.due for m in st.milestones}
    assert after["setup"] == st.burst_start - timedelta(days=1) and after != before
    event = None

    async def moved():
        nonlocal event
        event = await pool.fetchrow("SELECT * FROM events WHERE campaign_id = $1 AND type = 'MilestonesMoved'",
                                    b.id)
        return event is not None
    await wait_until(moved, what="MilestonesMoved")
    assert "moved with the burst" in event["reason"]
    assert {mv["key"] for mv in event["data"]["moves"]} == {"creative", "setup"}
    assert {k: r["due"] for k, r in (await rows(pool, b)).items()} == after

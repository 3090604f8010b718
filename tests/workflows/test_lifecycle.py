"""Every decision path of a campaign, on the time-skipping server with real activities
and a real PostgreSQL. Each test asserts the final state, the events in order and the
bookings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.dates import phase_start_instant
from domain.policy import Policy
from domain.status import Status
from domain.tiers import Tier
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import (
    APPROVER,
    FOOD_APPROVER,
    LEADER,
    OPS,
    owner_of,
    record_histories,
    request,
    running_worker,
    s_request,
    start,
)
from workflows.campaign import CampaignWorkflow
from workflows.messages import Approve, Cancel, ChooseMonth, Downgrade, Reject

POLICY = Policy.for_year(2027)


@pytest.fixture
async def engine(ts_env, pool, request):
    tq = new_task_queue()
    async with running_worker(ts_env.client, pool, tq):
        yield ts_env, pool, tq
        await record_histories(request.node.name)


async def state(h: WorkflowHandle):
    return await h.query(CampaignWorkflow.state_query)


async def until_status(h: WorkflowHandle, *statuses: Status):
    async def check():
        return (await state(h)).status in statuses
    await wait_until(check, what=f"{h.id} to reach {statuses}")
    return await state(h)


async def log_types(pool, h: WorkflowHandle) -> list[str]:
    # the preparation milestones have their own tests (test_milestones.py): the life without them
    rows = await pool.fetch("SELECT type FROM events WHERE campaign_id = $1 AND type NOT LIKE 'Milestone%' "
                            "ORDER BY seq", h.id)
    return [r["type"] for r in rows]


async def live_bookings(pool, h: WorkflowHandle) -> list[dict]:
    return [dict(r) for r in await pool.fetch(
        "SELECT resource, unit, phase, status FROM bookings WHERE campaign_id = $1 AND status <> 'released'", h.id)]


async def calendar_place(pool, h: WorkflowHandle):
    return await pool.fetchrow("SELECT * FROM calendar_entries WHERE campaign_id = $1", h.id)


async def skip_to(env, day, extra: timedelta = timedelta(hours=1)):
    """Move the time-skipping server's clock to `day` (policy time zone) + extra."""
    target = phase_start_instant(POLICY, day) + extra
    now = await env.get_current_time()
    if target > now:
        await env.sleep(target - now)


async def approved(env, tq, req, approver=APPROVER):
    h = await start(env.client, req, tq)
    await until_status(h, Status.IN_REVIEW)
    await h.execute_update(CampaignWorkflow.approve, Approve(actor=approver))
    return h


async def test_approve_runs_warmup_burst_encore_and_releases_at_the_end(engine):
    env, pool, tq = engine
    h = await approved(env, tq, request(Tier.A, "2027-05", revenue_target=20_000_000, gross_margin=0.3,
                                        traffic=8_000_000), )
    st = await state(h)
    assert st.status == Status.SCHEDULED and st.tier == Tier.A
    assert st.burst_start.weekday() in (0, 1, 2)
    assert [p.phase.value for p in st.phases] == ["warmup", "burst"]
    assert st.bookings and {b.phase.value for b in st.bookings} <= {"warmup", "burst"}
    assert len(await live_bookings(pool, h)) == len(st.bookings)
    final = await h.result()
    assert final.status == Status.COMPLETED
    assert await log_types(pool, h) == [
        "CampaignSubmitted", "ReviewScored", "CampaignApproved", "MonthReserved", "ResourcesAllocated",
        "PhaseStarted", "PhaseEnded", "PhaseStarted", "PhaseEnded", "CampaignCompleted", "CampaignOutcome"]
    assert await live_bookings(pool, h) == []
    assert (await calendar_place(pool, h))["counted_days"] == POLICY.rule(Tier.A).counted_days


async def test_s_downgrades_to_a_and_a_to_b(engine):
    env, pool, tq = engine
    down_a = await start(env.client, s_request("2027-09"), tq)
    assert (await until_status(down_a, Status.IN_REVIEW)).proposed_tier == Tier.S
    st = await down_a.execute_update(CampaignWorkflow.downgrade,
                                     Downgrade(actor=APPROVER, to_tier=Tier.A, reason="S slots are taken"))
    assert st.tier == Tier.A and st.status == Status.SCHEDULED, st.reasons
    assert {b.resource for b in st.bookings} <= {e.resource for e in POLICY.entitlements[Tier.A]}
    assert (await log_types(pool, down_a))[2] == "CampaignDowngraded"
    assert (await calendar_place(pool, down_a))["counted_days"] == POLICY.rule(Tier.A).counted_days

    a = await start(env.client, request(Tier.A, "2027-05", line="beauty", category="beauty",
                                        revenue_target=20_000_000, gross_margin=0.3, traffic=8_000_000), tq)
    assert (await until_status(a, Status.IN_REVIEW)).proposed_tier in (Tier.A, Tier.B)
    st = await a.execute_update(CampaignWorkflow.downgrade, Downgrade(actor=APPROVER, to_tier=Tier.C, reason="small"))
    assert st.tier == Tier.C and st.bookings == []
    assert (await calendar_place(pool, a))["counted_days"] == 0


async def test_s_campaign_runs_warmup_burst_encore(engine):
    env, pool, tq = engine
    s = await approved(env, tq, s_request("2027-06"), approver=LEADER)
    st = await state(s)
    assert st.tier == Tier.S and [p.phase.value for p in st.phases] == ["warmup", "burst", "encore"]
    assert (st.phases[0].end - st.phases[0].start).days == POLICY.rule(Tier.S).warmup_days
    assert {b.phase.value for b in st.bookings} == {"warmup", "burst", "encore"}
    final = await s.result()
    assert final.status == Status.COMPLETED
    types = await log_types(pool, s)
    assert types.count("PhaseStarted") == 3 and types.count("PhaseEnded") == 3
    assert await live_bookings(pool, s) == []


async def test_reject_ends_the_campaign_holding_nothing(engine):
    env, pool, tq = engine
    h = await start(env.client, request(Tier.B, "2027-03"), tq)
    await until_status(h, Status.IN_REVIEW)
    st = await h.execute_update(CampaignWorkflow.reject, Reject(actor=APPROVER, reason="off season"))
    assert st.status == Status.REJECTED
    assert (await h.result()).status == Status.REJECTED
    assert await log_types(pool, h) == ["CampaignSubmitted", "ReviewScored", "CampaignRejected"]
    assert await live_bookings(pool, h) == [] and await calendar_place(pool, h) is None
    assert await pool.fetchval("SELECT reason FROM events WHERE campaign_id = $1 AND seq = 3", h.id) == "off season"


async def test_sla_escalates_then_expires(engine):
    env, pool, tq = engine
    h = await start(env.client, request(Tier.B, "2027-03"), tq)
    final = await h.result()  # nobody decides: time skips through both SLA timers
    assert final.status == Status.EXPIRED and final.escalated
    assert await log_types(pool, h) == ["CampaignSubmitted", "ReviewScored", "ApprovalEscalated", "RequestExpired"]
    events = await pool.fetch("SELECT at FROM events WHERE campaign_id = $1 ORDER BY seq", h.id)
    sla = timedelta(hours=POLICY.rule(Tier.B).approval_sla_hours)
    assert events[2]["at"] - events[1]["at"] >= sla
    assert events[3]["at"] - events[2]["at"] >= sla


async def _fill_a_slot(env, tq, month="2027-05"):
    first = await approved(env, tq, request(Tier.A, month, line="food", revenue_target=20_000_000, gross_margin=0.3,
                                            traffic=8_000_000))
    assert (await state(first)).status == Status.SCHEDULED, (await state(first)).reasons
    second = await approved(env, tq, request(Tier.A, month, line="food", category="fresh", revenue_target=20_000_000,
                                             gross_margin=0.3, traffic=8_000_000, category_reason="fresh fruit"))
    return first, second


async def test_full_month_offers_alternatives_then_choose_month_schedules(engine):
    env, pool, tq = engine
    _, h = await _fill_a_slot(env, tq)
    st = await state(h)
    assert st.status == Status.AWAITING_MONTH_CHOICE and st.pending == "month_choice"
    assert st.alternatives and "2027-05" not in st.alternatives
    assert any("cap" in r for r in st.reasons)
    assert await live_bookings(pool, h) == []
    chosen = st.alternatives[0]
    st = await h.execute_update(CampaignWorkflow.choose_month, ChooseMonth(actor=owner_of("food"), month=chosen))
    assert st.status == Status.SCHEDULED and st.month == chosen, (chosen, st.alternatives, st.reasons)
    assert st.burst_start.strftime("%Y-%m") == chosen
    assert (await calendar_place(pool, h))["month"] == chosen
    assert (await log_types(pool, h))[-4:] == ["MonthAlternativesOffered", "MonthChosen", "MonthReserved",
                                               "ResourcesAllocated"]


async def test_the_promotion_team_may_allow_a_second_a_in_a_month(engine):
    env, pool, tq = engine
    await approved(env, tq, request(Tier.A, "2027-05", revenue_target=20_000_000, gross_margin=0.3, traffic=8_000_000))
    h = await start(env.client, request(Tier.A, "2027-05", category="fresh", category_reason="fruit",
                                        revenue_target=20_000_000, gross_margin=0.3, traffic=8_000_000), tq)
    await until_status(h, Status.IN_REVIEW)
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER, a_override=True))
    assert st.status == Status.SCHEDULED and st.month == "2027-05"
    assert await pool.fetchval("SELECT count(*) FROM calendar_entries WHERE month = '2027-05' AND tier = 'A'") == 2


async def test_month_choice_window_expires(engine):
    env, pool, tq = engine
    _, h = await _fill_a_slot(env, tq, "2027-09")
    assert (await state(h)).status == Status.AWAITING_MONTH_CHOICE
    final = await h.result()
    assert final.status == Status.EXPIRED
    assert (await log_types(pool, h))[-2:] == ["MonthAlternativesOffered", "RequestExpired"]
    assert await calendar_place(pool, h) is None


async def test_s_displaces_a_b_which_releases_and_is_offered_other_months(engine):
    env, pool, tq = engine
    b = await approved(env, tq, request(Tier.B, "2027-09", line="apparel", category="apparel"))
    assert (await state(b)).status == Status.SCHEDULED and await live_bookings(pool, b)
    s = await approved(env, tq, s_request("2027-09"), approver=LEADER)
    assert (await state(s)).status == Status.SCHEDULED
    st = await until_status(b, Status.AWAITING_MONTH_CHOICE)
    assert st.alternatives and "2027-09" not in st.alternatives
    assert await live_bookings(pool, b) == [] and await calendar_place(pool, b) is None
    assert "DisplacedBySCampaign" in await log_types(pool, b)
    assert (await calendar_place(pool, s))["tier"] == "S"


@pytest.mark.parametrize("stage", ["in_review", "scheduled", "warmup", "burst"])
async def test_cancel_at_any_stage_releases_everything(engine, stage):
    env, pool, tq = engine
    h = await start(env.client, request(Tier.A, "2027-05", revenue_target=20_000_000, gross_margin=0.3,
                                        traffic=8_000_000), tq)
    assert (await until_status(h, Status.IN_REVIEW)).proposed_tier == Tier.A
    if stage != "in_review":
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
        st = await state(h)
        assert st.status == Status.SCHEDULED and await live_bookings(pool, h)
        phases = {p.phase.value: p for p in st.phases}
        if stage in phases:
            await skip_to(env, phases[stage].start)
            await until_status(h, Status(stage))
            assert {b["status"] for b in await live_bookings(pool, h) if b["phase"] == stage} == {"active"}
    st = await h.execute_update(CampaignWorkflow.cancel, Cancel(actor=OPS, reason="strategy changed"))
    assert st.status == Status.CANCELLED
    assert (await h.result()).status == Status.CANCELLED
    assert (await log_types(pool, h))[-1] == "CampaignCancelled"
    assert await live_bookings(pool, h) == [] and await calendar_place(pool, h) is None


async def test_hot_topic_has_a_short_sla_starts_within_days_and_uses_the_reserve(engine):
    env, pool, tq = engine
    now = (await env.get_current_time()) + timedelta(hours=POLICY.utc_offset_hours)
    month = (now.date().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")  # next month
    h = await start(env.client, request(Tier.B, month, hot_topic=True), tq)
    st = await until_status(h, Status.IN_REVIEW)
    final_policy = Policy.for_year(int(month[:4]))
    assert final_policy.hot_topic_sla_hours < final_policy.rule(Tier.B).approval_sla_hours
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert st.status == Status.SCHEDULED
    warmup_start = st.phases[0].start
    assert (warmup_start - now.date()).days <= 40  # within days of next month, far below planned leads
    assert (await calendar_place(pool, h))["hot_topic"] is True


async def test_hot_topic_expires_after_its_short_sla(engine):
    env, pool, tq = engine
    h = await start(env.client, request(Tier.B, "2027-03", hot_topic=True), tq)
    final = await h.result()
    assert final.status == Status.EXPIRED
    rows = await pool.fetch("SELECT at FROM events WHERE campaign_id = $1 ORDER BY seq", h.id)
    assert rows[-1]["at"] - rows[1]["at"] < timedelta(hours=POLICY.rule(Tier.B).approval_sla_hours)


async def test_c_tier_skips_review_and_books_nothing(engine):
    env, pool, tq = engine
    h = await start(env.client, request(Tier.C, "2027-03", line="apparel", category="apparel"), tq)
    final = await h.result()
    assert final.tier == Tier.C and final.status == Status.COMPLETED
    types = await log_types(pool, h)
    assert types[:4] == ["CampaignSubmitted", "ReviewScored", "CampaignApproved", "MonthReserved"]
    assert "ResourcesAllocated" not in types
    assert await pool.fetchval("SELECT count(*) FROM bookings WHERE campaign_id = $1", h.id) == 0
    assert (await calendar_place(pool, h))["counted_days"] == 0


async def _update_events(h: WorkflowHandle) -> list[str]:
    history = await h.fetch_history()
    return [e.WhichOneof("attributes") for e in history.events if "update" in e.WhichOneof("attributes")]


async def test_invalid_decisions_are_rejected_by_validators_and_leave_no_trace(engine):
    env, pool, tq = engine
    h = await start(env.client, request(Tier.B, "2027-03"), tq)
    await until_status(h, Status.IN_REVIEW)
    with pytest.raises(WorkflowUpdateFailedError) as err:  # upward
        await h.execute_update(CampaignWorkflow.downgrade, Downgrade(actor=APPROVER, to_tier=Tier.A, reason="x"))
    assert err.value.cause.type == "invalid_tier"
    with pytest.raises(WorkflowUpdateFailedError) as err:  # own business line
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=FOOD_APPROVER))
    assert err.value.cause.type == "separation_of_duties"
    with pytest.raises(WorkflowUpdateFailedError) as err:  # nothing offered
        await h.execute_update(CampaignWorkflow.choose_month, ChooseMonth(actor=owner_of("food"), month="2027-04"))
    assert err.value.cause.type == "invalid_state"
    await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    with pytest.raises(WorkflowUpdateFailedError) as err:  # twice
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert err.value.cause.type == "invalid_state"
    await h.execute_update(CampaignWorkflow.cancel, Cancel(actor=owner_of("food"), reason="stop"))
    # After cancel the workflow has ended, so Temporal itself refuses the update before any
    # validator could run (the API answers 409 invalid_state for it).
    with pytest.raises(RPCError) as rpc:
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert rpc.value.status == RPCStatusCode.NOT_FOUND
    # Only the two accepted updates reached history.
    accepted = [e for e in await _update_events(h) if e.endswith("accepted_event_attributes")]
    assert len(accepted) == 2
    assert not [e for e in await _update_events(h) if "rejected" in e]
    assert (await log_types(pool, h)).count("CampaignApproved") == 1


async def test_s_needs_a_leader(engine):
    env, pool, tq = engine
    h = await start(env.client, s_request("2027-06"), tq)
    st = await until_status(h, Status.IN_REVIEW)
    assert st.proposed_tier == Tier.S
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert err.value.cause.type == "forbidden"
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=LEADER))
    assert st.tier == Tier.S


async def test_decisions_also_arrive_as_signals_and_invalid_ones_are_ignored(engine):
    env, pool, tq = engine
    h = await start(env.client, request(Tier.B, "2027-03"), tq)
    await until_status(h, Status.IN_REVIEW)
    await h.signal(CampaignWorkflow.approve_signal, Approve(actor=FOOD_APPROVER))  # own line: ignored
    await h.signal(CampaignWorkflow.approve_signal, Approve(actor=APPROVER, comment="via CLI"))
    st = await until_status(h, Status.SCHEDULED)
    assert st.tier == Tier.B
    rows = await pool.fetch("SELECT type, actor, reason FROM events WHERE campaign_id = $1 ORDER BY seq", h.id)
    approvals = [r for r in rows if r["type"] == "CampaignApproved"]
    assert [(r["actor"], r["reason"]) for r in approvals] == [("jun.approver", "via CLI")]
    await h.signal(CampaignWorkflow.cancel_signal, Cancel(actor=owner_of("apparel"), reason="not mine"))  # ignored
    await h.signal(CampaignWorkflow.cancel_signal, Cancel(actor=OPS, reason="cli cancel"))
    assert (await until_status(h, Status.CANCELLED)).status == Status.CANCELLED
    assert await live_bookings(pool, h) == []


async def test_a_leaders_approval_of_an_s_request_is_s_whatever_the_score(engine):
    """S is leadership's choice: the score proposes a tier for the record, the leader decides."""
    env, pool, tq = engine
    # weak, but at the margin floor (0.05): under it a leader's approval would need margin_override
    weak = request(Tier.S, "2027-09", line="cross_border", revenue_target=100_000, gross_margin=0.05, traffic=50_000)
    h = await start(env.client, weak, tq)
    st = await until_status(h, Status.IN_REVIEW)
    assert st.proposed_tier == Tier.C  # below every threshold and minimum: still leadership's to decide
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert err.value.cause.type == "forbidden"
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=LEADER, comment="the year's third S"))
    assert st.tier == Tier.S and st.status == Status.SCHEDULED, st.reasons
    rows = await pool.fetch("SELECT type, data, reason FROM events WHERE campaign_id = $1 ORDER BY seq", h.id)
    approved_row = next(r for r in rows if r["type"] == "CampaignApproved")
    assert "leadership's choice" in approved_row["reason"] and "the year's third S" in approved_row["reason"]
    assert (await calendar_place(pool, h))["counted_days"] == POLICY.rule(Tier.S).counted_days
    assert (await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = $1", h.id)) == "scheduled"


async def test_two_b_bursts_of_a_month_get_different_days(engine):
    env, pool, tq = engine
    first = await approved(env, tq, request(Tier.B, "2027-04", line="beauty", category="beauty"))
    second = await approved(env, tq, request(Tier.B, "2027-04", line="apparel", category="apparel"))
    a, b = await state(first), await state(second)
    assert a.burst_start and b.burst_start and a.burst_start != b.burst_start
    assert [p.start for p in b.phases if p.phase.value == "burst"] == [b.burst_start]
    place = await calendar_place(pool, second)
    assert place is not None


async def test_a_clashing_requested_date_offers_the_month_again_and_the_engine_picks_a_free_day(engine):
    env, pool, tq = engine
    first = await approved(env, tq, request(Tier.B, "2027-04", line="beauty", category="beauty"))
    taken = (await state(first)).burst_start
    h = await start(env.client, request(Tier.B, "2027-04", line="apparel", category="apparel", burst_start=taken), tq)
    await until_status(h, Status.IN_REVIEW)
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert st.status == Status.AWAITING_MONTH_CHOICE and st.alternatives[0] == "2027-04"
    assert any("shares the day" in r for r in st.reasons)
    st = await h.execute_update(CampaignWorkflow.choose_month, ChooseMonth(actor=owner_of("apparel"), month="2027-04"))
    assert st.status == Status.SCHEDULED and st.month == "2027-04" and st.burst_start != taken

"""Amend in each state, on the time-skipping server with real activities and PostgreSQL:
in review (applied / re-scored), scheduled (applied at once; or back to review holding its
place, then kept, moved or released), awaiting a month (back to review, then reserved in
the new month), in warm-up (refused: invalid_state, nothing recorded)."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.amend import AmendChanges
from domain.status import Status
from domain.tiers import Tier
from store.projections import rebuild
from tests.store.test_rebuild import snapshot
from tests.workflows.helpers import APPROVER, owner_of, request, start
from tests.workflows.test_lifecycle import (
    _fill_a_slot,
    approved,
    calendar_place,
    engine,  # noqa: F401,F811 - the fixture
    live_bookings,
    log_types,
    skip_to,
    state,
    until_status,
)
from workflows.campaign import CampaignWorkflow
from workflows.messages import Amend, Approve, Reject

OWNER = owner_of("food")


def amend(**changes) -> Amend:
    return Amend(actor=OWNER, changes=AmendChanges(**changes), reason="supplier slipped")


def a_request(month: str = "2027-05", **kw):
    return request(Tier.A, month, revenue_target=20_000_000, gross_margin=0.3, traffic=8_000_000, **kw)


async def test_in_review_a_small_change_applies_and_a_material_one_rescores(engine):  # noqa: F811
    env, pool, tq = engine
    h = await start(env.client, request(Tier.B, "2027-03"), tq)
    before = await until_status(h, Status.IN_REVIEW)
    res = await h.execute_update(CampaignWorkflow.amend, amend(name="Spring snacks", revenue_target=1_100_000))
    assert res.material is False and res.status == Status.IN_REVIEW and res.name == "Spring snacks"
    assert res.score == before.score
    res = await h.execute_update(CampaignWorkflow.amend, amend(revenue_target=9_000_000))
    assert res.material is True and res.status == Status.IN_REVIEW and res.score != before.score
    assert await log_types(pool, h) == ["CampaignSubmitted", "ReviewScored", "CampaignAmended", "CampaignAmended",
                                        "ReviewScored"]
    row = await pool.fetchrow("SELECT data, actor, reason FROM events WHERE campaign_id = $1 AND seq = 4", h.id)
    assert row["data"]["material"] is True and row["data"]["changes"]["revenue_target"]["to"] == 9_000_000
    assert (row["actor"], row["reason"]) == (OWNER.name, "supplier slipped")
    assert await pool.fetchval("SELECT name FROM campaigns WHERE campaign_id = $1", h.id) == "Spring snacks"
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert st.status == Status.SCHEDULED


async def test_scheduled_a_small_change_applies_at_once(engine):  # noqa: F811
    env, pool, tq = engine
    h = await approved(env, tq, a_request())
    held = await live_bookings(pool, h)
    res = await h.execute_update(CampaignWorkflow.amend, amend(name="Mooncakes early"))
    assert res.material is False and res.status == Status.SCHEDULED and res.name == "Mooncakes early"
    assert await live_bookings(pool, h) == held
    assert (await log_types(pool, h))[-1] == "CampaignAmended"


async def test_scheduled_material_goes_back_to_review_holding_its_place_then_moves_on_approval(engine):  # noqa: F811
    env, pool, tq = engine
    h = await approved(env, tq, a_request("2027-05"))
    held = await live_bookings(pool, h)
    res = await h.execute_update(CampaignWorkflow.amend, amend(month="2027-07"))
    assert res.material is True and res.status == Status.IN_REVIEW and res.pending == "approval"
    assert res.month == "2027-05"  # still holding May until the decision
    assert (await calendar_place(pool, h))["month"] == "2027-05" and await live_bookings(pool, h) == held
    assert await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = $1", h.id) == "in_review"
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert st.status == Status.SCHEDULED and st.month == "2027-07" and st.burst_start.month == 7
    assert (await calendar_place(pool, h))["month"] == "2027-07"
    assert {b["resource"] for b in await live_bookings(pool, h)} == {b["resource"] for b in held}
    assert (await log_types(pool, h))[-6:] == ["CampaignAmended", "ReviewScored", "CampaignApproved",
                                               "PlaceReleased", "MonthReserved", "ResourcesAllocated"]
    live = await snapshot(pool)  # the projections of an amended campaign are a fold of its log
    await rebuild(pool)
    assert await snapshot(pool) == live


async def test_scheduled_material_kept_when_approved_unchanged_and_released_when_rejected(engine):  # noqa: F811
    env, pool, tq = engine
    h = await approved(env, tq, a_request("2027-05"))
    res = await h.execute_update(CampaignWorkflow.amend, amend(revenue_target=40_000_000))
    assert res.material is True and res.status == Status.IN_REVIEW
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert st.status == Status.SCHEDULED and st.month == "2027-05" and st.bookings
    assert "PlaceReleased" not in await log_types(pool, h)
    res = await h.execute_update(CampaignWorkflow.amend, amend(revenue_target=80_000_000))
    assert res.material is True
    st = await h.execute_update(CampaignWorkflow.reject, Reject(actor=APPROVER, reason="too optimistic"))
    assert st.status == Status.REJECTED
    assert await live_bookings(pool, h) == [] and await calendar_place(pool, h) is None


async def test_awaiting_a_month_material_change_goes_back_to_review_then_reserves_the_new_month(engine):  # noqa: F811
    env, pool, tq = engine
    _, h = await _fill_a_slot(env, tq)
    assert (await state(h)).status == Status.AWAITING_MONTH_CHOICE
    res = await h.execute_update(CampaignWorkflow.amend, amend(month="2027-08"))
    assert res.material is True and res.status == Status.IN_REVIEW and res.month == "2027-08"
    assert res.alternatives == []
    st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
    assert st.status == Status.SCHEDULED and st.month == "2027-08"
    assert (await calendar_place(pool, h))["month"] == "2027-08"


async def test_in_warmup_amend_is_409_invalid_state_and_records_nothing(engine):  # noqa: F811
    env, pool, tq = engine
    h = await approved(env, tq, a_request("2027-05"))
    st = await state(h)
    await skip_to(env, st.phases[0].start)
    await until_status(h, Status.WARMUP)
    before = await log_types(pool, h)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(CampaignWorkflow.amend, amend(name="late"))
    assert err.value.cause.type == "invalid_state"
    with pytest.raises(WorkflowUpdateFailedError) as err:  # not the owner
        await h.execute_update(CampaignWorkflow.amend, Amend(actor=owner_of("apparel"), changes=AmendChanges(
            name="x"), reason="r"))
    assert err.value.cause.type == "forbidden"
    assert await log_types(pool, h) == before


async def test_an_invalid_change_is_refused_before_history(engine):  # noqa: F811
    env, pool, tq = engine
    h = await start(env.client, request(Tier.B, "2027-03"), tq)
    await until_status(h, Status.IN_REVIEW)
    for bad in (dict(burst_start="2027-05-04"), dict(name="food B 2027-03")):
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(CampaignWorkflow.amend, amend(**bad))
        assert err.value.cause.type == "invalid_request"
    assert await log_types(pool, h) == ["CampaignSubmitted", "ReviewScored"]

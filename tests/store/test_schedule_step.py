"""The approval's one-transaction step (`CampaignActivities.schedule`, issue 28): the
deferred approval, the reservation and the bookings commit together at the seqs the
workflow assigned, a retry writes nothing and answers what was stored, and a failure
leaves none of them behind."""

from __future__ import annotations

from datetime import date

import pytest

from activities.campaign import CampaignActivities
from activities.messages import ReserveMonth, Schedule
from domain import events as ev
from domain.balancing import BalancingRequest
from domain.dates import plan_phases
from domain.policy import Policy
from domain.tiers import Tier
from store import eventstore, projections
from tests.store.helpers import event, slot, submitted

POLICY = Policy.for_year(2027)


def _schedule(cid: str, tier: Tier = Tier.B, month: str = "2027-04", seq: int = 2) -> Schedule:
    burst = date(int(month[:4]), int(month[5:]), 14)
    reserve = ReserveMonth(slot=slot(cid, seq + 1, "promoflow"), phases=plan_phases(POLICY, tier, burst),
                           request=BalancingRequest(campaign_id=cid, month=month, tier=tier, category="food",
                                                    category_reason="test"))
    approved = event(cid, seq, ev.CampaignApproved(tier=tier), actor="jun.approver", reason="ok")
    return Schedule(before=[approved], reserve=reserve,
                    allocate=slot(cid, seq + 2, "promoflow") if tier != Tier.C else None)


async def _submit(pool, cid: str) -> None:
    async with pool.acquire() as conn:
        await projections.record(conn, submitted(cid))


async def _types(pool, cid: str) -> list[tuple[int, str]]:
    return [(r["seq"], r["type"]) for r in await pool.fetch(
        "SELECT seq, type FROM events WHERE campaign_id = $1 ORDER BY seq", cid)]


async def test_approval_reservation_and_bookings_commit_together_and_a_retry_writes_nothing(pool):
    acts = CampaignActivities(pool)
    await _submit(pool, "sched-1")
    inp = _schedule("sched-1")
    first = await acts.schedule(inp)
    assert first.decision.accepted and first.allocated is not None and first.allocated.bookings
    assert await _types(pool, "sched-1") == [(1, "CampaignSubmitted"), (2, "CampaignApproved"),
                                              (3, "MonthReserved"), (4, "ResourcesAllocated")]
    assert await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = 'sched-1'") == "scheduled"
    rows = await pool.fetch("SELECT * FROM events ORDER BY position")
    bookings = await pool.fetchval("SELECT count(*) FROM bookings WHERE campaign_id = 'sched-1'")
    again = await acts.schedule(inp)  # a retry after the commit
    assert again == first
    assert [dict(r) for r in await pool.fetch("SELECT * FROM events ORDER BY position")] == [dict(r) for r in rows]
    assert await pool.fetchval("SELECT count(*) FROM bookings WHERE campaign_id = 'sched-1'") == bookings


async def test_a_c_books_nothing_and_a_refused_month_allocates_nothing(pool):
    acts = CampaignActivities(pool)
    for cid in ("sched-c", "sched-s1", "sched-s2"):
        await _submit(pool, cid)
    c = await acts.schedule(_schedule("sched-c", Tier.C))
    assert c.decision.accepted and c.allocated is None
    assert await _types(pool, "sched-c") == [(1, "CampaignSubmitted"), (2, "CampaignApproved"), (3, "MonthReserved")]
    assert (await acts.schedule(_schedule("sched-s1", Tier.S, "2027-06"))).decision.accepted
    refused = await acts.schedule(_schedule("sched-s2", Tier.S, "2027-06"))  # one S a month
    assert not refused.decision.accepted and refused.allocated is None
    assert await _types(pool, "sched-s2") == [(1, "CampaignSubmitted"), (2, "CampaignApproved"),
                                               (3, "MonthAlternativesOffered")]


async def test_a_failed_step_leaves_no_approval_behind(pool):
    """The allocation's append fails after the approval and the reservation were appended
    (a seq that leaves a gap): none of the three is in the log, no place is held."""
    acts = CampaignActivities(pool)
    await _submit(pool, "sched-x")
    inp = _schedule("sched-x").model_copy(update={"allocate": slot("sched-x", 5, "promoflow")})
    with pytest.raises(eventstore.SeqGap):
        await acts.schedule(inp)
    assert await _types(pool, "sched-x") == [(1, "CampaignSubmitted")]
    assert await pool.fetchval("SELECT count(*) FROM calendar_entries WHERE campaign_id = 'sched-x'") == 0
    assert await pool.fetchval("SELECT tier FROM campaigns WHERE campaign_id = 'sched-x'") is None

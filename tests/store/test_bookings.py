"""No double booking, all-or-nothing allocation, idempotent retries: on a real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
import pytest

from activities.campaign import CampaignActivities
from activities.messages import AllocateResources
from domain import events as ev
from domain.campaign import PhaseName
from domain.dates import plan_phases
from domain.policy import Policy
from domain.tiers import Tier
from store import eventstore
from tests.store.helpers import event, slot, submitted

POLICY = Policy.for_year(2027)


async def _submitted(pool, cid):
    async with pool.acquire() as conn, conn.transaction():
        await eventstore.append(conn, submitted(cid))


async def test_overlapping_live_bookings_are_impossible_even_by_direct_sql(pool):
    insert = """INSERT INTO bookings (campaign_id, resource, unit, phase, during, status)
                VALUES ($1, 'app_first_screen', 1, 'burst', daterange($2, $3), $4)"""
    await pool.execute(insert, "x", date(2027, 5, 10), date(2027, 5, 15), "held")
    with pytest.raises(asyncpg.ExclusionViolationError):
        await pool.execute(insert, "y", date(2027, 5, 14), date(2027, 5, 16), "active")
    # Released bookings do not hold the unit; adjacent ranges do not overlap.
    await pool.execute(insert, "z", date(2027, 5, 12), date(2027, 5, 13), "released")
    await pool.execute(insert, "w", date(2027, 5, 15), date(2027, 5, 16), "held")
    # A unit the catalog does not have cannot be booked at all.
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await pool.execute(insert.replace("'app_first_screen', 1", "'app_first_screen', 999"),
                           "v", date(2027, 6, 1), date(2027, 6, 2), "held")


async def test_concurrent_allocations_never_share_a_unit_and_report_shortfall(pool):
    acts = CampaignActivities(pool)
    phases = plan_phases(POLICY, Tier.B, date(2027, 3, 9))
    n = 30  # more B campaigns on one day than focus-carousel units
    for i in range(n):
        await _submitted(pool, f"b-{i}")
    results = await asyncio.gather(*(
        acts.allocate_resources(AllocateResources(slot=slot(f"b-{i}", 2), tier=Tier.B, phases=phases))
        for i in range(n)))
    units = {r.key: r.units for r in POLICY.resources}
    booked = await pool.fetch("SELECT resource, count(*) AS n, count(DISTINCT unit) AS d FROM bookings "
                              "WHERE status <> 'released' GROUP BY resource")
    for row in booked:
        assert row["n"] == row["d"] <= units[row["resource"]]
    short = [r for r in results if r.shortfall]
    assert short, "30 campaigns cannot all get a focus-carousel unit"
    for r in short:
        for s in r.shortfall:
            assert s.got < s.wanted
        if any(s.required for s in r.shortfall):
            assert not any(b.resource in {s.resource for s in r.shortfall if s.required} for b in r.bookings)


async def test_a_retried_allocation_changes_neither_log_nor_bookings(pool):
    acts = CampaignActivities(pool)
    await _submitted(pool, "a-1")
    inp = AllocateResources(slot=slot("a-1", 2), tier=Tier.A, phases=plan_phases(POLICY, Tier.A, date(2027, 4, 13)))
    first = await acts.allocate_resources(inp)
    log = await pool.fetch("SELECT * FROM events ORDER BY position")
    rows = await pool.fetch("SELECT * FROM bookings ORDER BY resource, unit, phase")
    second = await acts.allocate_resources(inp)
    assert second == first and first.bookings
    assert await pool.fetch("SELECT * FROM events ORDER BY position") == log
    assert await pool.fetch("SELECT * FROM bookings ORDER BY resource, unit, phase") == rows


async def test_a_retried_event_record_changes_nothing(pool):
    acts = CampaignActivities(pool)
    await _submitted(pool, "a-2")
    await acts.allocate_resources(AllocateResources(
        slot=slot("a-2", 2), tier=Tier.B, phases=plan_phases(POLICY, Tier.B, date(2027, 3, 16))))
    started = event("a-2", 3, ev.PhaseStarted(phase=PhaseName.BURST))
    await acts.record_event(started)
    snapshot = (await pool.fetch("SELECT * FROM events ORDER BY position"),
                await pool.fetch("SELECT * FROM bookings ORDER BY resource, unit"),
                await pool.fetch("SELECT * FROM audit_trail ORDER BY position"))
    await acts.record_event(started)
    assert (await pool.fetch("SELECT * FROM events ORDER BY position"),
            await pool.fetch("SELECT * FROM bookings ORDER BY resource, unit"),
            await pool.fetch("SELECT * FROM audit_trail ORDER BY position")) == snapshot
    assert {r["status"] for r in snapshot[1]} == {"active"}


async def test_an_a_without_the_venue_entry_gets_no_required_resource(pool):
    """A's venue entry is required (all or nothing with its first screens): with both main
    venue units held by others, an A gets no first screen either, and the shortfall names
    the venue."""
    acts = CampaignActivities(pool)
    phases = plan_phases(POLICY, Tier.A, date(2027, 3, 9))
    span = (phases[0].start, phases[-1].end)
    for unit in (1, 2):
        await pool.execute("INSERT INTO bookings (campaign_id, resource, unit, phase, during, status) "
                           "VALUES ($1, 'main_venue', $2, 'burst', daterange($3, $4), 'held')",
                           f"other-{unit}", unit, *span)
    await _submitted(pool, "a-1")
    r = await acts.allocate_resources(AllocateResources(slot=slot("a-1", 2), tier=Tier.A, phases=phases))
    assert any(s.resource == "main_venue" and s.required for s in r.shortfall)
    assert not any(b.resource.endswith("first_screen") for b in r.bookings)

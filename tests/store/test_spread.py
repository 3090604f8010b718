"""Live path, playbook fidelity: burst dates are picked under the year lock among the month's
reserved bursts, and an S closes every month its burst touches (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from activities.campaign import CampaignActivities
from activities.messages import EventSlot, ReserveMonth
from domain.balancing import BalancingRequest
from domain.campaign import CampaignRequest
from domain.dates import plan_phases
from domain.policy import Policy
from domain.scoring import score_request
from domain.tiers import Tier
from store import eventstore
from tests.store.helpers import submitted

POLICY = Policy.for_year(2027)
EARLY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # every tier's lead is met
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "year-2027.json"


def _reserve(cid: str, tier: Tier, month: str, category: str, requested: date | None = None) -> ReserveMonth:
    # the workflow's own (lock-free) choice: the 16th; the activity picks among the month's bursts
    return ReserveMonth(
        slot=EventSlot(campaign_id=cid, seq=2, at=EARLY, actor="promoflow"),
        phases=plan_phases(POLICY, tier, requested or date.fromisoformat(f"{month}-16")),
        requested_burst_start=requested,
        request=BalancingRequest(campaign_id=cid, month=month, tier=tier, category=category, category_reason="test"))


async def _submit(pool, cid: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await eventstore.append(conn, submitted(cid))


async def _bursts(pool) -> dict[str, list[tuple[str, str, set[date]]]]:
    rows = await pool.fetch(
        """SELECT e.campaign_id, e.month, e.tier, (p->>'start')::date AS s, (p->>'end')::date AS e
           FROM calendar_entries e, jsonb_array_elements(e.phases) p WHERE p->>'phase' = 'burst'""")
    out: dict[str, list] = defaultdict(list)
    for r in rows:
        days = {r["s"] + timedelta(days=i) for i in range((r["e"] - r["s"]).days)}
        out[r["month"]].append((r["campaign_id"], r["tier"], days))
    return out


async def test_the_example_year_in_arrival_order_puts_no_two_bursts_of_a_month_on_one_day(pool):
    """Issue: 'Jan 5: one A + three B; Mar 2, Apr 6, May 11, Aug 3, Oct 12 the same'."""
    acts = CampaignActivities(pool)
    accepted = 0
    for row in json.loads(EXAMPLE.read_text()):
        req = CampaignRequest(**row)
        review = score_request(POLICY, POLICY.business_lines[req.business_line], req)
        tier = Tier.S if req.requested_tier == Tier.S else review.proposed_tier  # leadership's S
        cid = f"campaign-{req.business_line}-{req.request_id}"
        await _submit(pool, cid)
        decision = await acts.reserve_month(_reserve(cid, tier, req.month, req.category, req.burst_start))
        accepted += decision.accepted
    assert accepted >= 30
    for month, bursts in (await _bursts(pool)).items():
        days = [d for _, _, ds in bursts for d in ds]
        assert len(days) == len(set(days)), f"{month}: bursts share a day: {bursts}"


async def test_concurrent_b_reservations_of_one_month_get_distinct_days(pool):
    reqs = [_reserve(f"b-{i}", Tier.B, "2027-09", cat) for i, cat in enumerate(["food", "beauty", "apparel"])]
    for r in reqs:
        await _submit(pool, r.slot.campaign_id)
    acts = CampaignActivities(pool)
    decisions = await asyncio.gather(*(acts.reserve_month(r) for r in reqs))
    assert all(d.accepted for d in decisions)
    starts = [d.burst_start for d in decisions]
    assert len(set(starts)) == 3 and all(d.phases and d.phases[-1].start == d.burst_start for d in decisions)
    assert sorted(starts) == [date(2027, 9, 7), date(2027, 9, 14), date(2027, 9, 21)]  # Tuesdays, best first


async def test_an_s_burst_into_december_closes_december_on_the_live_path(pool):
    acts = CampaignActivities(pool)
    await _submit(pool, "s-late")
    s = await acts.reserve_month(_reserve("s-late", Tier.S, "2027-11", "apparel", date(2027, 11, 29)))
    assert s.accepted and s.burst_start == date(2027, 11, 29)
    await _submit(pool, "a-dec")
    a = await acts.reserve_month(_reserve("a-dec", Tier.A, "2027-12", "food"))
    assert not a.accepted and any("S month of s-late" in r for r in a.reasons)
    assert "2027-12" not in a.alternatives and "2027-11" not in a.alternatives


async def test_a_requested_date_that_clashes_offers_the_same_month_first(pool):
    acts = CampaignActivities(pool)
    await _submit(pool, "a-sep")
    first = await acts.reserve_month(_reserve("a-sep", Tier.A, "2027-09", "food"))
    assert first.accepted and first.burst_start == date(2027, 9, 7)
    await _submit(pool, "b-sep")
    clash = await acts.reserve_month(_reserve("b-sep", Tier.B, "2027-09", "beauty", date(2027, 9, 8)))
    assert not clash.accepted and clash.alternatives[0] == "2027-09"
    assert "a-sep" in clash.reasons[0] and "free burst days in 2027-09" in clash.reasons[1]
    kind = await pool.fetchval("SELECT type FROM events WHERE campaign_id = 'b-sep' AND seq = 2")
    assert kind == "MonthAlternativesOffered"  # recorded, nothing reserved
    assert await pool.fetchval("SELECT count(*) FROM calendar_entries WHERE campaign_id = 'b-sep'") == 0

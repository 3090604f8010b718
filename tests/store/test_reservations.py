"""Capacity and budget are decided inside the append transaction, under the year lock."""

from __future__ import annotations

import asyncio
import random

from activities.campaign import CampaignActivities
from activities.messages import ReserveMonth
from domain.balancing import BalancingRequest
from domain.dates import plan_phases
from domain.policy import Policy
from domain.tiers import Tier
from store import eventstore
from tests.store.helpers import slot, submitted

POLICY = Policy.for_year(2027)
CATEGORIES = ["food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border", "digital", "sports"]


async def _submit(pool, cid: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await eventstore.append(conn, submitted(cid))


def _reserve(cid: str, tier: Tier, month: str, category: str, hot: bool = False) -> ReserveMonth:
    from datetime import date
    burst = date(int(month[:4]), int(month[5:]), 16)
    return ReserveMonth(slot=slot(cid, 2), phases=plan_phases(POLICY, tier, burst), request=BalancingRequest(
        campaign_id=cid, month=month, tier=tier, category=category, hot_topic=hot, category_reason="test"))


async def _reserve_all(pool, reqs: list[ReserveMonth]):
    acts = CampaignActivities(pool)
    for r in reqs:
        await _submit(pool, r.slot.campaign_id)
    return await asyncio.gather(*(acts.reserve_month(r) for r in reqs))


async def test_200_concurrent_reservations_for_one_month_never_pass_its_caps(pool):
    rng = random.Random(7)
    reqs = [_reserve(f"m-{i}", rng.choice([Tier.S, Tier.A, Tier.A, Tier.B, Tier.B, Tier.B]), "2027-05",
                     rng.choice(CATEGORIES)) for i in range(200)]
    decisions = await _reserve_all(pool, reqs)
    assert any(d.accepted for d in decisions)
    counts = dict(await pool.fetch("SELECT tier, count(*) FROM calendar_entries WHERE month = '2027-05' GROUP BY tier"))
    s, a, b = counts.get("S", 0), counts.get("A", 0), counts.get("B", 0)
    assert s <= 1
    if s:
        assert a == 0 and b == 0, "an S month holds no A or B"
    assert a <= POLICY.rule(Tier.A).max_per_month
    assert b <= POLICY.rule(Tier.B).max_per_month
    # Every decision is in the log, each campaign exactly once at seq 2.
    assert await pool.fetchval("SELECT count(*) FROM events WHERE seq = 2") == 200
    # The calendar is what the log says: one MonthReserved per entry, minus displaced ones.
    live = await pool.fetchval("SELECT count(*) FROM calendar_entries")
    assert live == sum(1 for d in decisions if d.accepted) - sum(len(d.displaced) for d in decisions)


async def test_200_concurrent_reservations_never_pass_the_yearly_budget(pool):
    rng = random.Random(11)
    months = [f"2027-{m:02d}" for m in range(1, 13)]
    reqs = [_reserve(f"y-{i}", rng.choice([Tier.S, Tier.A, Tier.B]), rng.choice(months), rng.choice(CATEGORIES),
                     hot=(i % 10 == 0)) for i in range(200)]
    await _reserve_all(pool, reqs)
    used = await pool.fetchval("SELECT coalesce(sum(counted_days), 0) FROM calendar_entries WHERE year = 2027")
    planned = await pool.fetchval(
        "SELECT coalesce(sum(counted_days), 0) FROM calendar_entries WHERE year = 2027 AND NOT hot_topic")
    assert used <= POLICY.yearly_budget_days
    assert await pool.fetchval("SELECT count(*) FROM calendar_entries WHERE tier = 'S'") <= POLICY.rule(Tier.S).max_per_year
    over = await pool.fetch(
        """SELECT month, tier, count(*) AS n FROM calendar_entries GROUP BY month, tier
           HAVING (tier = 'A' AND count(*) > $1) OR (tier = 'B' AND count(*) > $2) OR (tier = 'S' AND count(*) > 1)""",
        POLICY.rule(Tier.A).max_per_month, POLICY.rule(Tier.B).max_per_month)
    assert over == []
    s_months_with_others = await pool.fetchval(
        """SELECT count(*) FROM calendar_entries s JOIN calendar_entries o
           ON o.month = s.month AND o.campaign_id <> s.campaign_id AND o.tier IN ('S', 'A', 'B') WHERE s.tier = 'S'""")
    assert s_months_with_others == 0
    assert planned <= used


async def test_a_retried_reservation_returns_the_first_decision_and_writes_nothing(pool):
    acts = CampaignActivities(pool)
    req = _reserve("retry-1", Tier.A, "2027-04", "food")
    [first] = await _reserve_all(pool, [req])
    before = await pool.fetch("SELECT * FROM events ORDER BY position")
    cal_before = await pool.fetch("SELECT * FROM calendar_entries")
    # The month fills up meanwhile; the retry must still return the recorded decision.
    await _reserve_all(pool, [_reserve("other-a", Tier.A, "2027-04", "beauty")])
    again = await acts.reserve_month(req)
    assert again == first and first.accepted
    after = await pool.fetch("SELECT * FROM events WHERE campaign_id = 'retry-1' ORDER BY position")
    assert [dict(r) for r in after] == [dict(r) for r in before if r["campaign_id"] == "retry-1"]
    assert await pool.fetchval("SELECT count(*) FROM calendar_entries WHERE campaign_id = 'retry-1'") == 1
    assert len(cal_before) == 1

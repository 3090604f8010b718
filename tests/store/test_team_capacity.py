"""Team capacity on the live path: decided in reserve_month's transaction, under the year
lock, so whatever the order (and concurrency) no team's week passes its capacity."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest

from activities.campaign import CampaignActivities
from activities.messages import EventSlot, ReserveMonth
from domain.approvals.preparation import team_demand
from domain.balancing import BalancingRequest
from domain.campaign import Phase
from domain.dates import plan_phases
from domain.policy import Policy
from domain.tiers import Tier
from services import policy as policy_changes
from store import eventstore
from tests.store.helpers import submitted

EARLY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
# tight teams, so that the caps of the months rarely bind before the teams do
TIGHT = {"teams": [{"key": "design", "name": "design", "capacity": 10},
                   {"key": "operations", "name": "operations", "capacity": 6},
                   {"key": "customer_service", "name": "customer service", "capacity": 8},
                   {"key": "tech_on_call", "name": "tech on call", "capacity": 10}]}


async def _set_overrides(pool, overrides: dict) -> Policy:
    await policy_changes.change(pool, 2027, overrides, "test: team capacity", "yan.ops")
    return Policy.for_year(2027, overrides)


def _reserve(policy: Policy, cid: str, tier: Tier, month: str, category: str,
             requested: date | None = None) -> ReserveMonth:
    burst = requested or date(int(month[:4]), int(month[5:]), 16)
    return ReserveMonth(
        slot=EventSlot(campaign_id=cid, seq=2, at=EARLY, actor="promoflow"),
        phases=plan_phases(policy, tier, burst), requested_burst_start=requested,
        request=BalancingRequest(campaign_id=cid, month=month, tier=tier, category=category,
                                 category_reason="test", a_override=True))


async def _run(pool, reqs: list[ReserveMonth]):
    acts = CampaignActivities(pool)
    for r in reqs:
        async with pool.acquire() as conn, conn.transaction():
            await eventstore.append(conn, submitted(r.slot.campaign_id))
    return await asyncio.gather(*(acts.reserve_month(r) for r in reqs))


async def _week_demand(pool, policy: Policy) -> dict:
    load: dict = defaultdict(int)
    for r in await pool.fetch("SELECT tier, phases FROM calendar_entries"):
        for key, n in team_demand(policy, Tier(r["tier"]), [Phase.model_validate(p) for p in r["phases"]]).items():
            load[key] += n
    return load


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_concurrent_reservations_in_any_order_never_pass_a_teams_week(pool, seed):
    policy = await _set_overrides(pool, TIGHT)
    rng = random.Random(seed)
    months = ["2027-03", "2027-04", "2027-05"]
    reqs = [_reserve(policy, f"t{seed}-{i}", rng.choice([Tier.A, Tier.B, Tier.B, Tier.B]), rng.choice(months),
                     f"cat{i % 7}") for i in range(40)]
    rng.shuffle(reqs)
    decisions = await _run(pool, reqs)
    assert any(d.accepted for d in decisions)
    refused = [d for d in decisions if not d.accepted and any(r.startswith("team ") for r in d.reasons)]
    assert refused, "the tight teams never bound: the test proves nothing"
    capacity = {t.key: t.capacity for t in policy.teams}
    load = await _week_demand(pool, policy)
    assert all(n <= capacity[team] for (team, _), n in load.items()), dict(load)


async def test_a_week_full_for_one_team_sends_the_next_campaign_to_alternatives_naming_it(pool):
    teams = [{**t, "capacity": 4} if t["key"] == "customer_service" else t for t in Policy.defaults(2027)["teams"]]
    policy = await _set_overrides(pool, {"teams": teams})
    (first,) = await _run(pool, [_reserve(policy, "b1", Tier.B, "2027-03", "food", date(2027, 3, 9))])
    assert first.accepted and first.burst_start == date(2027, 3, 9)
    (second,) = await _run(pool, [_reserve(policy, "b2", Tier.B, "2027-03", "apparel", date(2027, 3, 10))])
    assert not second.accepted
    assert second.reasons == ["team customer_service is full in 2027-W10: 4 of 4 people-days taken, "
                              "this campaign needs 4"]
    assert second.alternatives and second.alternatives[0] == "2027-03"  # another week of the month fits
    row = await pool.fetchrow("SELECT type, data FROM events WHERE campaign_id = 'b2' AND seq = 2")
    assert row["type"] == "MonthAlternativesOffered" and "customer_service" in row["data"]["reasons"][0]
    assert await pool.fetchval("SELECT count(*) FROM calendar_entries WHERE campaign_id = 'b2'") == 0
    # without a date of its own the engine picks another week of the month, and it fits
    (third,) = await _run(pool, [_reserve(policy, "b3", Tier.B, "2027-03", "beauty")])
    assert third.accepted and third.burst_start.isocalendar()[1] != 10

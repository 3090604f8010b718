"""Differential test: the SQL path (month locks, a window of months, the year's totals
under the year lock) decides exactly as the pure `balance()` oracle on the whole year,
with the marketing budget too (each request costs money; the costs on the places are
summed under the year lock)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from activities.campaign import CampaignActivities
from activities.messages import EventSlot, ReserveMonth
from domain.balancing import BalancingRequest, YearCalendar, apply, balance
from domain.dates import burst_span, choose_burst_start, plan_phases
from domain.policy import Policy
from domain.tiers import Tier
from services import policy as policy_changes
from store import eventstore
from tests.store.helpers import submitted

TIGHT = {"yearly_budget_days": 60, "hot_topic_reserve_days": 10}  # the budget refuses too
# the marketing budget refuses (costs drawn up to 4 M: about a dozen fit), and with the days too
MONEY = {"marketing_budget": 20_000_000, "hot_topic_reserve_money": 3_000_000}
MONEY_TIGHT = {**TIGHT, "marketing_budget": 8_000_000, "hot_topic_reserve_money": 2_000_000}
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # every tier's lead is met
TODAY = date(2026, 6, 1)
CATEGORIES = ["food", "apparel", "beauty", "toys"]


def _requests(seed: int, n: int = 40) -> list[BalancingRequest]:
    rng = random.Random(seed)
    costs = random.Random(-seed)  # its own stream: the seeds' requests stay what they were
    out = []
    for i in range(n):
        tier = rng.choice([Tier.S, Tier.A, Tier.A, Tier.B, Tier.B, Tier.B, Tier.C])
        month = f"2027-{rng.randint(1, 12):02d}"
        out.append(BalancingRequest(campaign_id=f"o{seed}-{i}", month=month, tier=tier,
                                    category=rng.choice(CATEGORIES), hot_topic=rng.random() < 0.1,
                                    category_reason="rotation noted" if rng.random() < 0.3 else None,
                                    cost=costs.choice([0, 250_000, 1_000_000, 2_500_000, 4_000_000])))
    return out


def _oracle(policy: Policy, cal: YearCalendar, r: BalancingRequest):
    taken = [] if r.tier == Tier.S else cal.bursts(exclude=r.campaign_id)
    choice = choose_burst_start(policy, r.tier, r.month, None, TODAY, r.hot_topic, taken)
    if choice.burst_start is None:
        return None, r
    if span := burst_span(choice.phases):
        r = r.model_copy(update={"burst_start": span[0], "burst_end": span[1]})
    return balance(policy, cal, r, with_alternatives=False), r


@pytest.mark.parametrize("seed,overrides", [(1, {}), (2, {}), (3, {}), (4, TIGHT), (5, TIGHT),
                                            (6, MONEY), (7, MONEY), (8, MONEY_TIGHT), (9, MONEY_TIGHT)])
async def test_the_sql_path_decides_as_the_oracle(pool, seed, overrides):
    if overrides:
        await policy_changes.change(pool, 2027, overrides, "test: the oracle's policy", "yan.ops")
    policy = Policy.for_year(2027, overrides)
    acts = CampaignActivities(pool)
    cal = YearCalendar(year=2027)
    refused_on_money = 0
    for r in _requests(seed):
        async with pool.acquire() as conn, conn.transaction():
            await eventstore.append(conn, submitted(r.campaign_id))
        got = await acts.reserve_month(ReserveMonth(
            slot=EventSlot(campaign_id=r.campaign_id, seq=2, at=AT, actor="promoflow"),
            phases=plan_phases(policy, r.tier, date.fromisoformat(f"{r.month}-16")), request=r))
        want, placed = _oracle(policy, cal, r)
        if want is None:
            assert not got.accepted, (r, got)
            continue
        assert (got.accepted, sorted(got.displaced)) == (want.accepted, sorted(want.displaced)), (r, got, want)
        if want.accepted:
            assert got.burst_start == placed.burst_start or r.tier == Tier.C, (r, got, placed)
            cal = apply(cal, placed, want)
        else:
            assert got.reasons == want.reasons
            refused_on_money += any(r.startswith("marketing_budget") for r in got.reasons)
    used = await pool.fetchval("SELECT coalesce(sum(counted_days), 0) FROM calendar_entries WHERE year = 2027")
    assert used == sum(e.counted_days for e in cal.entries)
    assert used <= policy.yearly_budget_days
    money = await pool.fetchval("SELECT coalesce(sum(cost), 0) FROM calendar_entries WHERE year = 2027")
    assert money == pytest.approx(sum(e.cost for e in cal.entries))
    if policy.marketing_budget is not None:
        assert money <= policy.marketing_budget
        # the money decided: some request was refused on it
        assert refused_on_money, "no request was refused on the marketing budget"

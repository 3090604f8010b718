"""The differential test: the campaign fold (domain/campaign_fold.py) and the SQL
projections (store/projections.py and the tables it feeds) say the same of every campaign.

Each stream goes through `store.projections.record` (the live path's append + fold, on the
real PostgreSQL) and through `campaign_fold.fold`; every field both hold is compared: the
campaigns row, the calendar entry, the booking rows, the milestones, the daily actuals and
the outcome. The streams are 1,000 generated ones (tests/store/campaign_streams.py, seeded)
and the streams real workflow runs recorded (test_fold_agrees_on_the_streams_real_workflows_recorded).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pytest

from domain import campaign_fold
from domain import events as ev
from domain.campaign import Phase, PhaseName
from domain.campaign_fold import CampaignFold
from domain.events import Event
from domain.tiers import Tier
from store import projections
from tests.store.campaign_streams import resource_units, streams
from tests.store.helpers import event, submitted

GENERATED = 1000


def expected_rows(s: CampaignFold) -> dict[str, Any]:
    """What the projections should hold for a campaign, from its fold, in their columns."""
    def tier(t):
        return t.value if t is not None else None
    out: dict[str, Any] = {
        "campaigns": [{
            "request_id": s.request_id, "name": s.name, "business_line": s.business_line, "category": s.category,
            "owner": s.owner, "requested_tier": tier(s.requested_tier), "proposed_tier": tier(s.proposed_tier),
            "tier": tier(s.tier), "status": s.status.value, "month": s.month, "hot_topic": s.hot_topic,
            "score": s.score, "submitted_at": s.submitted_at, "updated_at": s.updated_at, "last_seq": s.last_seq,
            "money": s.money.model_dump() if s.money is not None else None}],
        "calendar_entries": [] if s.place is None else [{
            "year": s.place.year, "month": s.place.month, "tier": s.place.tier.value, "category": s.place.category,
            "counted_days": s.place.counted_days, "hot_topic": s.place.hot_topic,
            "phases": [p.model_dump(mode="json") for p in s.place.phases], "cost": s.place.cost}],
        "bookings": sorted((b.resource, b.unit, b.phase.value, b.start, b.end, b.status)
                           for b in s.booking_rows.values()),
        "milestones": sorted((m.key, m.name, m.team, m.due, m.status.value, m.done_by, m.done_at,
                              s.milestone_comments.get(m.key)) for m in s.milestones),
        "campaign_actuals": sorted((d, a.row.traffic, a.row.orders, a.row.gmv, a.row.gross_profit, a.business_line,
                                    a.seq, a.row.promotion_cost, a.row.paid_traffic) for d, a in s.actuals.items()),
        "campaign_outcomes": [] if s.outcome is None else [{
            "year": int(s.outcome.month[:4]), "month": s.outcome.month, "business_line": s.outcome.business_line,
            "tier": s.outcome.tier.value, "name": s.outcome.name, "days": s.outcome.days,
            "counted_days": s.outcome.outcome.counted_days, "gross_profit": s.outcome.outcome.gross_profit,
            "gross_profit_per_counted_day": s.outcome.outcome.gross_profit_per_counted_day,
            "forecast_sales": s.outcome.outcome.forecast.sales, "sales": s.outcome.outcome.actual.sales,
            "orders": s.outcome.outcome.orders, "outcome": s.outcome.outcome.model_dump(mode="json"),
            "seq": s.outcome.seq}],
    }
    return out


_QUERIES = {
    "campaigns": """SELECT campaign_id, request_id, name, business_line, category, owner, requested_tier, proposed_tier,
                           tier, status, month, hot_topic, score, submitted_at, updated_at, last_seq, money
                    FROM campaigns WHERE campaign_id = ANY($1::text[])""",
    "calendar_entries": """SELECT campaign_id, year, month, tier, category, counted_days, hot_topic, phases, cost
                           FROM calendar_entries WHERE campaign_id = ANY($1::text[])""",
    "bookings": """SELECT campaign_id, resource, unit, phase, lower(during), upper(during), status
                   FROM bookings WHERE campaign_id = ANY($1::text[])""",
    "milestones": """SELECT campaign_id, key, name, team, due, status, done_by, done_at, comment
                     FROM milestones WHERE campaign_id = ANY($1::text[])""",
    "campaign_actuals": """SELECT campaign_id, day, traffic, orders, gmv, gross_profit, business_line, seq,
                                  promotion_cost, paid_traffic
                           FROM campaign_actuals WHERE campaign_id = ANY($1::text[])""",
    "campaign_outcomes": """SELECT campaign_id, year, month, business_line, tier, name, days, counted_days, gross_profit,
                                   gross_profit_per_counted_day, forecast_sales, sales, orders, outcome, seq
                            FROM campaign_outcomes WHERE campaign_id = ANY($1::text[])""",
}
_AS_DICTS = ("campaigns", "calendar_entries", "campaign_outcomes")


async def projected_rows(conn, campaign_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The projections' rows of these campaigns, shaped as `expected_rows` gives them."""
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {t: [] for t in _QUERIES})
    for table, sql in _QUERIES.items():
        for r in await conn.fetch(sql, campaign_ids):
            row = dict(r)
            cid = row.pop("campaign_id")
            out[cid][table].append(row if table in _AS_DICTS else tuple(row.values()))
    for rows in out.values():
        for table in ("bookings", "milestones", "campaign_actuals"):
            rows[table].sort()
    return out


def disagreements(stream: list[Event], projected: dict[str, Any]) -> list[str]:
    state = campaign_fold.fold(stream)
    assert state is not None
    want = expected_rows(state)
    return [f"{stream[0].campaign_id} {table}: fold {want[table]!r} != projection {projected[table]!r} "
            f"(events: {[e.type for e in stream]})"
            for table in want if want[table] != projected[table]]


async def record_all(pool, batch: list[list[Event]]) -> None:
    """Each stream through the live path's append + fold, one transaction per stream."""
    async with pool.acquire() as conn:
        await conn.executemany("INSERT INTO resource_units (resource, unit) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                               resource_units(batch))
        for stream in batch:
            async with conn.transaction():
                for event in stream:
                    assert await projections.record(conn, event) is not None


@pytest.fixture(scope="module")
def generated() -> list[list[Event]]:
    return streams(seed=2027, count=GENERATED)


async def test_fold_and_projections_agree_on_1000_generated_streams(pool, generated):
    await record_all(pool, generated)
    async with pool.acquire() as conn:
        rows = await projected_rows(conn, [s[0].campaign_id for s in generated])
    found = [d for s in generated for d in disagreements(s, rows[s[0].campaign_id])]
    assert not found, f"{len(found)} disagreements, the first: " + "\n".join(found[:3])
    # the generator reaches every corner the comparison is about
    kinds = {e.type for s in generated for e in s}
    assert {"PlaceReleased", "CampaignAmended", "MilestoneDone", "MilestoneOverdue", "MilestonesMoved",
            "DisplacedBySCampaign", "ActualsCorrected", "CampaignOutcome", "RequestExpired"} <= kinds
    statuses = {campaign_fold.fold(s).status.value for s in generated}  # type: ignore[union-attr]
    assert statuses >= {"in_review", "awaiting_month_choice", "scheduled", "warmup", "burst", "encore", "completed",
                        "cancelled", "rejected", "expired"}


async def test_the_comparison_sees_a_fold_that_ignores_an_event(pool, generated, monkeypatch):
    """The differential test can fail: a fold that ignored PlaceReleased disagrees with the
    projections of every stream cut just after its release."""
    cut = [s[:next(i for i, e in enumerate(s) if e.type == "PlaceReleased") + 1]
           for s in generated if any(e.type == "PlaceReleased" for e in s)][:10]
    assert cut
    await record_all(pool, cut)
    async with pool.acquire() as conn:
        rows = await projected_rows(conn, [s[0].campaign_id for s in cut])
    assert not [d for s in cut for d in disagreements(s, rows[s[0].campaign_id])]
    apply = campaign_fold.apply

    def ignoring_releases(state, event):
        if event.type == "PlaceReleased":
            return state.model_copy(update={"updated_at": event.at, "last_seq": event.seq})
        return apply(state, event)
    monkeypatch.setattr(campaign_fold, "apply", ignoring_releases)
    assert all(disagreements(s, rows[s[0].campaign_id]) for s in cut)


async def test_a_released_place_leaves_the_campaign_at_its_amended_month(pool):
    """Found by the differential test: after PlaceReleased the list said the month given
    back; the workflow's state and the fold say the amended request's month."""
    cid = "campaign-food-moved"
    first = submitted(cid, month="2027-03", tier=Tier.B)
    asked = first.body.request  # type: ignore[union-attr]
    moved = asked.model_copy(update={"month": "2027-05"})
    phases = [Phase(phase=PhaseName.BURST, start=date(2027, 3, 9), end=date(2027, 3, 10))]
    stream = [first, *(event(cid, i + 2, body) for i, body in enumerate([
        ev.ReviewScored(score=1, factors={}, proposed_tier=Tier.B, forecast_sales=1, revenue_target=1,
                        target_reachable=True),
        ev.CampaignApproved(tier=Tier.B),
        ev.MonthReserved(month="2027-03", tier=Tier.B, category="food", counted_days=3, hot_topic=False,
                         phases=phases),
        ev.CampaignAmended(changes={"month": {"from": "2027-03", "to": "2027-05"}}, material=True, stage="in_review",
                           request=moved, month="2027-03"),
        ev.ReviewScored(score=1, factors={}, proposed_tier=Tier.B, forecast_sales=1, revenue_target=1,
                        target_reachable=True),
        ev.CampaignApproved(tier=Tier.B),
        ev.PlaceReleased(month="2027-03")]))]
    await record_all(pool, [stream])
    assert await pool.fetchval("SELECT month FROM campaigns WHERE campaign_id = $1", cid) == "2027-05"
    assert campaign_fold.fold(stream).month == "2027-05"  # type: ignore[union-attr]
    offered = event(cid, 9, ev.MonthAlternativesOffered(month="2027-05", alternatives=["2027-06"], reasons=["full"]))
    await record_all(pool, [[offered]])
    async with pool.acquire() as conn:
        rows = await projected_rows(conn, [cid])
    assert not disagreements([*stream, offered], rows[cid])
    assert rows[cid]["campaigns"][0]["status"] == "awaiting_month_choice"


async def test_results_read_the_request_as_amended(pool, generated):
    """The results record is the fold's: an amended campaign's outcome is worked out on the
    request it ran with (the hand fold before it kept the submitted one), in the one-stream
    read and in the bulk read, which folds only the SHAPING events."""
    from store import results

    amended = [s for s in generated if any(e.type == "CampaignAmended" for e in s)][:20]
    await record_all(pool, amended)
    async with pool.acquire() as conn:
        many = await results.campaign_records(conn, [s[0].campaign_id for s in amended])
    for stream in amended:
        last = [e.body for e in stream if isinstance(e.body, ev.CampaignAmended)][-1]
        one = await results.campaign_record(pool, stream[0].campaign_id)
        assert one is not None and one.request == last.request
        state = campaign_fold.fold(stream)
        assert state is not None
        for rec in (one, many[stream[0].campaign_id]):
            assert (rec.request, rec.tier, rec.phases, rec.counted_days, rec.status, rec.last_seq,
                    rec.has_outcome) == (last.request, state.tier, state.phases, state.counted_days,
                                         state.status.value, state.last_seq, state.outcome is not None)


async def test_the_read_of_an_ended_campaign_is_its_fold(pool, generated):
    """`GET /campaigns/{id}` without a workflow (api/campaign_read.py) answers the fold: the
    amended name and month, the released place's phases and bookings gone, the milestones
    (the hand fold before it ignored CampaignAmended, PlaceReleased and the milestone events)."""
    from api.campaign_read import state_from_log

    picked = [s for s in generated if {"PlaceReleased", "MilestonesPlanned"} <= {e.type for e in s}][:10]
    assert picked
    await record_all(pool, picked)
    for stream in picked:
        read = await state_from_log(pool, stream[0].campaign_id)
        state = campaign_fold.fold(stream)
        assert read is not None and state is not None
        assert read.model_dump() == {**state.api_fields(), "pending": None}
        last = [e.body for e in stream if isinstance(e.body, ev.CampaignAmended)][-1]
        assert read.name == last.request.name and read.milestones

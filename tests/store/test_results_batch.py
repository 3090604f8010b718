"""The bulk actuals batch (`results.record_actuals_batch`) against the one-by-one path it
replaces for campaigns without a workflow: the same answers item by item and the same log,
outbox and projection rows; its batched fold (`results_projection.apply_many`) against
`projections.apply` event by event; and the guards of `eventstore.append_many`."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from domain import events as ev
from domain.campaign import MAX_TRAFFIC, Phase, PhaseName, campaign_id_for
from domain.policy import Policy
from domain.results import events as results_ev
from domain.results.actuals import ActualRow, Correction
from domain.results.outcome import compute_outcome
from domain.tiers import Tier
from store import eventstore, projections, results, results_projection, subscriptions
from store.projections import rebuild
from tests.store.test_rebuild import snapshot
from tests.workflows.helpers import request

NOW = datetime(2027, 12, 1, tzinfo=UTC)
PHASES = [Phase(phase=PhaseName.WARMUP, start=date(2027, 5, 7), end=date(2027, 5, 11)),
          Phase(phase=PhaseName.BURST, start=date(2027, 5, 11), end=date(2027, 5, 14))]
RESULT_TYPES = ["ActualsRecorded", "ActualsCorrected", "CampaignOutcome"]


def days(start: date, n: int, gmv: float = 1000.0, traffic: int = 1000) -> list[ActualRow]:
    return [ActualRow(date=start + timedelta(days=i), traffic=traffic, orders=10, gmv=gmv, gross_profit=gmv / 5)
            for i in range(n)]


async def _campaigns(pool) -> dict[str, str]:
    """A: imported with 14 days; B: imported (another line) without actuals; C: a month
    and phases but not completed (no outcome to recompute); D: only submitted (no phases)."""
    ids = {}
    async with pool.acquire() as conn, conn.transaction():
        for key, line, rows in (("a", "food", days(date(2027, 4, 30), 14)), ("b", "beauty", [])):
            ids[key] = campaign_id_for(line, f"batch-{key}")
            assert await results.import_campaign(conn, ids[key], request(Tier.A, "2027-05", line=line,
                                                 request_id=f"batch-{key}"), Tier.A, PHASES, rows, "yan.ops", NOW)
        for key, with_month in (("c", True), ("d", False)):
            req = request(Tier.A, "2027-05", request_id=f"batch-{key}")
            ids[key] = campaign_id_for("food", req.request_id)
            bodies: list[ev.EventBody] = [ev.CampaignSubmitted(request=req, owner="lin.food")]
            if with_month:
                bodies += [ev.CampaignApproved(tier=Tier.A),
                           ev.MonthReserved(month="2027-05", tier=Tier.A, category="food", counted_days=7,
                                            hot_topic=False, phases=PHASES)]
            await results.append_direct(conn, ids[key], bodies, "lin.food", None, NOW)
    await subscriptions.subscribe(pool, subscription_id="all-results", url="http://hooks.test/r", events=RESULT_TYPES,
                           secret_enc="s", created_by="yan.ops", now=NOW)
    await subscriptions.subscribe(pool, subscription_id="outcomes", url="http://hooks.test/o", events=["CampaignOutcome"],
                           secret_enc="s", created_by="yan.ops", now=NOW)
    return ids


async def _written(conn, campaign_ids: list[str]) -> dict[str, Any]:
    """What a run left: the log of these streams (in log order, without positions), the
    outbox rows (the position in each payload checked against the log, then dropped) and
    the projections the appends touch."""
    log = await conn.fetch("SELECT position, campaign_id, seq, type, schema_version, data, actor, reason, at "
                           "FROM events WHERE campaign_id = ANY($1::text[]) ORDER BY position", campaign_ids)
    positions = {f"{r['campaign_id']}:{r['seq']}": r["position"] for r in log}
    deliveries = []
    for r in await conn.fetch("SELECT subscription_id, event_id, event_type, campaign_id, payload, status, attempts "
                              "FROM webhook_deliveries ORDER BY id"):
        d = dict(r)
        assert d["payload"].pop("position") == positions[d["event_id"]]
        deliveries.append(d)
    return {"log": [{k: v for k, v in dict(r).items() if k != "position"} for r in log],
            "deliveries": deliveries,
            **{t: [dict(r) for r in await conn.fetch(f"SELECT * FROM {t} ORDER BY 1, 2")]
               for t in ("campaigns", "campaign_actuals", "campaign_outcomes")}}


async def _rolled_back(pool, run, ids: list[str]) -> tuple[Any, dict[str, Any]]:
    async with pool.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            answers = await run(conn)
            return answers, await _written(conn, ids)
        finally:
            await tr.rollback()


def _items(ids: dict[str, str]) -> list[tuple[str, list[ActualRow]]]:
    a, b, c, d = ids["a"], ids["b"], ids["c"], ids["d"]
    changed = [*days(date(2027, 5, 7), 1, gmv=5000.0), *days(date(2027, 5, 14), 3)]  # 1 correction, 3 new days
    bad = days(date(2027, 5, 8), 2, gmv=7.0)
    bad[1] = bad[1].model_copy(update={"orders": 10**6})  # orders > traffic
    return [
        (a, changed),
        (b, days(date(2027, 5, 5), 5)),
        ("campaign-food-nope", days(date(2027, 5, 7), 1)),
        (a, [*changed, *days(date(2027, 5, 9), 1, gmv=9000.0)]),  # sees the first item: 4 unchanged, 1 corrected
        (c, days(date(2027, 5, 7), 3)),                             # not completed: no outcome
        (d, days(date(2027, 5, 7), 1)),                             # no phases: refused
        (a, bad),                                                   # refused, nothing stored
        (b, days(date(2027, 5, 9), 2, gmv=2500.0)),                 # corrects item 2's last day, 1 new day
        (a, days(date(2028, 1, 1), 1)),                             # future day: refused
    ]


async def test_batch_answers_and_rows_equal_one_by_one(pool):
    ids = await _campaigns(pool)
    items = _items(ids)
    streams = [*ids.values(), "campaign-food-nope"]

    async def batch(conn):
        return await results.record_actuals_batch(conn, items, "yan.ops", NOW)

    async def one_by_one(conn):
        return [await results.record_actuals_direct(conn, cid, rows, "yan.ops", NOW) for cid, rows in items]

    got, got_rows = await _rolled_back(pool, batch, streams)
    want, want_rows = await _rolled_back(pool, one_by_one, streams)
    assert got == want
    assert got_rows == want_rows
    # the answers themselves, so "equal" is not "equally empty"
    summary = [None if r is None else ("errors", [e.row for e in r.errors]) if r.errors
               else (r.recorded, r.corrected, r.unchanged, r.outcome) for r in got]
    assert summary == [(3, 1, 0, True), (5, 0, 0, True), None, (0, 1, 4, True), (3, 0, 0, False),
                       ("errors", [0]), ("errors", [1]), (1, 1, 0, True), ("errors", [0, 0])]
    appended = [(f"{e['campaign_id']}:{e['seq']}", e["type"]) for e in got_rows["log"]
                if e["actor"] == "yan.ops" and e["reason"] is None]  # not the imports' events (a reason)
    assert len(appended) == 3 + 2 + 2 + 1 + 3
    sent = {(d["subscription_id"], d["event_id"]) for d in got_rows["deliveries"]}
    assert sent == {("all-results", eid) for eid, _ in appended} | {("outcomes", eid) for eid, t in appended
                                                                    if t == "CampaignOutcome"}

    # committed, the batch's projections are what a rebuild folds from the log
    async with pool.acquire() as conn, conn.transaction():
        await results.record_actuals_batch(conn, items, "yan.ops", NOW)
    live = await snapshot(pool)
    await rebuild(pool)
    assert await snapshot(pool) == live


async def test_batch_raises_when_a_stream_does_not_end_at_its_seq(pool, monkeypatch):
    ids = await _campaigns(pool)
    before = await pool.fetchval("SELECT count(*) FROM events")
    real = eventstore.last_seqs

    async def one_more(conn, campaign_ids):  # as if another writer had appended behind the lock's back
        return {cid: seq + 1 for cid, seq in (await real(conn, campaign_ids)).items()}

    monkeypatch.setattr(eventstore, "last_seqs", one_more)
    with pytest.raises(results.BatchMismatch):
        async with pool.acquire() as conn, conn.transaction():
            await results.record_actuals_batch(conn, _items(ids), "yan.ops", NOW)
    assert await pool.fetchval("SELECT count(*) FROM events") == before  # rolled back


async def test_append_many_keeps_the_gapless_and_unique_rules(pool):
    at = NOW

    def event(cid: str, seq: int) -> ev.Event:
        body = results_ev.ActualsRecorded(rows=days(date(2027, 5, 7), 1))
        return ev.Event(campaign_id=cid, seq=seq, at=at, actor="t", body=body)

    async with pool.acquire() as conn, conn.transaction():
        positions = await eventstore.append_many(conn, [event("s-1", 1), event("s-2", 1), event("s-1", 2)])
        assert None not in positions and positions == sorted(positions)  # in the order given
        assert await eventstore.last_seqs(conn, ["s-1", "s-2", "s-3"]) == {"s-1": 2, "s-2": 1}
    async with pool.acquire() as conn, conn.transaction():
        assert await eventstore.append_many(conn, [event("s-2", 3), event("s-3", 2)]) == [None, None]  # gaps
    with pytest.raises(asyncpg.UniqueViolationError):
        async with pool.acquire() as conn, conn.transaction():
            await eventstore.append_many(conn, [event("s-1", 3), event("s-1", 2)])
    assert await eventstore.last_seqs(pool, ["s-1", "s-2"]) == {"s-1": 2, "s-2": 1}


def _random_money(rng: random.Random) -> dict[str, float | None]:
    """A day's money: not stated, a promotion cost alone, or with its bought-traffic part."""
    cost = rng.choice([None, 0.0, rng.uniform(0, 5000)])
    paid = None if cost is None else rng.choice([None, cost * rng.random(), cost])
    return {"promotion_cost": cost, "paid_traffic": paid}


def _random_events(rng: random.Random, ids: list[str], last: dict[str, int], policy: Policy) -> list[ev.Event]:
    """Results events in log order: new days, corrections (of days the batch or the store
    holds, or not), outcomes; several per campaign, interleaved."""
    out: list[ev.Event] = []
    at = NOW
    for _ in range(rng.randint(1, 9)):
        cid = rng.choice(ids)
        last[cid] += 1
        at += timedelta(minutes=rng.randint(0, 3))
        span = sorted(rng.sample(range(21), rng.randint(1, 6)))
        rows = [ActualRow(date=date(2027, 4, 30) + timedelta(days=d), traffic=rng.randint(100, 10_000),
                          orders=rng.randint(0, 100), gmv=float(rng.randint(1, 9999)), gross_profit=rng.uniform(-9, 99),
                          **_random_money(rng))
                for d in span]
        kind = rng.choice(RESULT_TYPES)
        body: ev.EventBody
        if kind == "ActualsRecorded":
            body = results_ev.ActualsRecorded(rows=rows)
        elif kind == "ActualsCorrected":
            body = results_ev.ActualsCorrected(corrections=[Correction(old=r.model_copy(update={"gmv": r.gmv + 1}), new=r)
                                                    for r in rows])
        else:
            o = compute_outcome(policy, request(Tier.A, "2027-05").forecast, PHASES, rng.randint(1, 9), rows)
            body = results_ev.CampaignOutcome(outcome=o, days=rng.randint(0, 9))
        out.append(ev.Event(campaign_id=cid, seq=last[cid], at=at, actor="t", body=body))
    return out


async def test_apply_many_folds_like_apply_event_by_event(pool):
    ids = await _campaigns(pool)
    streams = [ids["a"], ids["b"], ids["c"]]  # c has no outcome row yet
    policy = Policy.for_year(2027)
    tables = ("campaigns", "campaign_actuals", "campaign_outcomes")

    async def rows(conn) -> dict[str, list[dict]]:
        return {t: [dict(r) for r in await conn.fetch(f"SELECT * FROM {t} ORDER BY 1, 2")] for t in tables}

    async def folded(events: list[ev.Event], many: bool) -> dict[str, list[dict]] | str:
        async with pool.acquire() as conn:
            tr = conn.transaction()
            await tr.start()
            try:
                if many:
                    await results_projection.apply_many(conn, events)
                else:
                    for e in events:
                        await projections.apply(conn, e, 0)
                return await rows(conn)
            except asyncpg.PostgresError as err:
                return type(err).__name__
            finally:
                await tr.rollback()

    rng = random.Random(13)
    start = await eventstore.last_seqs(pool, streams)
    for _ in range(25):
        events = _random_events(rng, streams, {cid: start.get(cid, 0) for cid in streams}, policy)
        assert await folded(events, many=True) == await folded(events, many=False)
    # a stream without a campaign row: day rows fail alike (no business line), an outcome alone is dropped alike
    nope = _random_events(rng, ["campaign-food-nope"], {"campaign-food-nope": 0}, policy)
    for events in (nope, [e for e in nope if e.type == "CampaignOutcome"]):
        assert await folded(events, many=True) == await folded(events, many=False)
    completed = ev.Event(campaign_id=ids["a"], seq=99, at=NOW, actor="t", body=ev.CampaignCompleted())
    with pytest.raises(ValueError, match="only results events"):
        async with pool.acquire() as conn:
            await results_projection.apply_many(conn, [completed])


async def test_stored_days_read_in_bulk_equal_them_read_row_by_row(pool):
    """`stored_actuals_many` reads the days as JSON text; the figures must be the stored
    ones to the bit (a correction is found by comparing them), awkward floats included."""
    awkward = [0.1 + 0.2, 1e-300, 5e-324, 123456789.12345679, 2.0 ** 43 + 0.5, 1e13 / 3, 0.0]
    rows = [ActualRow(date=date(2027, 5, 1) + timedelta(days=i), traffic=MAX_TRAFFIC - i, orders=i,
                      gmv=g if i else 0.0, gross_profit=-g, promotion_cost=None if i == 4 else g,
                      paid_traffic=g / 7 if i % 2 else None) for i, g in enumerate(awkward)]
    cid = campaign_id_for("food", "bulk-read")
    async with pool.acquire() as conn, conn.transaction():
        assert await results.import_campaign(conn, cid, request(Tier.A, "2027-05", request_id="bulk-read"), Tier.A,
                                             PHASES, rows, "yan.ops", NOW)
    one = await results.stored_actuals(pool, cid)
    many = await results.stored_actuals_many(pool, [cid, "campaign-food-nope"])
    assert list(many) == [cid]
    assert [r.__dict__ for r in many[cid].values()] == [r.__dict__ for r in one.values()] == [r.__dict__ for r in rows]

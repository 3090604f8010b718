"""Results in the store: a history import, direct actuals with a correction that keeps
both versions, and `rebuild` reproducing the actuals and outcome tables from the log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.campaign import Phase, PhaseName, campaign_id_for
from domain.results.actuals import ActualRow
from domain.tiers import Tier
from store import results
from store.projections import rebuild
from tests.store.test_rebuild import snapshot
from tests.workflows.helpers import request

NOW = datetime(2027, 12, 1, tzinfo=UTC)
PHASES = [Phase(phase=PhaseName.WARMUP, start=date(2027, 5, 7), end=date(2027, 5, 11)),
          Phase(phase=PhaseName.BURST, start=date(2027, 5, 11), end=date(2027, 5, 14))]


def days(start: date, n: int, gmv: float = 1000.0) -> list[ActualRow]:
    return [ActualRow(date=start + timedelta(days=i), traffic=1000, orders=10, gmv=gmv, gross_profit=gmv / 5)
            for i in range(n)]


async def test_import_correct_and_rebuild(pool):
    req = request(Tier.A, "2027-05", request_id="hist-1")
    cid = campaign_id_for("food", "hist-1")
    async with pool.acquire() as conn, conn.transaction():
        assert await results.import_campaign(conn, cid, req, Tier.A, PHASES, days(date(2027, 4, 30), 14), "yan.ops",
                                             NOW)
    async with pool.acquire() as conn, conn.transaction():
        assert not await results.import_campaign(conn, cid, req, Tier.A, PHASES, [], "yan.ops", NOW)
    outcome = await results.outcome_of(pool, cid)
    assert outcome["actual"]["sales"] == 7000.0 and outcome["counted_days"] == 7
    status = await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = $1", cid)
    assert status == "completed"

    changed = [*days(date(2027, 5, 7), 1, gmv=5000.0), *days(date(2027, 5, 14), 3)]  # one correction, 3 new days after the end
    async with pool.acquire() as conn, conn.transaction():
        res = await results.record_actuals_direct(conn, cid, changed, "yan.ops", NOW)
    assert res is not None and (res.recorded, res.corrected, res.unchanged, res.outcome) == (3, 1, 0, True)
    async with pool.acquire() as conn, conn.transaction():
        again = await results.record_actuals_direct(conn, cid, changed, "yan.ops", NOW)
    assert again is not None and (again.recorded, again.corrected, again.unchanged) == (0, 0, 4)
    log = await pool.fetch("SELECT type, data FROM events WHERE campaign_id = $1 ORDER BY seq", cid)
    corrected = [r["data"] for r in log if r["type"] == "ActualsCorrected"]
    assert corrected[0]["corrections"][0]["old"]["gmv"] == 1000.0
    assert corrected[0]["corrections"][0]["new"]["gmv"] == 5000.0
    assert [r["type"] for r in log].count("CampaignOutcome") == 2
    assert (await results.outcome_of(pool, cid))["actual"]["sales"] == 11000.0

    async with pool.acquire() as conn, conn.transaction():
        bad = await results.record_actuals_direct(conn, cid, days(date(2028, 1, 1), 1), "yan.ops", NOW)
    assert bad is not None and bad.errors and bad.errors[0].row == 0

    tables = ("campaign_actuals", "campaign_outcomes")
    live = await snapshot(pool)
    live_results = {t: [dict(r) for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY campaign_id")] for t in tables}
    assert live_results["campaign_actuals"] and live_results["campaign_outcomes"]
    await rebuild(pool)
    assert await snapshot(pool) == live
    assert {t: [dict(r) for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY campaign_id")]
            for t in tables} == live_results

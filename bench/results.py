"""Results figures (issue #13), not wired into bench/run.py: one outcome, the year report over
2,000 campaigns with 30 days of actuals each, and the actuals import through the API.

    .venv/bin/python -m bench.results [--campaigns 2000] [--concurrency 3] [--per-call 200] [--rounds 3]
                                      [--collector settled|default|off] [--money]

Runs on an embedded PostgreSQL in a temporary directory. The import goes through the real
HTTP app (httpx over ASGI, no socket) to `POST /actuals`, whose campaigns here are
imported ones (no workflow), so it needs no Temporal server: route, validation, the
direct append with projections and the outcome recomputed, as `starter.py actuals import`
drives it: `--concurrency` calls in flight, `--per-call` campaigns each (the CLI's
defaults). The clock runs from the first call to the last answer, each round correcting
every day again; the figure is the median round. Each round also reports the CPU this
process (the API, and the bench's client) and PostgreSQL spent in it. The report's figure
has a target (`REPORT_TARGET_S`, issue 27: ≤ 1 s for 2,000 campaigns), printed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx

from api.app import create_app
from api.auth import TokenBook
from api.deps import Deps
from bench.harness import Meter
from domain.campaign import CampaignRequest, Forecast, Phase, PhaseName, campaign_id_for
from domain.money import Mechanic, MechanicType
from domain.policy import Policy
from domain.results.actuals import ActualRow
from domain.results.outcome import compute_outcome
from domain.results.report import build_report
from domain.tiers import Tier
from infra import heap
from infra.settings import Settings
from stack.database import prepare_database
from stack.embedded import create_database, scratch_postgres
from store import results
from store.db import create_pool

REPORT_TARGET_S = 1.0  # the year report over 2,000 campaigns (issue 27, docs/BENCHMARKS.md "Results")
ACTUALS_CONCURRENCY, ACTUALS_PER_CALL = 3, 200  # as `starter.py actuals import` (cli/parser.py)
LINES = ["food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border"]
TIERS = [Tier.A, Tier.B, Tier.C]


# Money (issue 27): the campaigns' mechanics in turn (none, one, two: every depth band
# but the first), so the report groups by mechanic and depth band; with `money` (`--money`)
# every day also states its promotion cost and bought traffic, so the import carries the
# money columns (without: the rows as before money, comparable with the earlier figures).
MECHANICS = [[], [Mechanic(type=MechanicType.DISCOUNT, depth=0.07, platform_share=0.5)],
             [Mechanic(type=MechanicType.SPEND_SAVE, depth=0.1, platform_share=0.5),
              Mechanic(type=MechanicType.COUPON, depth=0.05, platform_share=1.0)],
             [Mechanic(type=MechanicType.DISCOUNT, depth=0.2, platform_share=0.6)]]


def bench_campaign(i: int, money: bool = False) -> tuple[str, CampaignRequest, Tier, list[Phase], list[ActualRow]]:
    """The bench's campaign `i`: its id, request, tier, phases and 30 days of actuals."""
    line, tier = LINES[i % len(LINES)], TIERS[i % len(TIERS)]
    month = 1 + i % 10
    start = date(2026, month, 8)
    # 11 + 5 own days and 7 on each side: 30 days of actuals
    phases = [Phase(phase=PhaseName.WARMUP, start=start, end=start + timedelta(days=11)),
              Phase(phase=PhaseName.BURST, start=start + timedelta(days=11), end=start + timedelta(days=16))]
    req = CampaignRequest(request_id=f"b-{i}", name=f"bench {i}", business_line=line, category=line,
                          month=f"2026-{month:02d}", revenue_target=1e6, gross_margin=0.2,
                          forecast=Forecast(traffic=700_000, avg_order_value=120.0, conversion_rate=0.03),
                          mechanics=MECHANICS[i % len(MECHANICS)])
    rows = [ActualRow(date=start - timedelta(days=7) + timedelta(days=d), traffic=100_000 + i, orders=3000,
                      gmv=360_000.0 + 10 * d, gross_profit=72_000.0,
                      **({"promotion_cost": 9000.0 + i % 7, "paid_traffic": 1500.0} if money else {}))
            for d in range(30)]
    return campaign_id_for(line, req.request_id), req, tier, phases, rows


async def import_campaigns(pool: asyncpg.Pool, n: int, money: bool = False) -> None:
    """`n` completed campaigns through the history import's store path, 30 days each
    (7 before, 16 own, 7 after): what the actuals import then corrects."""
    now = datetime(2026, 11, 28, tzinfo=UTC)
    for i in range(n):
        cid, req, tier, phases, rows = bench_campaign(i, money)
        async with pool.acquire() as conn, conn.transaction():
            await results.import_campaign(conn, cid, req, tier, phases, rows, "bench", now)


def one_outcome(repeats: int = 2000) -> float:
    _, req, tier, phases, rows = bench_campaign(1)
    policy = Policy.for_year(2026)
    start = time.perf_counter()
    for _ in range(repeats):
        compute_outcome(policy, req.forecast, phases, 7, rows, req.money, req.mechanics)
    return (time.perf_counter() - start) / repeats * 1000


def _actuals_bodies(n: int, gmv_delta: float, per_call: int = 200, money: bool = False) -> tuple[list[bytes], int]:
    """The `POST /actuals` bodies of every campaign's 30 days with GMV moved by `gmv_delta`,
    `per_call` campaigns a call, as `starter.py actuals import` groups a file's rows, encoded:
    the CLI reads and encodes in its own process, beside the API, while this bench's client
    shares the API's process, so that work is done before the clock."""
    bodies, rows_sent = [], 0
    for i in range(0, n, per_call):
        batch = []
        for j in range(i, min(n, i + per_call)):
            cid, _, _, _, rows = bench_campaign(j, money)
            batch.append({"campaign_id": cid, "rows": [
                {"date": r.date.isoformat(), "traffic": r.traffic, "orders": r.orders, "gmv": r.gmv + gmv_delta,
                 "gross_profit": r.gross_profit,
                 **({"promotion_cost": r.promotion_cost, "paid_traffic": r.paid_traffic} if money else {})}
                for r in rows]})
            rows_sent += len(rows)
        bodies.append(json.dumps({"campaigns": batch}).encode())
    return bodies, rows_sent


async def measure(server, n: int, concurrency: int, rounds: int, per_call: int,
                  collector: str = "settled", money: bool = False) -> dict:
    await create_database(server.get_uri(), "bench_results")
    dsn = server.get_uri("bench_results")
    await prepare_database(dsn, year=2026)
    pool = await create_pool(dsn, min_size=2, max_size=8)
    try:
        t0 = time.perf_counter()
        await import_campaigns(pool, n, money)
        imported = time.perf_counter() - t0
        # the import: every campaign's 30 days sent again with changed GMV (30 corrections each)
        tokens = TokenBook([{"token": "ops", "name": "ops", "role": "ops"}])
        app = create_app(Deps(Settings(), None, pool, tokens))  # type: ignore[arg-type]  # no Temporal needed
        if collector == "settled":
            heap.settle()  # as the API's lifespan does once it has started (httpx's ASGI transport runs no lifespan)
        elif collector == "off":
            gc.disable()  # for comparison only: what the collector costs at all
        gate = asyncio.Semaphore(concurrency)

        async def send(http: httpx.AsyncClient, body: bytes) -> None:
            async with gate:
                r = await http.post("/actuals", content=body, headers={"Content-Type": "application/json"})
            assert r.status_code == 200 and all(x["status"] == "stored" for x in r.json()["results"]), r.text[:500]

        rates, cpu, rows_sent = [], [], 0
        for round_ in range(1, rounds + 1):  # each round changes every GMV again: 30 corrections per campaign
            bodies, rows_sent = _actuals_bodies(n, gmv_delta=float(round_), per_call=per_call, money=money)
            t0 = time.perf_counter()
            with Meter(None, server.get_pid()) as meter:  # this process (API and client) and PostgreSQL
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                             headers={"Authorization": "Bearer ops"}, timeout=120) as http:
                    await asyncio.gather(*(send(http, body) for body in bodies))
            rates.append(rows_sent / (time.perf_counter() - t0))
            m = meter.stop()
            cpu.append({"api_and_client_s": m["worker_cpu_s"], "postgres_s": m["postgres_cpu_s"],
                        "wall_s": m["wall_s"]})
        gc.enable()
        days = await pool.fetchval("SELECT count(*) FROM campaign_actuals")
        t0 = time.perf_counter()
        items = await results.report_items(pool, 2026)
        report = build_report(Policy.for_year(2026), 2026, items)
        report_s = time.perf_counter() - t0
        return {"campaigns": n, "actual_days": days, "history_import_s": round(imported, 2),
                "actuals_rows": rows_sent, "actuals_concurrency": concurrency, "actuals_campaigns_per_call": per_call,
                "actuals_rows_per_s": round(statistics.median(rates)),
                "actuals_rows_per_s_rounds": [round(r) for r in rates], "actuals_cpu_rounds": cpu,
                "actuals_collector": collector, "actuals_money": money, "report_campaigns": len(report["campaigns"]),
                "report_by_depth_band": [g["campaigns"] for g in report["by_depth_band"]],
                "report_s": round(report_s, 3), "report_s_target": REPORT_TARGET_S,
                "report_within_target": report_s <= REPORT_TARGET_S}
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.results")
    ap.add_argument("--campaigns", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=ACTUALS_CONCURRENCY,
                    help="calls in flight at once (starter.py actuals import --concurrency)")
    ap.add_argument("--per-call", type=int, default=ACTUALS_PER_CALL,
                    help="campaigns a call (starter.py actuals import --per-call)")
    ap.add_argument("--collector", choices=["settled", "default", "off"], default="settled",
                    help="the API's garbage collector: settled as in production (infra/heap.py), "
                         "CPython's defaults, or off (comparisons)")
    ap.add_argument("--money", action="store_true",
                    help="every day states its promotion cost and bought traffic (the money columns)")
    ap.add_argument("--rounds", type=int, default=3, help="imports of every campaign's days (the median is reported)")
    args = ap.parse_args(argv)
    out = {"one_outcome_ms": round(one_outcome(), 3)}
    with scratch_postgres("promoflow-results-") as (_, server):
        out.update(asyncio.run(measure(server, args.campaigns, args.concurrency, args.rounds, args.per_call,
                                       args.collector, args.money)))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

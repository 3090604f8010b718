"""The ladder: `python -m bench.run [--quick] [--open N] [--no-profile] [--only-planner]`.

One run starts, once, an embedded Temporal dev server with a SQLite file (WAL), a
second one in memory, an embedded PostgreSQL (18) and, for the playbook year, the
time-skipping test server; every rung uses the same worker settings
(bench.harness.build_bench_worker = worker.build_worker + the reference workflows):

  1 noop       a workflow that returns at once
  2 floor      the shape of a B campaign (activities, timers, approve update), no-op activities
  2m floor     the same on the in-memory dev server (durable WAL / in memory)
  3 campaign   CampaignWorkflow with the real activities and PostgreSQL: start -> in_review ->
               approve update -> scheduled (phases are months ahead, so the rung stops there)
  3l latency   50 campaigns in review, 50 concurrent approve updates (returns once scheduled)
  3p profile   the campaign rung again under cProfile (every thread), not timed
  4 open       N campaigns left in review on timers; the worker's RSS as they accumulate
  5 playbook   examples/year-2027.json (3 S + 9 A + 27 B) through every phase, time-skipping
  6 eventstore appends/s through store.eventstore.append + projections.apply vs pgbench
  7 planner    the year planner (pure CPU, after the servers stop): the example year, 80, 1,000
               and 5,000 generated intents; planner vs first come, first served (20 orders)
  8 web        the web app's pages with 2,000 campaigns in the read model: inbox, list (50 rows),
               a campaign's page with 200 events; p50/p95 ms and SQL statements per page
               (bench.web_pages, its own PostgreSQL and in-memory dev server, after the others)

Prints a table; writes bench/results/latest.json (and profile-campaign.txt).

This module is the run: sizes, the servers' lifetime, the order of the rungs, the
files it writes. The rungs are bench.rungs (1 to 4), bench.profiler (3p),
bench.playbook (5), bench.eventstore (6), bench.planner (7, also runnable alone) and
bench.web_pages (8, also runnable alone);
bench.report turns the results into text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench import eventstore as es_bench
from bench.harness import BENCH_OVERRIDES, DevServer, Meter, build_bench_worker, machine, new_queue, say, set_overrides
from bench.planner import rung_planner
from bench.playbook import rung_playbook
from bench.profiler import rung_profile
from bench.report import ratios, table
from bench.rungs import combine, rung_campaign, rung_floor, rung_latency, rung_noop, rung_open
from bench.web_pages import run as web_pages
from infra import heap
from stack.database import prepare_database
from stack.embedded import start_postgres
from store.db import create_pool

RESULTS = Path(__file__).resolve().parent / "results"

FULL = {"noop": 500, "floor": 300, "campaign": 300, "latency": 50, "profile": 100, "open": 2000, "es_seconds": 10,
        "planner": [80, 1000, 5000], "planner_orders": 20, "web": (2000, 200, 200, 200)}
QUICK = {"noop": 50, "floor": 30, "campaign": 30, "latency": 20, "profile": 20, "open": 100, "es_seconds": 3,
         "planner": [80, 1000], "planner_orders": 5, "web": (300, 50, 200, 20)}


def web_rung(sizes: dict) -> dict:
    campaigns, in_review, events, requests = sizes["web"]
    say(f"8 web pages: {campaigns} campaigns ({in_review} in review), a campaign of {events} events, "
        f"{requests} requests a page")
    return asyncio.run(web_pages(campaigns, events, requests, in_review))


def planner_rung(sizes: dict) -> dict:
    say(f"7 planner: example year, {', '.join(map(str, sizes['planner']))} intents; "
        f"{sizes['planner_orders']} first-come-first-served orders")
    return rung_planner(sizes["planner"], sizes["planner_orders"])


async def ladder(args, sizes: dict, data: Path) -> dict:
    out: dict = {"machine": machine(), "quick": args.quick, "sizes": sizes,
                 "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    say("starting embedded PostgreSQL, Temporal dev server (SQLite WAL) and one in memory")
    pg_server, dsn = await asyncio.to_thread(start_postgres, data)
    await prepare_database(dsn, year=2027)
    await set_overrides(dsn, 2027, BENCH_OVERRIDES)
    pool = await create_pool(dsn, max_size=20)
    wal = await DevServer(data, data / "temporal-wal.log").start()
    mem = await DevServer(None, data / "temporal-mem.log").start()
    out["servers"] = {"wal": wal.address, "memory": mem.address, "postgres": pg_server.get_uri().split("?")[0]}
    pg_pid = pg_server.get_pid()
    heap.settle()  # as worker.py does once it has started: every rung runs with the worker's collector settings
    if args.only_open:
        try:
            mem.stop()
            cw = await wal.client()
            tq = new_queue("main")
            async with build_bench_worker(cw, pool, tq):
                say(f"4 open (alone): {sizes['open']} campaigns left in review")
                out["open"] = await rung_open(cw, pool, tq, sizes["open"], "open")
            out["open"]["open_campaigns_on_server"] = sizes["open"]
            return out
        finally:
            wal.stop()
            await pool.close()
            pg_server._cleanup()
    try:
        cw, cm = await wal.client(), await mem.client()
        tq = new_queue("main")
        tqm = new_queue("mem")
        async with build_bench_worker(cw, pool, tq):
            say(f"1 noop: {sizes['noop']} workflows")
            out["noop"] = await rung_noop(cw, tq, sizes["noop"], Meter(wal.pid, pg_pid))
        # the two floors twice, in the order WAL, memory, memory, WAL (one worker at a time)
        floors: dict[str, list[dict]] = {"wal": [], "memory": []}
        for which in ("wal", "memory", "memory", "wal"):
            c, q, srv = (cw, tq, wal) if which == "wal" else (cm, tqm, mem)
            async with build_bench_worker(c, pool, q):
                say(f"2 floor ({'SQLite WAL' if which == 'wal' else 'in memory'}): {sizes['floor']} workflows")
                floors[which].append(await rung_floor(c, q, sizes["floor"], Meter(srv.pid, pg_pid)))
        out["floor"], out["floor_memory"] = combine(floors["wal"]), combine(floors["memory"])
        mem.stop()
        async with build_bench_worker(cw, pool, tq):
            say(f"3 campaign: {sizes['campaign']} B campaigns start -> approve -> scheduled")
            out["campaign"] = await rung_campaign(cw, pool, dsn, tq, sizes["campaign"], Meter(wal.pid, pg_pid), "thr")
            say(f"3l approve -> scheduled latency: {sizes['latency']} concurrent approvals")
            out["latency"] = await rung_latency(cw, pool, dsn, tq, sizes["latency"], "lat", Meter(wal.pid, pg_pid))
        if not args.no_profile:
            say(f"3p profile: {sizes['profile']} campaigns under cProfile")
            out["profile"] = await rung_profile(cw, pool, lambda: new_queue("prof"), sizes["profile"], "prof",
                                                RESULTS / "profile-campaign.txt")
        async with build_bench_worker(cw, pool, tq):
            say(f"4 open: {sizes['open']} campaigns left in review")
            out["open"] = await rung_open(cw, pool, tq, sizes["open"], "open")
        out["open"]["open_campaigns_on_server"] = await pool.fetchval(
            "SELECT count(*) FROM campaigns WHERE status NOT IN ('completed','rejected','expired','cancelled')")
        wal.stop()
        say("5 playbook year on the time-skipping server")
        out["playbook"] = await rung_playbook(pg_server, data)
        say(f"6 event store appends vs pgbench ({sizes['es_seconds']} s each)")
        out["eventstore"] = await es_bench.measure(pg_server, sizes["es_seconds"])
    finally:
        wal.stop()
        mem.stop()
        await pool.close()
        pg_server._cleanup()
    out["ratios"] = ratios(out)
    out["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return out



async def _until_terminated(coro):
    """Run the ladder; SIGTERM (a timeout, a CI kill) cancels it like Ctrl-C, so the
    `finally` blocks stop every server it started."""
    task = asyncio.ensure_future(coro)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await task


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run of every rung)")
    ap.add_argument("--open", type=int, default=None, help="campaigns left open in review for the RSS rung "
                    f"(default {FULL['open']}, quick {QUICK['open']})")
    ap.add_argument("--campaigns", type=int, default=None, help="size of the floor and campaign rungs")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile rung")
    ap.add_argument("--only-open", action="store_true", help="run only the open-campaigns RSS rung "
                    "(writes results/open-N.json, leaves latest.json alone)")
    ap.add_argument("--only-planner", action="store_true", help="run only the planner rung, no server "
                    "(writes results/planner.json, leaves latest.json alone)")
    ap.add_argument("--only-web", action="store_true", help="run only the web pages rung (8) "
                    "(writes results/web.json, leaves latest.json alone)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = ap.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if args.open is not None:
        sizes["open"] = args.open
    if args.campaigns is not None:
        sizes["floor"] = sizes["campaign"] = args.campaigns
    RESULTS.mkdir(exist_ok=True)
    if args.only_web:
        t0 = time.perf_counter()
        out = {"machine": machine(), "quick": args.quick, "sizes": sizes, "web": web_rung(sizes)}
        out["total_wall_s"] = round(time.perf_counter() - t0, 1)
        (RESULTS / "web.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
        print(table(out))
        return 0
    if args.only_planner:
        t0 = time.perf_counter()
        out = {"machine": machine(), "quick": args.quick, "sizes": sizes, "planner": planner_rung(sizes)}
        out["total_wall_s"] = round(time.perf_counter() - t0, 1)
        (RESULTS / "planner.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
        print(table(out))
        return 0
    data = Path(tempfile.mkdtemp(prefix="promoflow-bench-"))
    data.chmod(0o755)
    t0 = time.perf_counter()
    try:
        out = asyncio.run(_until_terminated(ladder(args, sizes, data)))
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    if not args.only_open:
        out["planner"] = planner_rung(sizes)  # CPU only: once the servers are stopped
        out["web"] = web_rung(sizes)  # its own servers, once the ladder's are stopped
        out["ratios"] = ratios(out)
    out["total_wall_s"] = round(time.perf_counter() - t0, 1)
    if args.only_open:
        (RESULTS / f"open-{sizes['open']}.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
        print(table(out))
        return 0
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    print()
    print(table(out))
    print(f"\ntotal {out['total_wall_s']} s; JSON: {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

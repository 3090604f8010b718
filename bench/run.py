"""The ladder: `python -m bench.run [--quick] [--open N] [--no-profile] [--only-planner]`.

One run starts, once, an embedded Temporal dev server with a SQLite file (WAL), a
second one in memory, an embedded PostgreSQL (18) and, for the playbook year, the
time-skipping test server. The worker runs as its own process, as `make run` runs it
(bench.worker_proc: worker.py's settings + the reference workflows; a fresh one per rung),
so its CPU is its own and the bench's client CPU is reported apart (`client_cpu_s`); only
the profile rung (3p) and the playbook year (5, time-skipping) run a worker inside the
bench (bench.harness.build_bench_worker):

  1 noop       a workflow that returns at once
  2 floor      the shape of a B campaign (activities, timers, approve update), no-op activities
  2m floor     the same on the in-memory dev server (durable WAL / in memory)
  3 campaign   CampaignWorkflow with the real activities and PostgreSQL: start -> in_review ->
               approve update -> scheduled (phases are months ahead, so the rung stops there)
  3l latency   50 campaigns in review, 50 concurrent approve updates (returns once scheduled);
               then 10 at once (`latency10`)
  3s sandbox   the campaign rung again with the unsandboxed runner (300) and the SDK's strict
               sandbox (100): the sandbox's price in worker CPU per campaign
  3w two       the campaign rung on two worker processes on one task queue (results checked)
  3u publish   a season of 1,000 intents placed by the planner, published until `published`
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
from bench.harness import (
    BENCH_OVERRIDES,
    DevServer,
    Meter,
    WorkerProcs,
    b_request,
    machine,
    new_queue,
    say,
    set_overrides,
)
from bench.planner import rung_planner
from bench.playbook import rung_playbook
from bench.profiler import rung_profile
from bench.publish import rung_publish
from bench.report import missing_keys, ratios, table
from bench.rungs import combine, rung_campaign, rung_floor, rung_latency, rung_noop, rung_open, same_results
from bench.web_pages import run as web_pages
from infra import heap
from stack.database import prepare_database
from stack.embedded import create_database, start_postgres
from store.db import create_pool

RESULTS = Path(__file__).resolve().parent / "results"

FULL = {"noop": 500, "floor": 300, "campaign": 300, "latency": 50, "latency10": 10, "strict": 100, "publish": 1000,
        "profile": 100, "open": 2000, "es_seconds": 10, "planner": [80, 1000, 5000], "planner_orders": 20,
        "web": (2000, 200, 200, 200)}
QUICK = {"noop": 50, "floor": 30, "campaign": 30, "latency": 20, "latency10": 10, "strict": 10, "publish": 100,
         "profile": 20, "open": 100, "es_seconds": 3, "planner": [80, 1000], "planner_orders": 5,
         "web": (300, 50, 200, 20)}


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
    heap.settle()  # as worker.py does once it has started: the bench's client and the 3p in-process worker

    def workers(client, tq: str, n: int = 1, runner: str = "sandboxed", db: str | None = None) -> WorkerProcs:
        """The worker as its own process (as `make run` runs it), n of them on `tq`."""
        return WorkerProcs(client, db or dsn, tq, data, n=n, runner=runner)

    async def fresh_db(name: str) -> str:
        """A database of its own on the same PostgreSQL, as the ladder's: a rung on it meets
        an empty calendar (the balancing and team checks cost more as the year fills)."""
        await create_database(pg_server.get_uri(), name)
        fresh = pg_server.get_uri(name)
        await prepare_database(fresh, year=2027)
        await set_overrides(fresh, 2027, BENCH_OVERRIDES)
        return fresh

    if args.only_open:
        try:
            mem.stop()
            cw = await wal.client()
            tq = new_queue("main")
            async with workers(cw, tq) as wk:
                say(f"4 open (alone): {sizes['open']} campaigns left in review")
                out["open"] = await rung_open(cw, pool, tq, sizes["open"], "open", wk.rss_mib)
            out["open"]["open_campaigns_on_server"] = sizes["open"]
            return out
        finally:
            wal.stop()
            await pool.close()
            pg_server._cleanup()
    try:
        cw, cm = await wal.client(), await mem.client()
        tq = new_queue("main")
        async with workers(cw, tq) as wk:
            say(f"1 noop: {sizes['noop']} workflows (worker process {wk.pids})")
            out["noop"] = await rung_noop(cw, tq, sizes["noop"], Meter(wal.pid, pg_pid, wk.pids))
        # the two floors twice, in the order WAL, memory, memory, WAL (one worker at a time)
        floors: dict[str, list[dict]] = {"wal": [], "memory": []}
        for which in ("wal", "memory", "memory", "wal"):
            c, srv = (cw, wal) if which == "wal" else (cm, mem)
            q = new_queue(which)
            async with workers(c, q) as wk:
                say(f"2 floor ({'SQLite WAL' if which == 'wal' else 'in memory'}): {sizes['floor']} workflows")
                floors[which].append(await rung_floor(c, q, sizes["floor"], Meter(srv.pid, pg_pid, wk.pids)))
        out["floor"], out["floor_memory"] = combine(floors["wal"]), combine(floors["memory"])
        mem.stop()
        await campaign_rungs(out, sizes, cw, pool, dsn, wal.pid, pg_pid, workers, fresh_db)
        # the season on a database of its own (same servers): the planner plans a year whose
        # calendar holds only the season, not the campaigns the rungs above reserved in 2027
        pdsn = await fresh_db("bench_publish")
        ppool = await create_pool(pdsn, max_size=5)
        q = new_queue("publish")
        try:
            async with workers(cw, q, db=pdsn) as wk:
                say(f"3u publish: a season of {sizes['publish']} intents placed by the planner, published")
                out["publish"] = await rung_publish(cw, ppool, q, sizes["publish"], Meter(wal.pid, pg_pid, wk.pids))
        finally:
            await ppool.close()
        if not args.no_profile:
            say(f"3p profile: {sizes['profile']} campaigns under cProfile (worker in the bench's process)")
            out["profile"] = await rung_profile(cw, pool, lambda: new_queue("prof"), sizes["profile"], "prof",
                                                RESULTS / "profile-campaign.txt")
        tq = new_queue("open")
        async with workers(cw, tq) as wk:
            say(f"4 open: {sizes['open']} campaigns left in review")
            out["open"] = await rung_open(cw, pool, tq, sizes["open"], "open", wk.rss_mib)
        out["open"]["open_campaigns_on_server"] = await pool.fetchval(
            "SELECT count(*) FROM campaigns WHERE status NOT IN ('completed','rejected','expired','cancelled')")
        wal.stop()
        say("5 playbook year on the time-skipping server")
        out["playbook"] = await rung_playbook(pg_server, data)
        say(f"6 event store appends vs pgbench ({sizes['es_seconds']} s each; one process, then two)")
        out["eventstore"] = await es_bench.measure(pg_server, sizes["es_seconds"])
    finally:
        wal.stop()
        mem.stop()
        await pool.close()
        pg_server._cleanup()
    out["ratios"] = ratios(out)
    out["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return out


async def campaign_rungs(out: dict, sizes: dict, cw, pool, dsn: str, temporal_pid, pg_pid, workers,
                         fresh_db) -> None:
    """Rungs 3, 3l, 3s (the sandbox's price) and 3w (two workers), each on worker processes
    of their own on the WAL server. 3s and 3w each start from an empty calendar, as rung 3
    does (a database of its own), so their CPU per campaign compares with rung 3's."""
    n = sizes["campaign"]
    tq = new_queue("main")
    async with workers(cw, tq) as wk:
        say(f"3 campaign: {n} B campaigns start -> approve -> scheduled (worker process {wk.pids}, sandboxed)")
        out["campaign"] = await rung_campaign(cw, pool, dsn, tq, n, Meter(temporal_pid, pg_pid, wk.pids), "thr")
        say(f"3l approve -> scheduled latency: {sizes['latency']} concurrent approvals")
        out["latency"] = await rung_latency(cw, pool, dsn, tq, sizes["latency"], "lat",
                                            Meter(temporal_pid, pg_pid, wk.pids))
        say(f"3l approve -> scheduled latency: {sizes['latency10']} concurrent approvals")
        out["latency10"] = await rung_latency(cw, pool, dsn, tq, sizes["latency10"], "l10",
                                              Meter(temporal_pid, pg_pid, wk.pids))

    async def on_fresh_db(name: str, size: int, prefix: str, n_workers: int = 1, runner: str = "sandboxed"):
        db = await fresh_db(f"bench_{name}")
        p = await create_pool(db, max_size=20)
        q = new_queue(name)
        try:
            async with workers(cw, q, n=n_workers, runner=runner, db=db) as wk:
                say(f"3{'w' if n_workers > 1 else 's'} campaign, {runner}, {n_workers} worker process(es) {wk.pids}: "
                    f"{size} campaigns")
                r = await rung_campaign(cw, p, db, q, size, Meter(temporal_pid, pg_pid, wk.pids), prefix)
                if n_workers > 1:
                    r["same_results"] = await same_results(p, [b_request(i, prefix) for i in range(size)])
                return r
        finally:
            await p.close()

    runners: dict[str, dict] = {"sandboxed": out["campaign"]}
    for runner, size in (("unsandboxed", n), ("sandboxed-strict", sizes["strict"])):
        if size:
            runners[runner] = await on_fresh_db(runner.replace("-", "_"), size, f"run{runner[:5]}", runner=runner)
    out["sandbox"] = sandbox_price(runners)
    two = await on_fresh_db("two", n, "two", n_workers=2)
    two["same_results"]["as_one_worker"] = (two["statuses"] == out["campaign"]["statuses"]
                                            and two["tiers"] == out["campaign"]["tiers"])
    two["same_results"]["ok"] = two["same_results"]["ok"] and two["same_results"]["as_one_worker"]
    two["over_one_worker_workflows_per_s"] = round(two["workflows_per_s"] / out["campaign"]["workflows_per_s"], 3)
    out["two_workers"] = two


def sandbox_price(runners: dict[str, dict]) -> dict:
    """Worker CPU per campaign under each runner, and the sandbox's share of the worker's CPU."""
    per = {k: round(1000 * r["worker_cpu_s"] / r["workflows"], 1) for k, r in runners.items()}
    out: dict = {"worker_cpu_ms_per_campaign": per,
                 "workflows_per_s": {k: r["workflows_per_s"] for k, r in runners.items()}}
    if "unsandboxed" in per and per["sandboxed"]:
        out["sandbox_share_of_worker_cpu"] = round(1 - per["unsandboxed"] / per["sandboxed"], 3)
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
    ap.add_argument("--no-planner", action="store_true", help="skip rung 7, the year planner")
    ap.add_argument("--no-web", action="store_true", help="skip rung 8, the web pages")
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
        if not args.no_planner:
            out["planner"] = planner_rung(sizes)  # CPU only: once the servers are stopped
        if not args.no_web:
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
    missing = missing_keys(out)
    if missing:
        print(f"latest.json lacks keys issue 28 asks for: {', '.join(missing)}", file=sys.stderr)
    if "two_workers" in out and not out["two_workers"]["same_results"]["ok"]:  # checked once the figures are saved
        print(f"two workers broke a rule: {out['two_workers']['same_results']}", file=sys.stderr)
        return 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

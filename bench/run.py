"""The ladder: `python -m bench.run [--quick] [--open N] [--no-profile]`.

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

Prints a table; writes bench/results/latest.json (and profile-campaign.txt).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from bench import eventstore as es_bench
from bench.harness import (
    APPROVER, BENCH_OVERRIDES, DevServer, Meter, b_request, bounded, build_bench_worker, machine, new_queue,
    owner_of, percentile, poll, rss_mib, set_overrides,
)
from bench.workflows import FloorWorkflow, NoopWorkflow
from domain.campaign import CampaignRequest, campaign_id_for
from stack.database import prepare_database
from stack.embedded import BIN, create_database, start_postgres
from store.db import create_pool
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, Approve, CampaignInput, ChooseMonth, Status

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
LEADER = Actor(name="wei.leader", role="leader", business_line=None)
HOLD = 30 * 24 * 3600.0  # the floor's "scheduled" wait, like a campaign waiting for its warm-up

FULL = dict(noop=500, floor=300, campaign=300, latency=50, profile=100, open=2000, es_seconds=10)
QUICK = dict(noop=50, floor=30, campaign=30, latency=20, profile=20, open=100, es_seconds=3)


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


async def transitions(client: Client, ids: list[str]) -> tuple[int, int]:
    descs = await bounded((client.get_workflow_handle(i).describe() for i in ids), 32)
    return (sum(d.raw_info.state_transition_count for d in descs),
            sum(d.raw_info.history_length for d in descs))


def rates(n: int, meter: dict, st: int, hist: int) -> dict:
    wall = meter["wall_s"]
    return {"workflows": n, **meter, "workflows_per_s": round(n / wall, 2), "state_transitions": st,
            "state_transitions_per_s": round(st / wall, 1), "history_events": hist,
            "state_transitions_per_workflow": round(st / n, 1)}


# ---------------------------------------------------------------------------- rungs
async def rung_noop(client: Client, tq: str, n: int, meter: Meter) -> dict:
    ids = [f"noop-{tq}-{i}" for i in range(n)]
    with meter:
        handles = await bounded(client.start_workflow(NoopWorkflow.run, id=i, task_queue=tq) for i in ids)
        await bounded((h.result() for h in handles), 256)
    st, hist = await transitions(client, ids)
    return rates(n, meter.stop(), st, hist)


async def rung_floor(client: Client, tq: str, n: int, meter: Meter) -> dict:
    """Start -> approve update (returns once 'scheduled'); the floor then waits on a long timer.
    Starts are bounded to 64 calls in flight and approvals are not, as in the campaign rung."""
    tag = uuid.uuid4().hex[:6]
    ids = [f"floor-{tq}-{tag}-{i}" for i in range(n)]
    sem = asyncio.Semaphore(64)

    async def one(wid: str) -> None:
        async with sem:
            h = await client.start_workflow(FloorWorkflow.run, args=[4, 3, 4, 3, 0.0, HOLD], id=wid, task_queue=tq)
        await h.execute_update(FloorWorkflow.approve)

    with meter:
        await asyncio.gather(*(one(i) for i in ids))
    st, hist = await transitions(client, ids)
    return rates(n, meter.stop(), st, hist)


def combine(runs: list[dict]) -> dict:
    """Several runs of one rung as one: sums over the runs, rates of the sums."""
    n = sum(r["workflows"] for r in runs)
    wall = sum(r["wall_s"] for r in runs)
    cpu = sum(r["worker_cpu_s"] for r in runs)
    st = sum(r["state_transitions"] for r in runs)
    return {"workflows": n, "wall_s": round(wall, 3), "worker_cpu_s": round(cpu, 2),
            "worker_cpu_pct_of_one_core": round(100 * cpu / wall, 1),
            "temporal_cpu_s": round(sum(r["temporal_cpu_s"] for r in runs), 2),
            "postgres_cpu_s": round(sum(r["postgres_cpu_s"] for r in runs), 2),
            "worker_rss_mib": runs[-1]["worker_rss_mib"], "workflows_per_s": round(n / wall, 2),
            "state_transitions": st, "state_transitions_per_s": round(st / wall, 1),
            "history_events": sum(r["history_events"] for r in runs),
            "state_transitions_per_workflow": round(st / n, 1),
            "runs": [{k: r[k] for k in ("wall_s", "workflows_per_s", "state_transitions_per_s")} for r in runs]}


async def start_campaign(client: Client, req: CampaignRequest, tq: str) -> WorkflowHandle:
    return await client.start_workflow(
        CampaignWorkflow.run, CampaignInput(request=req, owner=owner_of(req.business_line)),
        id=campaign_id_for(req.business_line, req.request_id), task_queue=tq)


async def approve_when_in_review(client: Client, pool, ids: list[str], latencies: list[float] | None = None,
                                 timeout: float = 600, walls: dict | None = None) -> dict[str, str]:
    """Approve each campaign once the read model shows it in review (polling PostgreSQL,
    not the workflows); returns campaign id -> status the update answered."""
    pending, fired, outcome = set(ids), set(), {}
    rejected = 0

    async def approve(cid: str) -> None:
        nonlocal rejected
        h = client.get_workflow_handle(cid)
        while True:
            t, sent = time.perf_counter(), time.time()
            try:
                st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER, comment="bench"))
            except WorkflowUpdateFailedError as err:
                if isinstance(err.cause, ApplicationError) and err.cause.type == "invalid_state":
                    rejected += 1  # the read model ran ahead of the workflow by one task: retry
                    await asyncio.sleep(0.05)
                    continue
                raise
            if latencies is not None:
                latencies.append(time.perf_counter() - t)
            if walls is not None:
                walls[cid] = (sent, time.time())
            outcome[cid] = st.status.value
            return

    tasks = []
    deadline = time.monotonic() + timeout
    while pending:
        rows = await pool.fetch("SELECT campaign_id FROM campaigns WHERE status = 'in_review' "
                                "AND campaign_id = ANY($1::text[])", list(pending))
        for r in rows:
            cid = r["campaign_id"]
            pending.discard(cid)
            fired.add(cid)
            tasks.append(asyncio.create_task(approve(cid)))
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} campaigns never reached in_review")
            await asyncio.sleep(0.05)
    await asyncio.gather(*tasks)
    outcome["_rejected_early"] = str(rejected)
    return outcome


async def rung_campaign(client: Client, pool, dsn: str, tq: str, n: int, meter: Meter, prefix: str) -> dict:
    reqs = [b_request(i, prefix) for i in range(n)]
    ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
    async with LockSampler(dsn) as locks:
        with meter:
            approver = asyncio.create_task(approve_when_in_review(client, pool, ids))
            await bounded((start_campaign(client, r, tq) for r in reqs), 64)
            outcome = await approver
    rejected = int(outcome.pop("_rejected_early"))
    st, hist = await transitions(client, ids)
    statuses: dict[str, int] = {}
    for s in outcome.values():
        statuses[s] = statuses.get(s, 0) + 1
    tiers = {r["tier"]: r["n"] for r in await pool.fetch(
        "SELECT tier, count(*) AS n FROM campaigns WHERE campaign_id = ANY($1::text[]) GROUP BY tier", ids)}
    return {**rates(n, meter.stop(), st, hist), "statuses": statuses, "tiers": tiers,
            "early_approvals_retried": rejected,
            "pg_locks": locks.summary()}


class LockSampler:
    """Samples pg_stat_activity every 100 ms: backends waiting on an advisory lock (the
    year lock of reserve_month, the resource locks of allocate_resources) and active ones."""

    def __init__(self, dsn: str):
        self.dsn, self.samples = dsn, []

    async def __aenter__(self) -> "LockSampler":
        import asyncpg
        self.conn = await asyncpg.connect(self.dsn)
        self.task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            row = await self.conn.fetchrow(
                """SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory') AS advisory,
                          count(*) FILTER (WHERE state = 'active') - 1 AS active
                   FROM pg_stat_activity WHERE datname = current_database()""")
            self.samples.append((row["advisory"], row["active"]))
            await asyncio.sleep(0.1)

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        await self.conn.close()

    def summary(self) -> dict:
        if not self.samples:
            return {}
        adv = [a for a, _ in self.samples]
        act = [b for _, b in self.samples]
        return {"samples": len(adv), "advisory_waiters_mean": round(sum(adv) / len(adv), 1),
                "advisory_waiters_max": max(adv), "active_backends_mean": round(sum(act) / len(act), 1),
                "share_of_samples_with_waiters": round(sum(1 for a in adv if a) / len(adv), 2)}


async def stage_breakdown(pool, walls: dict) -> dict:
    """Where approve->scheduled goes, from the events' recorded_at (transaction start, PostgreSQL's
    clock = this machine's): send -> CampaignApproved tx -> MonthReserved tx (reserve_month begins)
    -> ResourcesAllocated tx (allocate begins) -> the update's answer."""
    rows = await pool.fetch(
        """SELECT campaign_id, type, extract(epoch FROM recorded_at) AS t FROM events
           WHERE campaign_id = ANY($1::text[]) AND type IN ('CampaignApproved','MonthReserved','ResourcesAllocated')""",
        list(walls))
    t: dict[str, dict[str, float]] = {}
    for r in rows:
        t.setdefault(r["campaign_id"], {})[r["type"]] = float(r["t"])
    stages: dict[str, list[float]] = {k: [] for k in ("send_to_record_approved", "record_approved_to_reserve",
                                                       "reserve_to_allocate", "allocate_to_answer")}
    for cid, (sent, back) in walls.items():
        e = t.get(cid, {})
        if len(e) < 3:
            continue
        stages["send_to_record_approved"].append(e["CampaignApproved"] - sent)
        stages["record_approved_to_reserve"].append(e["MonthReserved"] - e["CampaignApproved"])
        stages["reserve_to_allocate"].append(e["ResourcesAllocated"] - e["MonthReserved"])
        stages["allocate_to_answer"].append(back - e["ResourcesAllocated"])
    out = {k: {"p50_ms": round(1000 * percentile(v, 0.5), 1), "p95_ms": round(1000 * percentile(v, 0.95), 1)}
           for k, v in stages.items() if v}
    if t:
        res = sorted(x["MonthReserved"] for x in t.values() if "MonthReserved" in x)
        alloc = sorted(x["ResourcesAllocated"] for x in t.values() if "ResourcesAllocated" in x)
        out["reserve_starts_span_ms"] = round(1000 * (res[-1] - res[0]), 1)
        out["allocate_starts_span_ms"] = round(1000 * (alloc[-1] - alloc[0]), 1)
    return out


async def rung_latency(client: Client, pool, dsn: str, tq: str, n: int, prefix: str) -> dict:
    # uncontended first: a few approvals one at a time
    single: list[float] = []
    for i in range(5):
        req = b_request(i, prefix + "1")
        cid = campaign_id_for(req.business_line, req.request_id)
        await start_campaign(client, req, tq)
        await approve_when_in_review(client, pool, [cid], single)
    reqs = [b_request(i, prefix) for i in range(n)]
    ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
    await bounded((start_campaign(client, r, tq) for r in reqs), 64)

    async def all_in_review() -> bool:
        return await pool.fetchval("SELECT count(*) FROM campaigns WHERE status = 'in_review' "
                                   "AND campaign_id = ANY($1::text[])", ids) == n
    await poll(all_in_review, 300, f"{n} campaigns in review")
    # the read model is one workflow task ahead of the workflow's own status: let those finish
    await asyncio.sleep(1.0)
    lat: list[float] = []
    walls: dict = {}
    t0 = time.perf_counter()
    async with LockSampler(dsn) as locks:
        outcome = await approve_when_in_review(client, pool, ids, lat, walls=walls)
    wall = time.perf_counter() - t0
    rejected = int(outcome.pop("_rejected_early"))
    ms = [x * 1000 for x in lat]
    return {"concurrent_approvals": n, "p50_ms": round(percentile(ms, 0.5), 1),
            "p95_ms": round(percentile(ms, 0.95), 1), "max_ms": round(max(ms), 1), "wall_s": round(wall, 2),
            "single_approval_p50_ms": round(1000 * percentile(single, 0.5), 1),
            "single_approval_max_ms": round(1000 * max(single), 1),
            "stages": await stage_breakdown(pool, walls), "pg_locks": locks.summary(),
            "statuses": sorted(set(outcome.values())), "early_approvals_retried": rejected}


def profile_all_threads() -> tuple[list[cProfile.Profile], callable]:
    """cProfile this thread and every thread started from now on (the SDK runs workflow
    activations in a thread pool)."""
    profiles: list[cProfile.Profile] = []

    def boot(frame, event, arg):  # first event in a new thread: hand over to a Profile
        p = cProfile.Profile()
        profiles.append(p)
        p.enable()  # replaces this hook for the thread
        return None

    threading.setprofile(boot)
    main = cProfile.Profile()
    profiles.append(main)
    main.enable()

    def stop() -> None:
        threading.setprofile(None)
        for p in profiles:
            try:
                p.disable()
            except Exception:  # noqa: BLE001 - a profile of a finished thread
                pass
    return profiles, stop


async def rung_profile(client: Client, pool, tq_factory, n: int, prefix: str, out: Path) -> dict:
    """The campaign rung under cProfile. A fresh worker, so its workflow threads are new."""
    profiles, stop = profile_all_threads()
    try:
        tq = tq_factory()
        async with build_bench_worker(client, pool, tq):
            reqs = [b_request(i, prefix) for i in range(n)]
            ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
            approver = asyncio.create_task(approve_when_in_review(client, pool, ids))
            await bounded((start_campaign(client, r, tq) for r in reqs), 64)
            await approver
    finally:
        stop()
    stats = None
    for p in profiles:
        try:
            stats = pstats.Stats(p) if stats is None else (stats.add(p) or stats)
        except TypeError:  # an empty profile
            continue
    buf = io.StringIO()
    stats.stream = buf
    stats.sort_stats("tottime").print_stats(60)
    stats.sort_stats("cumulative").print_stats(60)
    out.write_text(buf.getvalue())
    idle = [(k, v) for k, v in stats.stats.items() if _is_idle(k)]
    busy = [(k, v) for k, v in stats.stats.items() if not _is_idle(k)]
    busy_total = sum(v[2] for _, v in busy)
    groups: dict[str, float] = {}
    for k, v in busy:
        g = _group(k)
        groups[g] = groups.get(g, 0.0) + v[2]
    top = sorted(busy, key=lambda kv: kv[1][2], reverse=True)[:20]
    return {
        "campaigns": n, "threads_profiled": len(profiles),
        "idle_wait_s": round(sum(v[2] for _, v in idle), 2), "busy_tottime_s": round(busy_total, 2),
        "busy_by_group_pct": {g: round(100 * t / busy_total, 1)
                              for g, t in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top_tottime": [{"fn": _name(k), "tottime_s": round(v[2], 3), "calls": v[1]} for k, v in top],
        "file": str(out.relative_to(ROOT)),
    }


_IDLE = ("'get' of '_queue.SimpleQueue'", "'poll' of 'select.epoll'", "'acquire' of '_thread.lock'",
         "'acquire' of '_thread.RLock'", "method 'wait'", "time.sleep")


def _is_idle(k) -> bool:
    return k[0] == "~" and any(s in k[2] for s in _IDLE)


def _name(k) -> str:
    f, line, fn = k
    if f == "~":
        return fn
    parts = Path(f).parts
    short = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else "/".join(parts[-2:])
    return f"{short}:{line}({fn})"


def _group(k) -> str:
    f, _, fn = k
    text = f if f != "~" else fn
    for key, label in (("workflow_sandbox", "temporalio sandbox"), ("temporalio/contrib/pydantic", "temporalio pydantic converter"),
                       ("temporalio", "temporalio (other Python)"), ("pydantic_core", "pydantic-core"),
                       ("pydantic", "pydantic"), ("asyncpg", "asyncpg"), ("google/protobuf", "protobuf"),
                       ("protobuf", "protobuf"), ("/json/", "json"), ("json", "json"), ("/domain/", "promoflow domain"),
                       ("/store/", "promoflow store"), ("/activities/", "promoflow activities"),
                       ("/workflows/", "promoflow workflows"), ("/bench/", "bench (client side)"),
                       ("asyncio", "asyncio"), ("socket", "sockets"), ("compile", "compile/exec (sandbox imports)"),
                       ("exec", "compile/exec (sandbox imports)"), ("importlib", "imports")):
        if key in text:
            return label
    return "other"


async def rung_open(client: Client, pool, tq: str, n: int, prefix: str) -> dict:
    """Submit n campaigns and leave them in review (each waits on its 48 h SLA timer)."""
    step = max(n // 5, 1)
    samples = [{"open": 0, "worker_rss_mib": rss_mib()}]
    t0 = time.perf_counter()
    for lo in range(0, n, step):
        reqs = [b_request(i, prefix) for i in range(lo, min(lo + step, n))]
        ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
        await bounded((start_campaign(client, r, tq) for r in reqs), 64)

        async def in_review() -> bool:
            return await pool.fetchval("SELECT count(*) FROM campaigns WHERE status = 'in_review' "
                                       "AND campaign_id = ANY($1::text[])", ids) == len(ids)
        await poll(in_review, 900, f"{len(ids)} campaigns in review", every=0.2)
        samples.append({"open": lo + len(reqs), "worker_rss_mib": rss_mib(),
                        "elapsed_s": round(time.perf_counter() - t0, 1)})
        say(f"  open campaigns {lo + len(reqs)}: RSS {samples[-1]['worker_rss_mib']} MiB")
    return {"open_in_review": n, "samples": samples, "worker_rss_mib": samples[-1]["worker_rss_mib"],
            "submit_rate_per_s": round(n / (time.perf_counter() - t0), 1)}


async def rung_playbook(pg_server, data: Path) -> dict:
    """The 39 requests of examples/year-2027.json through every phase on the time-skipping
    server, real activities, a fresh database with the default policy (no overrides)."""
    dsn = pg_server.get_uri("bench_playbook")
    await create_database(pg_server.get_uri(), "bench_playbook")
    await prepare_database(dsn, year=2027)
    pool = await create_pool(dsn, max_size=20)
    path = shutil.which("temporal-test-server", path=str(BIN))
    t_boot = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=path,
                                                      data_converter=pydantic_data_converter)
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    from workflows import search_attributes as sa
    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace=env.client.namespace,
        search_attributes={k.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for k in sa.ALL}))
    boot = time.perf_counter() - t_boot
    reqs = [CampaignRequest.model_validate(b) for b in json.loads((ROOT / "examples/year-2027.json").read_text())]
    tq = new_queue("playbook")
    client = env.client
    try:
        async with build_bench_worker(client, pool, tq):
            t0 = time.perf_counter()
            handles = await bounded(start_campaign(client, r, tq) for r in reqs)

            async def decide(h: WorkflowHandle) -> str:
                async def ready() -> bool:
                    s = await h.query(CampaignWorkflow.state_query)
                    return s.status != Status.SUBMITTED
                await poll(ready, 60, f"{h.id} reviewed")
                s = await h.query(CampaignWorkflow.state_query)
                if s.status == Status.IN_REVIEW:
                    while True:
                        try:
                            s = await h.execute_update(CampaignWorkflow.approve, Approve(actor=LEADER))
                            break
                        except WorkflowUpdateFailedError as err:
                            if getattr(err.cause, "type", None) != "invalid_state":
                                raise
                            await asyncio.sleep(0.05)
                for _ in range(3):  # refused by balancing: the owner takes the first month offered
                    if s.status != Status.AWAITING_MONTH_CHOICE or not s.alternatives:
                        break
                    s = await h.execute_update(CampaignWorkflow.choose_month, ChooseMonth(
                        actor=owner_of(s.business_line), month=s.alternatives[0]))
                return s.status.value

            decided = await asyncio.gather(*(decide(h) for h in handles))
            t_decided = time.perf_counter()
            # one result at a time: each wait unlocks time skipping, and the test server
            # refuses concurrent unlocks ("Unbalanced lock and unlock calls")
            finals = [await h.result() for h in handles]
            wall = time.perf_counter() - t0
        end: dict[str, int] = {}
        tiers: dict[str, int] = {}
        for f in finals:
            end[f.status.value] = end.get(f.status.value, 0) + 1
            if f.status == Status.COMPLETED:
                tiers[f.tier.value] = tiers.get(f.tier.value, 0) + 1
        # the shape of one completed B campaign: what the floor workflow mirrors
        b = next(h for h, f in zip(handles, finals) if f.status == Status.COMPLETED and f.tier and f.tier.value == "B")
        kinds: dict[str, int] = {}
        async for e in b.fetch_history_events():
            k = e.WhichOneof("attributes").replace("_event_attributes", "")
            kinds[k] = kinds.get(k, 0) + 1
        shape = {k: kinds.get(k, 0) for k in ("activity_task_scheduled", "timer_started", "timer_fired",
                                              "timer_canceled", "workflow_task_completed",
                                              "workflow_execution_update_accepted")}
        return {"campaigns": len(reqs), "wall_s": round(wall, 2), "decided_s": round(t_decided - t0, 2),
                "server_boot_s": round(boot, 2), "after_decisions": sorted(set(decided)), "final": end,
                "completed_by_tier": tiers, "b_campaign_history_shape": {"id": b.id, **shape}}
    finally:
        await env.shutdown()
        await pool.close()


# ---------------------------------------------------------------------------- the run
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
            out["latency"] = await rung_latency(cw, pool, dsn, tq, sizes["latency"], "lat")
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


def ratios(o: dict) -> dict:
    r = {}
    if "campaign" in o and "floor" in o:
        r["campaign_over_floor_transitions_per_s"] = round(
            o["campaign"]["state_transitions_per_s"] / o["floor"]["state_transitions_per_s"], 3)
        r["campaign_over_floor_workflows_per_s"] = round(
            o["campaign"]["workflows_per_s"] / o["floor"]["workflows_per_s"], 3)
    if "floor" in o and "noop" in o:
        r["floor_over_noop_transitions_per_s"] = round(
            o["floor"]["state_transitions_per_s"] / o["noop"]["state_transitions_per_s"], 3)
    if "floor_memory" in o:
        r["wal_over_memory_floor_transitions_per_s"] = round(
            o["floor"]["state_transitions_per_s"] / o["floor_memory"]["state_transitions_per_s"], 3)
        r["wal_over_memory_floor_workflows_per_s"] = round(
            o["floor"]["workflows_per_s"] / o["floor_memory"]["workflows_per_s"], 3)
    if "eventstore" in o:
        r["appends_over_pgbench_inserts"] = o["eventstore"]["ratio"]
    return r


TARGETS = [
    ("campaign ÷ floor, state transitions/s", lambda o: o["ratios"]["campaign_over_floor_transitions_per_s"], ">=", 0.90),
    ("WAL ÷ in-memory (floor), state transitions/s", lambda o: o["ratios"]["wal_over_memory_floor_transitions_per_s"], ">=", 0.90),
    ("approve→scheduled p95, 50 concurrent (ms)", lambda o: o["latency"]["p95_ms"], "<", 500),
    ("playbook year wall time (s)", lambda o: o["playbook"]["wall_s"], "<", 15),
    ("worker RSS with the open campaigns (MiB)", lambda o: o["open"]["worker_rss_mib"], "<", 600),
]


def table(o: dict) -> str:
    lines = []
    add = lines.append
    add(f"machine: {o['machine']['cores']} cores, {o['machine']['ram_gib']} GiB, Python {o['machine']['python']}, "
        f"{o['machine']['temporal_cli'].splitlines()[0] if o['machine']['temporal_cli'] else 'temporal ?'}")
    add("")
    add(f"{'rung':<26}{'n':>6}{'wall s':>9}{'wf/s':>9}{'trans/s':>10}{'trans/wf':>10}"
        f"{'worker cpu%':>12}{'temporal s':>11}{'pg s':>7}{'RSS MiB':>9}")
    for key, label in (("noop", "1 noop (WAL)"), ("floor", "2 floor (WAL)"), ("floor_memory", "2m floor (memory)"),
                       ("campaign", "3 campaign (WAL, PG)")):
        if key in o:
            x = o[key]
            add(f"{label:<26}{x['workflows']:>6}{x['wall_s']:>9.2f}{x['workflows_per_s']:>9.2f}"
                f"{x['state_transitions_per_s']:>10.1f}{x['state_transitions_per_workflow']:>10.1f}"
                f"{x['worker_cpu_pct_of_one_core']:>12.1f}{x['temporal_cpu_s']:>11.1f}{x['postgres_cpu_s']:>7.1f}"
                f"{x['worker_rss_mib']:>9.1f}")
    add("")
    for k, v in o.get("ratios", {}).items():
        add(f"  {k:<50} {v}")
    if "latency" in o:
        x = o["latency"]
        add(f"  approve→scheduled, {x['concurrent_approvals']} concurrent: p50 {x['p50_ms']} ms, p95 {x['p95_ms']} ms, "
            f"max {x['max_ms']} ms; one at a time: p50 {x['single_approval_p50_ms']} ms")
        add("    stages p50/p95 ms: " + "; ".join(f"{k} {v['p50_ms']}/{v['p95_ms']}" for k, v in x["stages"].items()
                                            if isinstance(v, dict))
            + f"; reserve starts spread over {x['stages'].get('reserve_starts_span_ms')} ms, allocate starts over "
              f"{x['stages'].get('allocate_starts_span_ms')} ms")
        add(f"    PostgreSQL during the 50: {x['pg_locks']}")
    if "campaign" in o and o["campaign"].get("pg_locks"):
        add(f"  PostgreSQL during the campaign rung: {o['campaign']['pg_locks']}")
    if "open" in o:
        x = o["open"]
        add(f"  open campaigns in review: {x['open_in_review']} (all open on server: {x['open_campaigns_on_server']}) "
            f"-> worker RSS {x['worker_rss_mib']} MiB; samples "
            + ", ".join(f"{s['open']}:{s['worker_rss_mib']}" for s in x["samples"]))
    if "playbook" in o:
        x = o["playbook"]
        add(f"  playbook year ({x['campaigns']} requests) through every phase, time-skipping: {x['wall_s']} s "
            f"(decisions {x['decided_s']} s); final {x['final']}")
    if "eventstore" in o:
        x = o["eventstore"]
        add(f"  event appends (append + apply, 1 tx, c={x['concurrency']}): {x['appends_per_s']}/s; "
            f"pgbench INSERT c={x['concurrency']}: {x['pgbench_tps']}/s; ratio {x['ratio']}")
    if "profile" in o:
        p = o["profile"]
        add(f"  profile (cProfile, all threads, {p['campaigns']} campaigns): busy {p['busy_tottime_s']} s "
            f"(idle waits {p['idle_wait_s']} s excluded); by group: "
            + ", ".join(f"{g} {v}%" for g, v in list(p["busy_by_group_pct"].items())[:8]))
        for t in p["top_tottime"][:10]:
            add(f"    {t['tottime_s']:>8.2f} s  {t['calls']:>9}  {t['fn']}")
    add("")
    add("targets:")
    for label, get, op, limit in TARGETS:
        try:
            v = get(o)
        except KeyError:
            continue
        ok = v >= limit if op == ">=" else v < limit
        add(f"  {'MET ' if ok else 'MISS'} {label}: {v} (target {op} {limit})")
    return "\n".join(lines)


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
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = ap.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if args.open is not None:
        sizes["open"] = args.open
    if args.campaigns is not None:
        sizes["floor"] = sizes["campaign"] = args.campaigns
    data = Path(tempfile.mkdtemp(prefix="promoflow-bench-"))
    data.chmod(0o755)
    RESULTS.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    try:
        out = asyncio.run(_until_terminated(ladder(args, sizes, data)))
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
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

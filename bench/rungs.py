"""Rungs 1 to 4 of the ladder (noop, floor, campaign, approve latency, open campaigns)
and the campaign helpers they share: each rung starts its workflows on a worker the
ladder gives it and returns its measurements as a dict for the report."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Callable

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError

from bench.harness import APPROVER, Meter, b_request, bounded, owner_of, percentile, poll, rss_mib, say
from bench.pgwatch import LockSampler, stage_breakdown
from bench.workflows import FloorWorkflow, NoopWorkflow
from domain.campaign import CampaignRequest, campaign_id_for
from domain.tiers import Tier
from workflows.campaign import CampaignWorkflow
from workflows.messages import Approve, CampaignInput

HOLD = 30 * 24 * 3600.0  # the floor's "scheduled" wait, like a campaign waiting for its warm-up


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
        await update_surviving_timeouts(h, FloorWorkflow.approve, None, f"approve-{wid}")

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


async def update_surviving_timeouts(h: WorkflowHandle, update, arg, update_id: str):
    """execute_update, called again with the same update id (so the server answers the one
    update, never runs it twice) when the call's RPC times out on a starved machine."""
    while True:
        try:
            return await (h.execute_update(update, id=update_id) if arg is None else
                          h.execute_update(update, arg, id=update_id))
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                raise
            say(f"  update {update_id}: the RPC timed out, asking again")


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
        attempt = 0
        while True:
            t, sent = time.perf_counter(), time.time()
            try:
                st = await update_surviving_timeouts(
                    h, CampaignWorkflow.approve, Approve(actor=APPROVER, comment="bench"), f"approve-{cid}-{attempt}")
            except WorkflowUpdateFailedError as err:
                if isinstance(err.cause, ApplicationError) and err.cause.type == "invalid_state":
                    rejected += 1  # the read model ran ahead of the workflow by one task: retry
                    attempt += 1
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


async def rung_latency(client: Client, pool, dsn: str, tq: str, n: int, prefix: str,
                       meter: Meter | None = None) -> dict:
    """Approve -> scheduled latency, alone and with n approvals at once. With `meter`, the CPU
    the n took in every process (worker, Temporal, PostgreSQL): divided by the cores, the
    least wall time they could take on this machine with no wait at all (`cpu_floor_s`)."""
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
    with meter or contextlib.nullcontext() as cpu:
        async with LockSampler(dsn) as locks:
            outcome = await approve_when_in_review(client, pool, ids, lat, walls=walls)
    wall = time.perf_counter() - t0
    spent = {}
    if isinstance(cpu, Meter):
        m = cpu.stop()
        total = m["worker_cpu_s"] + m["temporal_cpu_s"] + m["postgres_cpu_s"]
        spent = {"cpu_s": {k: m[k] for k in ("worker_cpu_s", "temporal_cpu_s", "postgres_cpu_s")},
                 "cpu_ms_per_approval": round(1000 * total / n, 1),
                 "cpu_floor_s": round(total / (os.cpu_count() or 1), 2)}
    rejected = int(outcome.pop("_rejected_early"))
    ms = [x * 1000 for x in lat]
    return {"concurrent_approvals": n, "p50_ms": round(percentile(ms, 0.5), 1),
            "p95_ms": round(percentile(ms, 0.95), 1), "max_ms": round(max(ms), 1), "wall_s": round(wall, 2),
            "single_approval_p50_ms": round(1000 * percentile(single, 0.5), 1),
            "single_approval_max_ms": round(1000 * max(single), 1),
            "stages": await stage_breakdown(pool, walls), "pg_locks": locks.summary(),
            "statuses": sorted(set(outcome.values())), "early_approvals_retried": rejected, **spent}


async def rung_open(client: Client, pool, tq: str, n: int, prefix: str,
                    rss: Callable[[], float] = rss_mib) -> dict:
    """Submit n campaigns and leave them in review (each waits on its 48 h SLA timer);
    `rss`: the worker's resident memory (its process's, or this one's)."""
    step = max(n // 5, 1)
    samples = [{"open": 0, "worker_rss_mib": rss()}]
    t0 = time.perf_counter()
    for lo in range(0, n, step):
        reqs = [b_request(i, prefix) for i in range(lo, min(lo + step, n))]
        ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
        await bounded((start_campaign(client, r, tq) for r in reqs), 64)

        async def in_review(ids: list[str] = ids) -> bool:
            return await pool.fetchval("SELECT count(*) FROM campaigns WHERE status = 'in_review' "
                                       "AND campaign_id = ANY($1::text[])", ids) == len(ids)
        await poll(in_review, 900, f"{len(ids)} campaigns in review", every=0.2)
        samples.append({"open": lo + len(reqs), "worker_rss_mib": rss(),
                        "elapsed_s": round(time.perf_counter() - t0, 1)})
        say(f"  open campaigns {lo + len(reqs)}: RSS {samples[-1]['worker_rss_mib']} MiB")
    return {"open_in_review": n, "samples": samples, "worker_rss_mib": samples[-1]["worker_rss_mib"],
            "submit_rate_per_s": round(n / (time.perf_counter() - t0), 1)}



async def same_results(pool, reqs: list[CampaignRequest], year: int = 2027) -> dict:
    """What a campaign rung on several workers must still give (asserted by the ladder):
    each campaign approved, reserved and allocated exactly once, every one scheduled in its
    own month, no unit booked twice over overlapping days, the year's budget and the month
    caps of the policy held."""
    from store import reference

    ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
    once = await pool.fetch(
        """SELECT type, count(*) AS events, count(DISTINCT campaign_id) AS campaigns FROM events
           WHERE campaign_id = ANY($1::text[]) AND type IN ('CampaignApproved','MonthReserved','ResourcesAllocated')
           GROUP BY type""", ids)
    months = {r["month"]: r["n"] for r in await pool.fetch(
        "SELECT month, count(*) AS n FROM campaigns WHERE campaign_id = ANY($1::text[]) AND status = 'scheduled' "
        "GROUP BY month", ids)}
    asked: dict[str, int] = {}
    for r in reqs:
        asked[r.month] = asked.get(r.month, 0) + 1
    overlaps = await pool.fetchval(
        """SELECT count(*) FROM bookings a JOIN bookings b ON a.resource = b.resource AND a.unit = b.unit
             AND a.campaign_id < b.campaign_id AND a.during && b.during
           WHERE a.status <> 'released' AND b.status <> 'released'""")
    policy = await reference.policy_for(pool, year)
    used = await pool.fetchval("SELECT coalesce(sum(counted_days), 0) FROM calendar_entries WHERE year = $1", year)
    over_cap = [f"{r['month']} {r['tier']}: {r['n']}" for r in await pool.fetch(
        "SELECT month, tier, count(*) AS n FROM calendar_entries WHERE year = $1 GROUP BY month, tier", year)
        if (cap := policy.rule(Tier(r["tier"])).max_per_month) is not None and r["n"] > cap]
    out = {"events_once": {r["type"]: r["events"] == r["campaigns"] == len(ids) for r in once},
           "scheduled_in_asked_month": months == asked, "overlapping_bookings": overlaps,
           "year_days_used": int(used), "year_budget_days": policy.yearly_budget_days, "over_cap": over_cap}
    out["ok"] = (set(out["events_once"]) == {"CampaignApproved", "MonthReserved", "ResourcesAllocated"}
                 and all(out["events_once"].values()) and out["scheduled_in_asked_month"] and overlaps == 0
                 and used <= policy.yearly_budget_days and not over_cap)
    return out

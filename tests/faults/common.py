"""Shared machinery of the fault tests: a worker in its own OS process, fifty campaigns
driven to `scheduled` through a fault, and the SQL that proves nothing was lost or
written twice."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import asyncpg
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from bench.harness import b_request  # noqa: F401  (B requests the default scoring proposes as B)
from domain.campaign import campaign_id_for
from domain.status import Status
from services import policy as policy_changes
from store.db import create_pool
from tests.conftest import ARTIFACTS, new_task_queue, wait_until
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, Approve, CampaignInput

ROOT = Path(__file__).resolve().parents[2]
APPROVER = Actor(name="jun.approver", role="approver", business_line=None)
# Fifty B campaigns must all be scheduled: lift the month caps and the budget (the
# balancing code still runs, under its year lock, for every one of them).
NO_CAPS = {"yearly_budget_days": 1_000_000, "hot_topic_reserve_days": 0,
           "tiers": {"B": {"max_per_month": 1_000_000}}}
EXPECTED_TYPES = ["CampaignSubmitted", "ReviewScored", "CampaignApproved", "MonthReserved", "ResourcesAllocated"]
# Once scheduled, a campaign plans its milestones: at most
# that one event may follow, depending on when the check looks.
AFTER_SCHEDULED = ["MilestonesPlanned"]


def expected_log(types: list[str]) -> bool:
    """Exactly the expected events once each, then at most the milestones' plan."""
    n = len(EXPECTED_TYPES)
    return types[:n] == EXPECTED_TYPES and types[n:] in ([], AFTER_SCHEDULED)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def lift_caps(dsn: str, year: int = 2027) -> None:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        await policy_changes.change(pool, year, NO_CAPS, "fault tests: no caps", "yan.ops")
    finally:
        await pool.close()


@dataclass
class WorkerProcess:
    """tests/faults/worker_proc.py as a child process; kill() is kill -9."""

    address: str
    dsn: str
    task_queue: str
    log: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0

    async def start(self) -> None:
        self.starts += 1
        env = dict(os.environ, TEMPORAL_ADDRESS=self.address, DATABASE_URL=self.dsn,
                   PROMOFLOW_TASK_QUEUE=self.task_queue, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
                   **self.extra_env)
        out = open(self.log, "ab")
        out.write(f"--- start {self.starts}\n".encode())
        out.flush()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.faults.worker_proc", cwd=ROOT, env=env, stdout=out, stderr=out)
        out.close()

        async def ready() -> bool:
            if self.proc.returncode is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.tail()}")
            return "worker ready" in self.log.read_text().rsplit(f"--- start {self.starts}\n", 1)[-1]
        await wait_until(ready, timeout=30, what="the worker process to start")

    def kill(self) -> None:
        """kill -9: no shutdown, no activity completion, sticky cache lost."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-n:])
        except OSError:
            return ""


@asynccontextmanager
async def worker_process(address: str, dsn: str, task_queue: str, name: str, env: dict[str, str] | None = None):
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"faults-{name}-worker.log"
    log.write_text("")
    w = WorkerProcess(address, dsn, task_queue, log, dict(env or {}))
    await w.start()
    try:
        yield w
    finally:
        await w.stop()


@dataclass
class Run:
    ids: list[str]
    approvals: list[asyncio.Task] = field(default_factory=list)
    retried_calls: int = 0
    early_calls: int = 0
    at_fault: dict = field(default_factory=dict)


async def start_fifty(client: Client, task_queue: str, prefix: str, n: int = 50) -> Run:
    reqs = [b_request(i, prefix) for i in range(n)]
    ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
    await asyncio.gather(*(client.start_workflow(
        CampaignWorkflow.run, CampaignInput(request=r, owner=Actor(
            name=f"someone.{r.business_line}", role="business_line", business_line=r.business_line)),
        id=cid, task_queue=task_queue) for r, cid in zip(reqs, ids, strict=False)))
    return Run(ids)


async def count_status(dsn: str, ids: list[str], status: str) -> int:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await conn.fetchval("SELECT count(*) FROM campaigns WHERE status = $1 AND campaign_id = ANY($2::text[])",
                                   status, ids)
    finally:
        await conn.close()


async def progress(dsn: str, ids: list[str]) -> dict:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        row = await conn.fetchrow(
            """SELECT count(*) FILTER (WHERE type = 'MonthReserved') AS reserved,
                      count(*) FILTER (WHERE type = 'ResourcesAllocated') AS allocated
               FROM events WHERE campaign_id = ANY($1::text[])""", ids)
        return dict(row)
    finally:
        await conn.close()


# An update is durable only once a worker accepted it; a caller that hears nothing within
# its own deadline sends the decision again (the validator refuses a second decision).
CALL_TIMEOUT_S = 15


def approve_all(client: Client, run: Run, deadline_s: float = 85) -> None:
    """Approve every campaign as an API client would: a call that fails in transit or gets
    no answer within CALL_TIMEOUT_S (the worker, the server or the database went away) is
    sent again; an answer that the campaign is no longer in review means an earlier
    call's decision was recorded."""

    async def approve(cid: str) -> str:
        h = client.get_workflow_handle(cid)
        stop = time.monotonic() + deadline_s
        while True:
            try:
                st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER, comment="fault test"),
                                            rpc_timeout=timedelta(seconds=CALL_TIMEOUT_S))
                return st.status.value
            except WorkflowUpdateFailedError as err:
                cause = err.cause
                if not (isinstance(cause, ApplicationError) and cause.type == "invalid_state"):
                    raise
                # "campaign is submitted; ...": the read model ran one workflow task ahead of
                # the workflow (ReviewScored is projected before the workflow sees it): ask again.
                # "..., already decided" or any later status: an earlier call's decision counts.
                if not str(cause.message).startswith("campaign is submitted"):
                    return "decided earlier"
                run.early_calls += 1
            except Exception:  # noqa: BLE001 - transport failure or no answer in time: send again
                run.retried_calls += 1
            if time.monotonic() > stop:
                raise TimeoutError(f"{cid}: no decision recorded within {deadline_s}s")
            await asyncio.sleep(0.2)

    run.approvals = [asyncio.create_task(approve(cid)) for cid in run.ids]


async def until_in_review(dsn: str, run: Run, timeout: float = 60) -> None:
    async def check() -> bool:
        return await count_status(dsn, run.ids, "in_review") == len(run.ids)
    await wait_until(check, timeout=timeout, what=f"{len(run.ids)} campaigns in review")


async def fault_mid_allocation(dsn: str, run: Run, fault: Callable[[], Awaitable[None]], timeout: float = 60) -> None:
    """Inject `fault` once allocation is under way: some campaigns reserved, not all allocated."""
    async def started() -> bool:
        p = await progress(dsn, run.ids)
        return p["reserved"] >= 3

    await wait_until(started, timeout=timeout, what="month reservations to start")
    await fault()
    run.at_fault = await progress(dsn, run.ids) if not run.at_fault else run.at_fault


async def until_all_scheduled(client: Client, dsn: str, run: Run, timeout: float = 85) -> None:
    async def projected() -> bool:
        try:
            return await count_status(dsn, run.ids, "scheduled") == len(run.ids)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False  # the database is still coming back
    try:
        await wait_until(projected, timeout=timeout, what="every campaign scheduled in the read model")
    except AssertionError as err:
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            rows = await conn.fetch("SELECT status, count(*) AS n FROM campaigns WHERE campaign_id = ANY($1::text[]) "
                                    "GROUP BY status", run.ids)
        finally:
            await conn.close()
        stuck = await conn_stuck(dsn, run.ids)
        detail = ""
        if stuck:
            h = client.get_workflow_handle(stuck)
            kinds = [e.WhichOneof("attributes").replace("_event_attributes", "") async for e in h.fetch_history_events()]
            desc = await h.describe()
            detail = f"; {stuck} history {kinds}; pending wft {desc.raw_description.pending_workflow_task}"
        raise AssertionError(f"{err}{detail}; read model: {[tuple(r) for r in rows]}; at the fault: {run.at_fault}; "
                             f"approve calls re-sent: {run.retried_calls}") from None
    results = await asyncio.wait_for(asyncio.gather(*run.approvals, return_exceptions=True), timeout)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"approve calls failed for good: {errors[:3]}"
    states = await asyncio.gather(*(client.get_workflow_handle(i).query(CampaignWorkflow.state_query) for i in run.ids))
    assert {s.status for s in states} == {Status.SCHEDULED}, {s.campaign_id: s.status for s in states
                                                              if s.status != Status.SCHEDULED}
    for s in states:
        assert [h.seq for h in s.history] == list(range(1, len(s.history) + 1)), (s.campaign_id, s.history)
        assert expected_log([h.type for h in s.history]), (s.campaign_id, [h.type for h in s.history])


async def conn_stuck(dsn: str, ids: list[str]) -> str | None:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await conn.fetchval("SELECT campaign_id FROM campaigns WHERE campaign_id = ANY($1::text[]) "
                                   "AND status <> 'scheduled' LIMIT 1", ids)
    finally:
        await conn.close()


async def assert_log_and_bookings_exact(dsn: str, ids: list[str]) -> None:
    """Per campaign: seq 1..n gapless, exactly the expected events once each, one audit row
    per event, and the live bookings are exactly those of its ResourcesAllocated event."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT campaign_id, array_agg(seq ORDER BY seq) AS seqs, array_agg(type ORDER BY seq) AS types "
            "FROM events WHERE campaign_id = ANY($1::text[]) GROUP BY campaign_id", ids)
        assert len(rows) == len(ids), f"{len(ids) - len(rows)} campaigns have no events"
        for r in rows:
            assert list(r["seqs"]) == list(range(1, len(r["seqs"]) + 1)), (r["campaign_id"], r["seqs"])
            assert expected_log(list(r["types"])), (r["campaign_id"], r["types"])
        audit = await conn.fetchval("SELECT count(*) FROM audit_trail WHERE campaign_id = ANY($1::text[])", ids)
        assert audit == sum(len(r["seqs"]) for r in rows), f"audit trail has {audit} rows"
        # bookings: the event's list == the table's live rows (no lost, no duplicated unit)
        mismatched = await conn.fetch(
            """WITH wanted AS (
                   SELECT e.campaign_id, b->>'resource' AS resource, (b->>'unit')::int AS unit, b->>'phase' AS phase,
                          daterange((b->>'start')::date, (b->>'end')::date) AS during
                   FROM events e, jsonb_array_elements(e.data->'bookings') b
                   WHERE e.type = 'ResourcesAllocated' AND e.campaign_id = ANY($1::text[])),
               held AS (
                   SELECT campaign_id, resource, unit, phase, during FROM bookings
                   WHERE status <> 'released' AND campaign_id = ANY($1::text[]))
               (SELECT 'missing' AS what, * FROM wanted EXCEPT ALL SELECT 'missing', * FROM held)
               UNION ALL
               (SELECT 'extra', * FROM held EXCEPT ALL SELECT 'extra', * FROM wanted)""", ids)
        assert not mismatched, [dict(m) for m in mismatched[:5]]
        held = await conn.fetchval("SELECT count(*) FROM bookings WHERE campaign_id = ANY($1::text[])", ids)
        assert held > 0, "no bookings at all: the scenario did not exercise allocation"
        overlaps = await conn.fetchval(
            """SELECT count(*) FROM bookings a JOIN bookings b
                 ON a.resource = b.resource AND a.unit = b.unit AND a.during && b.during
                AND (a.campaign_id, a.phase) < (b.campaign_id, b.phase)
               WHERE a.status <> 'released' AND b.status <> 'released'""")
        assert overlaps == 0
    finally:
        await conn.close()


async def fifty_through_a_fault(client: Client, address: str, dsn: str, name: str, prefix: str, what: str,
                                fault: Callable[[Run, WorkerProcess], Awaitable[None]]) -> Run:
    """The fault tests' scenario: fifty B campaigns on a worker process, approved as soon as
    they are in review; `fault(run, worker)` strikes while they are being allocated (it may
    record `run.at_fault` itself); then waits until every campaign is scheduled. The test
    asserts that the fault came mid-allocation and that the log and the bookings hold each
    event and unit exactly once. `prefix` keeps the campaign ids apart on the shared dev server."""
    await lift_caps(dsn)
    tq = new_task_queue()
    async with worker_process(address, dsn, tq, name) as worker:
        run = await start_fifty(client, tq, prefix)
        await until_in_review(dsn, run)
        approve_all(client, run)

        async def strike() -> None:
            await fault(run, worker)

        await fault_mid_allocation(dsn, run, strike)
        # Activities a lost worker held come back after their start-to-close timeout.
        await until_all_scheduled(client, dsn, run, timeout=85)
    print(f"{what} at {run.at_fault}; approve calls re-sent: {run.retried_calls}, early: {run.early_calls}")
    return run

"""The solve activity on a real Temporal dev server with PostgreSQL: an attempt's CP-SAT work
ends with the attempt. A cancelled solve stops CP-SAT and frees the solver thread before the
attempt ends; a solve whose time limit is longer than its attempt's start-to-close timeout
ends in time instead of being timed out with its thread still busy (where a retry would
queue behind it).

The case: 2,000 intents with calibration targets, a solve of several seconds (a dozen or so
probes) when nothing stops it; a test workflow runs the real `solve_plan` activity with
the timeouts under test."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import CancelledError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.messages import EventSlot
from activities.planning import PlanningActivities, SolvePlan
from domain import events as ev
from domain.planning import events as pe
from domain.planning import season
from domain.planning.model import Settings, Summary, Targets
from store import projections
from tests.conftest import new_task_queue, wait_until
from tests.domain.planning.planner_gen import intent

YEAR = 2027
STREAM = pe.plan_stream(YEAR)
TARGETS = Settings(targets=Targets(A=5, B=20))


class SolveArgs(SolvePlan):
    start_to_close: float
    heartbeat: float
    attempts: int


@workflow.defn(sandboxed=False)
class SolveOnce:
    @workflow.run
    async def run(self, inp: SolveArgs) -> Summary:
        return await workflow.execute_activity_method(
            PlanningActivities.solve_plan, SolvePlan.model_validate(inp.model_dump(include=set(SolvePlan.model_fields))),
            start_to_close_timeout=timedelta(seconds=inp.start_to_close),
            heartbeat_timeout=timedelta(seconds=inp.heartbeat),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_attempts=inp.attempts),
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)


async def _intents_in_the_log(pool, n: int = 2000) -> None:
    rnd = random.Random(5)
    intents = []
    for k in range(n):
        first = rnd.randint(1, 12)
        months = [first] + [m for m in (first + 1, first - 1) if 1 <= m <= 12][:1]
        it = intent(k, rnd.randrange(6), months, rnd.choice(["A", "B", "B", "C"]),
                    rnd.uniform(5e5, 3e7), rnd.randint(200_000, 8_000_000), margin=round(rnd.uniform(0.05, 0.5), 3))
        intents.append(it.model_copy(update={"intent_id": season.intent_id_for(it.business_line, it.request_id)}))
    event = ev.Event(campaign_id=STREAM, seq=1, at=datetime.now(UTC), actor="yan.ops", reason=None,
                     body=pe.IntentsSubmitted(intents=intents))
    async with pool.acquire() as conn, conn.transaction():
        await projections.record(conn, event)


def _args(**kw) -> SolveArgs:
    slot = EventSlot(campaign_id=STREAM, seq=2, at=datetime.now(UTC), actor="yan.ops")
    return SolveArgs(slot=slot, year=YEAR, kind="plan", settings=TARGETS, time_limit=300.0, **kw)


async def _thread_free_within(acts: PlanningActivities, seconds: float) -> float:
    """How long a job given to the solver thread waits to run; fails past `seconds`."""
    start = time.monotonic()
    await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(acts.solver_pool, time.monotonic), seconds)
    return time.monotonic() - start


@pytest.fixture
async def solving(dev_env, pool):
    await _intents_in_the_log(pool)
    acts = PlanningActivities(pool)
    tq = new_task_queue()
    async with Worker(dev_env.client, task_queue=tq, workflows=[SolveOnce], activities=[acts.solve_plan],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        yield dev_env.client, pool, acts, tq
    acts.solver_pool.shutdown(wait=True, cancel_futures=True)


async def test_a_cancelled_solve_frees_its_thread_before_the_attempt_ends(solving):
    client, pool, acts, tq = solving
    h = await client.start_workflow(SolveOnce.run, _args(start_to_close=120, heartbeat=5, attempts=1),
                                    id=f"solve-{tq}", task_queue=tq)

    async def probing() -> bool:  # the solve is calibrating: seconds of CP-SAT still ahead
        d = await h.describe()
        pending = d.raw_description.pending_activities
        if not pending or not pending[0].heartbeat_details.payloads:
            return False
        details = (await client.data_converter.decode(pending[0].heartbeat_details.payloads))[0]
        return details.get("stage") == "calibration"
    await wait_until(probing, timeout=60, what="the solve calibrating")
    await h.cancel()
    with pytest.raises(WorkflowFailureError) as err:
        await h.result()
    assert isinstance(err.value.cause, CancelledError), err.value.cause
    # the attempt ended only after its CP-SAT thread did: the next job runs at once
    await _thread_free_within(acts, 1.0)
    assert await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id = $1", STREAM) == 1


async def test_a_solve_longer_than_its_attempt_ends_in_time_and_frees_its_thread(solving):
    client, pool, acts, tq = solving
    # a 300 s time limit in an attempt of 20 s: the solve is cut to fit the attempt (15 s of
    # CP-SAT, 5 s to store the plan, enough on a busy host). With one
    # attempt, a solve that outran it would be timed out by the server and fail the workflow, so
    # the summary is the proof; the wall clock also counts the workflow's own scheduling.
    summary = await client.execute_workflow(SolveOnce.run, _args(start_to_close=20, heartbeat=30, attempts=1),
                                            id=f"solve-{tq}", task_queue=tq)
    assert summary.status in ("optimal", "feasible", "unknown")
    await _thread_free_within(acts, 1.0)
    assert await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id = $1", STREAM) == 2

"""One writer per stream at the results window's close, on the time-skipping server with real
activities and PostgreSQL.

The window closes in two steps: the workflow marks itself closed, then appends the
CampaignOutcome at the seq it owns. Actuals sent between the two must not reach the store
path (which appends at max(seq) + 1 and would take the workflow's seq): the API answers 409
`results_closing` and the store refuses in its transaction, writing nothing; once the
outcome is in the log the store path takes them. The gap is held open deterministically:
a test transaction locks `campaign_outcomes`, which the outcome's projection writes, so the
workflow's append waits, uncommitted, until the test lets it go.

And an `EventConflict` (another event at the seq an activity appends) fails the activity
at once instead of being retried forever."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, RetryState
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.campaign import CampaignActivities
from api.auth import TokenBook
from api.deps import Deps
from api.errors import status_of
from domain import events as ev
from domain.results.actuals import ActualRow
from domain.status import Status
from domain.tiers import Tier
from infra.settings import Settings
from services.errors import Refused
from services.results import record
from store import results
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import OPS, request
from tests.workflows.test_lifecycle import POLICY, approved, engine, skip_to, until_status  # noqa: F401
from workflows.campaign import CampaignWorkflow
from workflows.messages import RecordActuals


def row(day, gmv: float = 10_000.0) -> ActualRow:
    return ActualRow(date=day, traffic=100_000, orders=100, gmv=gmv, gross_profit=gmv * 0.2)


async def _log(pool, cid: str) -> list[tuple[int, str]]:
    return [(r["seq"], r["type"]) for r in await pool.fetch(
        "SELECT seq, type FROM events WHERE campaign_id = $1 ORDER BY seq", cid)]


async def test_actuals_while_the_window_closes_are_409_then_the_store_takes_them(engine):  # noqa: F811
    env, pool, tq = engine
    h = await approved(env, tq, request(Tier.A, "2027-05", revenue_target=20_000_000, gross_margin=0.3,
                                        traffic=8_000_000))
    st = await until_status(h, Status.SCHEDULED)
    start, end = st.phases[0].start, st.phases[-1].end
    await skip_to(env, end + timedelta(days=1))
    await h.execute_update(CampaignWorkflow.record_actuals, RecordActuals(actor=OPS, rows=[row(start)]))
    closes = end + timedelta(days=POLICY.results.results_window_days)
    late = [row(start + timedelta(days=1))]
    deps = Deps(Settings(task_queue=tq), env.client, pool, TokenBook([]))

    blocker = await pool.acquire()
    hold = blocker.transaction()
    await hold.start()
    try:
        await blocker.execute("LOCK TABLE campaign_outcomes IN EXCLUSIVE MODE")
        # the clock moves past the close in the background: while the outcome's append waits
        # (an activity in flight) the time-skipping server holds its clock there
        skipping = asyncio.create_task(skip_to(env, closes + timedelta(days=1)))

        async def outcome_waiting() -> bool:  # the workflow is closed; its outcome append waits on our lock
            return bool(await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%INSERT INTO campaign_outcomes%'"))
        await wait_until(outcome_waiting, what="the outcome's append waiting")
        before = await _log(pool, h.id)

        with pytest.raises(Refused) as err:
            await record(deps, h.id, late, OPS)
        assert (status_of(err.value), err.value.code) == (409, "results_closing"), err.value.message
        # the store path as the API takes it after a workflow's results window: refused in its
        # transaction (without the guard its append would take the seq the outcome's waits on)
        async def direct() -> results.ActualsResult | None:
            async with pool.acquire() as conn, conn.transaction():
                return await results.record_actuals_direct(conn, h.id, late, OPS.name, datetime.now(UTC),
                                                           today=closes, after_outcome=True)
        res = await asyncio.wait_for(direct(), 15)
        assert res is not None and res.closing and res.recorded == 0
        assert await _log(pool, h.id) == before
    finally:
        await hold.rollback()
        await pool.release(blocker)

    await skipping
    final = await asyncio.wait_for(h.result(), 30)
    assert final.status == Status.COMPLETED and final.outcome_recorded
    log = await _log(pool, h.id)
    assert [t for _, t in log if not t.startswith("Milestone")][-1] == "CampaignOutcome"
    assert [s for s, _ in log] == list(range(1, len(log) + 1))
    # the outcome is in the log: the stream is the store path's now
    async with pool.acquire() as conn, conn.transaction():
        res = await results.record_actuals_direct(conn, h.id, late, OPS.name, datetime.now(UTC), today=closes,
                                                  after_outcome=True)
    assert res is not None and not res.closing and (res.recorded, res.outcome) == (1, True)
    after = await _log(pool, h.id)
    assert after[len(log):] == [(len(log) + 1, "ActualsRecorded"), (len(log) + 2, "CampaignOutcome")]


@workflow.defn(sandboxed=False)
class RecordOne:
    @workflow.run
    async def run(self, event: ev.Event) -> None:
        await workflow.execute_activity_method(
            CampaignActivities.record_event, event, start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_attempts=5))


async def test_an_event_conflict_fails_the_record_activity_without_retries(ts_env, pool):
    cid = "campaign-food-conflict"
    now = datetime.now(UTC)
    taken = ev.Event(campaign_id=cid, seq=1, at=now, actor="lin.food", reason=None,
                     body=ev.CampaignSubmitted(request=request(Tier.B, request_id="conflict"), owner="lin.food"))
    async with pool.acquire() as conn, conn.transaction():
        await results.append_direct(conn, cid, [taken.body], "lin.food", None, now)
    other = taken.model_copy(update={"actor": "someone.else"})
    tq = new_task_queue()
    acts = CampaignActivities(pool)
    async with Worker(ts_env.client, task_queue=tq, workflows=[RecordOne], activities=[acts.record_event],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        h = await ts_env.client.start_workflow(RecordOne.run, other, id=f"record-{tq}", task_queue=tq)
        with pytest.raises(WorkflowFailureError) as err:
            await h.result()
    failure = err.value.cause
    assert isinstance(failure, ActivityError) and failure.retry_state == RetryState.NON_RETRYABLE_FAILURE
    cause = failure.cause
    assert isinstance(cause, ApplicationError) and cause.type == "EventConflict" and cause.non_retryable
    assert "seq is taken by CampaignSubmitted by lin.food" in cause.message
    started = [e for e in (await h.fetch_history()).events if e.HasField("activity_task_started_event_attributes")]
    assert [e.activity_task_started_event_attributes.attempt for e in started] == [1]
    assert await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id = $1", cid) == 1

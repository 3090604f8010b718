"""kill -9 the worker while fifty campaigns are being allocated, start a new one: every
campaign is scheduled, and no event or booking is lost or written twice."""

from __future__ import annotations

import pytest

from tests.conftest import new_task_queue
from tests.faults.common import (
    approve_all,
    assert_log_and_bookings_exact,
    fault_mid_allocation,
    lift_caps,
    progress,
    start_fifty,
    until_all_scheduled,
    until_in_review,
    worker_process,
)

pytestmark = pytest.mark.faults


async def test_kill_9_worker_mid_allocation(dev_env, db_dsn):
    client = dev_env.client
    address = client.service_client.config.target_host
    await lift_caps(db_dsn)
    tq = new_task_queue()
    async with worker_process(address, db_dsn, tq, "kill9") as worker:
        run = await start_fifty(client, tq, "kill9")
        await until_in_review(db_dsn, run)
        approve_all(client, run)

        async def kill_and_restart() -> None:
            worker.kill()  # SIGKILL: in-flight activities and workflow tasks are simply lost
            await worker.proc.wait()
            run.at_fault = await progress(db_dsn, run.ids)
            await worker.start()

        await fault_mid_allocation(db_dsn, run, kill_and_restart)
        assert run.at_fault["allocated"] < len(run.ids), f"the kill came too late: {run.at_fault}"
        # Activities the dead worker held come back after their 30 s start-to-close timeout.
        await until_all_scheduled(client, db_dsn, run, timeout=85)
    await assert_log_and_bookings_exact(db_dsn, run.ids)
    print(f"kill -9 at {run.at_fault}; approve calls re-sent: {run.retried_calls}, early: {run.early_calls}")

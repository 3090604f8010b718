"""The API served for real (uvicorn on a free port) in front of a Temporal dev server,
a worker and a real PostgreSQL. Each principal's token is its name, for readable tests.

A planning season is the workflow `plan-<year>` on the session's shared dev server: it
outlives the test (and the database) that opened it, and a year opens once. So each test
file opens its own years: 2025 test_plan_roles (open), 2026 test_limits, 2027 test_plans,
2028 test_line_privacy, 2029 test_plan_roles (states), 2030 test_plan_cli, 2031
tests/api/web/test_web_plan; test_plan_roles reads 2032 (a year the policy does not support)
as a year without a season."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from api.app import Deps, create_app
from api.auth import TokenBook
from infra.settings import Settings
from stack.tokens import DEMO_PRINCIPALS
from tests.api.hooks import SECRET_KEY
from tests.api.serve import serving
from tests.conftest import new_task_queue
from tests.workflows.helpers import running_worker

TOKENS = [{"token": p["name"], **p} for p in DEMO_PRINCIPALS]
BY_ROLE = {
    "business_line": "lin.food", "other_line": "mei.apparel", "approver": "jun.approver",
    "line_approver": "hua.approver", "leader": "wei.leader", "ops": "yan.ops",
}


@dataclass
class Api:
    url: str
    client: object  # temporalio Client
    pool: object
    task_queue: str

    def as_(self, name: str | None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {name}"} if name else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)


@asynccontextmanager
async def serve_api(client, pool) -> AsyncIterator[Api]:
    """The API on a free port with its own worker (a fresh task queue) on `client`'s server."""
    tq = new_task_queue()
    settings = Settings(task_queue=tq, secret_key=SECRET_KEY)
    app = create_app(Deps(settings, client, pool, TokenBook(TOKENS)))
    async with running_worker(client, pool, tq), serving(app) as url:
        yield Api(url, client, pool, tq)


@pytest.fixture
async def api(dev_env, pool):
    async with serve_api(dev_env.client, pool) as served:
        yield served


def body(request_id: str, *, tier: str | None = "B", month: str = "2027-03", line: str = "food",
         category: str | None = None, **extra) -> dict:
    b = {
        "request_id": request_id, "name": f"{line} {tier} {month}", "business_line": line,
        "category": category or line, "requested_tier": tier, "month": month,
        "revenue_target": 1_000_000, "gross_margin": 0.25,
        "forecast": {"traffic": 2_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03},
    }
    b.update(extra)
    return {k: v for k, v in b.items() if v is not None}


A_EXTRA = {"revenue_target": 20_000_000, "gross_margin": 0.3,
           "forecast": {"traffic": 8_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03}}


@pytest.fixture
async def pool_factory_closed(db_dsn):
    """A pool that has been closed: every query fails, as when PostgreSQL is down."""
    from store.db import create_pool

    p = await create_pool(db_dsn, min_size=1, max_size=1)
    await p.close()
    return p

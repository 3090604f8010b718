"""Webhook delivery under faults, in a real worker process (`worker.run_with_delivery`, the
product's default `WebhookRule`):

- 20 deliveries to a good receiver arrive within 10 s while another subscription's receiver
  hangs and a third subscription's URL is one httpx cannot send to (written straight into
  the store, as a row from before the route checked URLs would be);
- the delivery loop killed by an unexpected exception (its outbox table gone, so the claim
  itself raises) is restarted by its supervisor in the same process; `/healthz` (the API is
  another process: it learns it through PostgreSQL) says `degraded` while it is down and
  `ok` once it runs again, and deliveries resume."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from activities.webhooks import PART
from api.app import Deps, create_app
from api.auth import TokenBook
from infra.secret_box import SecretBox
from infra.settings import Settings
from store import background, eventstore, subscriptions
from tests.api.hooks import SECRET_KEY, Hanging, Receiver, verify
from tests.api.serve import serving
from tests.conftest import new_task_queue, wait_until
from tests.faults.common import worker_process
from tests.store.helpers import submitted

pytestmark = pytest.mark.faults
SECRET = "fault-secret"
ENV = {"PROMOFLOW_SECRET_KEY": SECRET_KEY}


async def _subscribe(pool, sid: str, url: str) -> None:
    await subscriptions.subscribe(pool, subscription_id=sid, url=url, events=["CampaignSubmitted"],
                           secret_enc=SecretBox(SECRET_KEY).seal(SECRET), created_by="test", now=datetime.now(UTC))


async def _submit(pool, prefix: str, n: int) -> None:
    for i in range(n):
        async with pool.acquire() as conn, conn.transaction():
            await eventstore.append(conn, submitted(f"campaign-food-{prefix}-{i}"))


async def _statuses(pool, sid: str) -> list[str]:
    return [r["status"] for r in await pool.fetch(
        "SELECT status FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id", sid)]


async def test_twenty_deliveries_arrive_in_10_s_beside_a_hanging_receiver_and_a_bad_url(dev_env, db_dsn):
    address = dev_env.client.service_client.config.target_host
    hanging, good = Hanging(), Receiver(up=True)
    pool = await asyncpg.create_pool(db_dsn, min_size=1, max_size=4)
    try:
        async with serving(hanging) as hang_url, serving(good) as good_url, \
                worker_process(address, db_dsn, new_task_queue(), "webhook-beside", env=ENV):
            await _subscribe(pool, "hangs", f"{hang_url}/hook")
            await _subscribe(pool, "bad-url", "http://127.0.0.1:abc/hook")  # httpx.InvalidURL
            await _subscribe(pool, "good", f"{good_url}/hook")
            await _submit(pool, "beside", 20)
            started = time.monotonic()

            async def all_arrived() -> bool:
                return len(good.got) >= 20
            await wait_until(all_arrived, timeout=10, what="20 deliveries to the good receiver")
            took = time.monotonic() - started

            async def recorded() -> bool:
                return await _statuses(pool, "good") == ["delivered"] * 20
            await wait_until(recorded, what="the 20 recorded delivered")
            bad = await pool.fetch("SELECT attempts, last_error FROM webhook_deliveries "
                                   "WHERE subscription_id = 'bad-url' AND attempts > 0")
            hanging.stop()
        assert bad and all("not a URL httpx can send to" in r["last_error"] for r in bad)
        assert len({json.loads(raw)["event_id"] for _, raw in good.got}) == 20
        assert all(verify(SECRET, headers, raw) for headers, raw in good.got)
        print(f"20 deliveries in {took:.2f} s; the hanging receiver took {hanging.arrived} requests")
    finally:
        await pool.close()


async def test_a_killed_delivery_loop_is_restarted_and_healthz_says_so(dev_env, db_dsn):
    address = dev_env.client.service_client.config.target_host
    good = Receiver(up=True)
    pool = await asyncpg.create_pool(db_dsn, min_size=1, max_size=4)
    app = create_app(Deps(Settings(), dev_env.client, pool, TokenBook([])))

    async def health() -> dict:
        """The body of /healthz, 200 or 503: a dependency check slowed past its 2 s on a loaded
        machine is a 503 `down: ["temporal"]` for one poll, which the waits below poll through."""
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            r = await http.get("/healthz")
            assert r.status_code in (200, 503), r.text
            return r.json()

    try:
        async with serving(good) as good_url, \
                worker_process(address, db_dsn, new_task_queue(), "webhook-supervised", env=ENV) as worker:
            await _subscribe(pool, "good", f"{good_url}/hook")

            async def up() -> bool:
                rows = await background.rows(pool, PART)
                return [r["status"] for r in rows] == ["up"] and (await health())["status"] == "ok"
            await wait_until(up, timeout=30, what="the delivery loop up")

            await pool.execute("ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_away")
            try:
                async def degraded() -> bool:
                    return (await health())["down"] == [PART]
                await wait_until(degraded, timeout=30, what="healthz degraded while the loop is down")
                [row] = await background.rows(pool, PART)
                assert row["status"] == "down" and "UndefinedTableError" in row["detail"], row
            finally:
                await pool.execute("ALTER TABLE webhook_deliveries_away RENAME TO webhook_deliveries")

            async def ok() -> bool:
                return (await health()) == {"status": "ok", "down": [],
                                            "checks": {"temporal": "ok", "postgres": "ok", PART: "ok"}}
            await wait_until(ok, timeout=45, what="healthz ok once the loop was restarted")
            await _submit(pool, "after", 3)

            async def delivered() -> bool:
                return await _statuses(pool, "good") == ["delivered"] * 3
            await wait_until(delivered, timeout=30, what="deliveries after the restart")
            assert worker.proc is not None and worker.proc.returncode is None and worker.starts == 1
            assert "webhook_delivery died (UndefinedTableError)" in worker.tail(400)
    finally:
        await pool.close()

"""`GET /healthz` (shared/API.md): 200 `ok`; 200 `degraded` naming in `down` a background part
of the worker that is down (restarting, or its heartbeat stale); 503 naming the dependency
that does not answer, never with the error's text (that goes to the log)."""

from __future__ import annotations

import logging

import httpx
from temporalio.client import Client

from activities.webhooks import PART
from api.app import Deps, create_app
from api.auth import TokenBook
from infra.settings import Settings
from infra.webhook_retry import WebhookRule
from store import background
from tests.api.hooks import delivering
from tests.api.serve import bind_free_port
from tests.conftest import wait_until


def _health(client, pool, **settings) -> httpx.AsyncClient:
    app = create_app(Deps(Settings(**settings), client, pool, TokenBook([])))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_healthz_names_what_does_not_answer_without_echoing_why(pool_factory_closed, caplog):
    sock = bind_free_port()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    dead_temporal = await Client.connect(f"127.0.0.1:{port}", lazy=True)
    with caplog.at_level(logging.WARNING, logger="promoflow.api"):
        async with _health(dead_temporal, pool_factory_closed) as http:
            r = await http.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "checks": {"temporal": "unavailable", "postgres": "unavailable"},
                        "down": ["temporal", "postgres"]}
    logged = caplog.text
    assert "PostgreSQL does not answer" in logged and "pool is closed" in logged  # why: in the log only
    assert "Temporal does not answer" in logged and str(port) in logged


async def test_healthz_reads_the_background_parts_rows(dev_env, pool):
    async def answer() -> tuple[int, dict]:
        async with _health(dev_env.client, pool, background_stale_s=30) as http:
            r = await http.get("/healthz")
        return r.status_code, r.json()

    # never started against this database: nothing says it should run, so not reported
    assert await answer() == (200, {"status": "ok", "checks": {"temporal": "ok", "postgres": "ok"}, "down": []})
    await background.record(pool, PART, "w1", "up")
    assert (await answer())[1]["checks"][PART] == "ok"
    await background.record(pool, PART, "w1", "down", "restarting")
    assert await answer() == (200, {"status": "degraded", "down": [PART],
                                    "checks": {"temporal": "ok", "postgres": "ok", PART: "down"}})
    await background.record(pool, PART, "w1", "up")
    assert (await answer())[1]["status"] == "ok"
    await pool.execute("UPDATE background_parts SET heartbeat_at = now() - interval '31 seconds'")  # w1 hangs
    assert (await answer())[1] == {"status": "degraded", "down": [PART],
                                   "checks": {"temporal": "ok", "postgres": "ok", PART: "down"}}
    await background.record(pool, PART, "w2", "up")  # another worker delivers
    assert (await answer())[1]["status"] == "ok"
    await background.record(pool, PART, "w2", "stopped", "the worker stopped it")
    assert (await answer())[1]["down"] == [PART]  # the last worker stopped: nothing delivers


async def test_a_dead_delivery_loop_is_restarted_and_healthz_degraded_meanwhile(dev_env, pool):
    """A real fault: the outbox table is away, so the loop's claim raises (not an attempt's
    error); its supervisor records it down and restarts it until the table is back."""
    async def status() -> str:
        async with _health(dev_env.client, pool) as http:
            return (await http.get("/healthz")).json()["status"]

    async with delivering(pool, WebhookRule()) as supervisor:
        async def up() -> bool:
            return [r["status"] for r in await background.rows(pool, PART)] == ["up"] and await status() == "ok"
        await wait_until(up, what="the loop up")
        await pool.execute("ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_away")
        try:
            async def degraded() -> bool:
                return await status() == "degraded"
            await wait_until(degraded, what="healthz degraded while the loop is down")
            [row] = await background.rows(pool, PART)
            assert row["status"] == "down" and "UndefinedTableError" in row["detail"]
            assert supervisor.restarts >= 1
        finally:
            await pool.execute("ALTER TABLE webhook_deliveries_away RENAME TO webhook_deliveries")

        async def ok() -> bool:
            return await status() == "ok"
        await wait_until(ok, what="healthz ok once the loop runs again")
    [row] = await background.rows(pool, PART)
    assert row["status"] == "stopped"  # the worker stopped it

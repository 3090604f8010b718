"""kill -9 the worker while it is delivering webhooks (the receiver holding the requests
open), start a new one: every subscribed event is delivered, none is lost, and only the
deliveries that were in flight at the kill arrive twice (at least once: receivers dedupe on
X-Promoflow-Event-Id)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import pytest

from infra.secret_box import SecretBox
from infra.webhook_retry import WebhookRule
from store import subscriptions
from tests.api.hooks import SECRET_KEY
from tests.api.serve import read_body, serving
from tests.conftest import new_task_queue, wait_until
from tests.faults.common import start_fifty, until_in_review, worker_process

pytestmark = pytest.mark.faults
N = 20
# Short retries and a 2 s timeout: a delivery claimed by the killed worker is leased for
# 3 x 2 s, then claimed again by the new one.
RULE = WebhookRule(first_retry_seconds=0.2, max_interval_seconds=0.5, timeout_seconds=2, max_attempts=1000)


class HoldingReceiver:
    """Holds every request open until released, then answers 200; records who arrived."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.arrived: list[str] = []
        self.answered: list[str] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        raw = await read_body(receive)
        event_id = json.loads(raw)["event_id"]
        self.arrived.append(event_id)
        await self.release.wait()
        self.answered.append(event_id)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_kill_9_worker_mid_delivery_loses_no_webhook(dev_env, db_dsn):
    client = dev_env.client
    address = client.service_client.config.target_host
    receiver = HoldingReceiver()
    pool = await asyncpg.create_pool(db_dsn, min_size=1, max_size=4)
    try:
        async with serving(receiver) as url:
            await subscriptions.subscribe(pool, subscription_id="wh-kill", url=f"{url}/hook", events=["ReviewScored"],
                                   secret_enc=SecretBox(SECRET_KEY).seal("kill-9-secret"), created_by="test",
                                   now=datetime.now(UTC))
            tq = new_task_queue()
            async with worker_process(address, db_dsn, tq, "webhook-kill9",
                                      env={"PROMOFLOW_TEST_WEBHOOK_RULE": RULE.model_dump_json(),
                                           "PROMOFLOW_SECRET_KEY": SECRET_KEY}) as worker:
                run = await start_fifty(client, tq, "whkill", n=N)

                async def some_in_flight() -> bool:
                    return len(receiver.arrived) >= 3
                await wait_until(some_in_flight, timeout=60, what="deliveries in flight")
                worker.kill()  # SIGKILL while the receiver holds those requests open
                await worker.proc.wait()
                in_flight = set(receiver.arrived)
                assert not receiver.answered
                receiver.release.set()
                await worker.start()

                await until_in_review(db_dsn, run, timeout=90)

                async def all_delivered() -> bool:
                    rows = await pool.fetch("SELECT status FROM webhook_deliveries WHERE subscription_id = 'wh-kill'")
                    return len(rows) == N and all(r["status"] == "delivered" for r in rows)
                await wait_until(all_delivered, timeout=60, what="every delivery delivered after the restart")

            scored = {f"{r['campaign_id']}:{r['seq']}" for r in await pool.fetch(
                "SELECT campaign_id, seq FROM events WHERE type = 'ReviewScored' AND campaign_id = ANY($1)", run.ids)}
            assert len(scored) == N
            outbox_ids = {r["event_id"] for r in await pool.fetch(
                "SELECT event_id FROM webhook_deliveries WHERE subscription_id = 'wh-kill'")}
            assert outbox_ids == scored
            assert set(receiver.answered) == scored  # nothing lost
            twice = {e for e, n in Counter(receiver.arrived).items() if n > 1}
            assert twice <= in_flight, f"sent again though acknowledged: {twice - in_flight}"
            print(f"in flight at the kill: {len(in_flight)}; arrived twice: {len(twice)}; "
                  f"requests: {len(receiver.arrived)} for {N} events")
    finally:
        await pool.close()

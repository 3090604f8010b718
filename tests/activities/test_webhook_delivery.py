"""The delivery loop against real receivers (uvicorn on 127.0.0.1) and a real PostgreSQL,
subscriptions written straight into the store as an old row would be: a URL httpx cannot
send to fails its own delivery and nothing else; a receiver that trickles its answer is cut
at the total deadline; an endless answer is read only to its cap; a hanging receiver never
delays another subscription's deliveries; plain secrets of old rows are sealed and still
sign; each delivery connects to an address it resolved and checked against the allow-list."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from activities.webhooks import RESPONSE_CAP
from infra.secret_box import SecretBox
from infra.webhook_retry import WebhookRule
from store import eventstore, subscriptions
from tests.api.hooks import SECRET_KEY, Hanging, Receiver, Trickling, delivering, verify
from tests.api.serve import serving
from tests.conftest import wait_until
from tests.store.helpers import submitted

SECRET = "delivery-secret"
FAST = WebhookRule(first_retry_seconds=0.05, max_interval_seconds=0.1, max_attempts=2, timeout_seconds=2)


async def subscribe(pool, sid: str, url: str, secret: str = SECRET) -> None:
    await subscriptions.subscribe(pool, subscription_id=sid, url=url, events=["CampaignSubmitted"],
                           secret_enc=SecretBox(SECRET_KEY).seal(secret), created_by="test", now=datetime.now(UTC))


async def submit(pool, n: int, prefix: str) -> None:
    """n events, each delivered to every subscription (rows written by the append itself)."""
    async with pool.acquire() as conn, conn.transaction():
        for i in range(n):
            await eventstore.append(conn, submitted(f"campaign-food-{prefix}-{i}"))


async def rows(pool, sid: str) -> list[dict]:
    return [dict(r) for r in await pool.fetch(
        "SELECT status, attempts, last_status, last_error FROM webhook_deliveries WHERE subscription_id = $1 "
        "ORDER BY id", sid)]


def all_(pool, sid: str, status: str, n: int):
    async def check() -> bool:
        got = await rows(pool, sid)
        return len(got) == n and all(r["status"] == status for r in got)
    return check


async def test_a_url_httpx_cannot_send_to_fails_its_own_deliveries_and_nothing_else(pool):
    receiver = Receiver(up=True)
    async with serving(receiver) as url:
        await subscribe(pool, "bad-port", "http://127.0.0.1:abc/hook")  # httpx.InvalidURL, not an HTTPError
        await subscribe(pool, "good", f"{url}/hook")
        await submit(pool, 3, "bad")
        async with delivering(pool, FAST) as supervisor:
            await wait_until(all_(pool, "bad-port", "dead", 3), what="the bad URL's deliveries dead")
            await wait_until(all_(pool, "good", "delivered", 3), what="the good ones delivered")
            assert supervisor.restarts == 0  # the loop never died
    bad = await rows(pool, "bad-port")
    assert all(r["attempts"] == 2 and "not a URL httpx can send to" in r["last_error"] for r in bad), bad
    assert len(receiver.got) == 3


async def test_a_trickling_answer_is_cut_at_the_total_deadline(pool):
    trickle = Trickling(every_s=0.2)  # a byte every 0.2 s: no read ever waits 1 s
    rule = WebhookRule(first_retry_seconds=0.05, max_attempts=1, timeout_seconds=1)
    async with serving(trickle) as url:
        await subscribe(pool, "slow", f"{url}/hook")
        await submit(pool, 1, "slow")
        started = time.monotonic()
        async with delivering(pool, rule):
            await wait_until(all_(pool, "slow", "dead", 1), timeout=8, what="the trickling delivery cut")
        assert time.monotonic() - started < 5
        trickle.stop()
    [row] = await rows(pool, "slow")
    assert row["last_error"] == "no answer within 1 s"


async def test_an_endless_answer_is_read_only_to_its_cap(pool):
    endless = Trickling(status=200, every_s=0.001, chunk=b"x" * 1024)
    rule = WebhookRule(max_attempts=1, timeout_seconds=3)
    async with serving(endless) as url:
        await subscribe(pool, "endless", f"{url}/hook")
        await submit(pool, 1, "endless")
        async with delivering(pool, rule):
            await wait_until(all_(pool, "endless", "delivered", 1), timeout=8, what="delivered after the cap")
        endless.stop()
    [row] = await rows(pool, "endless")
    assert row["last_status"] == 200 and row["last_error"] is None
    assert RESPONSE_CAP <= 64 * 1024


async def test_a_hanging_receiver_never_delays_another_subscriptions_deliveries(pool):
    hanging, receiver = Hanging(), Receiver(up=True)
    rule = WebhookRule(max_attempts=1, timeout_seconds=30)  # the deadline does not come to the rescue
    async with serving(hanging) as hang_url, serving(receiver) as url:
        await subscribe(pool, "hangs", f"{hang_url}/hook")
        await submit(pool, 12, "first")  # due first: 12 rows of the hanging receiver
        await subscribe(pool, "good", f"{url}/hook")
        await submit(pool, 10, "then")
        async with delivering(pool, rule):
            await wait_until(all_(pool, "good", "delivered", 10), timeout=5, what="the good receiver's deliveries")
            assert hanging.arrived <= rule.per_subscription
        hanging.stop()
    assert len(receiver.got) == 10


async def test_an_old_plain_secret_is_sealed_and_still_signs(pool):
    receiver = Receiver(up=True)
    async with serving(receiver) as url:
        await pool.execute("INSERT INTO webhook_subscriptions (id, url, events, secret, created_by) "
                           "VALUES ('old', $1, '{CampaignSubmitted}', 'old-plain-secret', 'before-060')", f"{url}/h")
        await submit(pool, 1, "old")
        async with delivering(pool, FAST):
            await wait_until(all_(pool, "old", "delivered", 1), what="the old row's delivery")
    headers, raw = receiver.got[0]
    assert verify("old-plain-secret", headers, raw)
    assert await pool.fetchval("SELECT secret FROM webhook_subscriptions WHERE id = 'old'") is None
    sealed = await pool.fetchval("SELECT secret_enc FROM webhook_secrets WHERE subscription_id = 'old'")
    assert "old-plain-secret" not in sealed and SecretBox(SECRET_KEY).open(sealed) == "old-plain-secret"


async def test_each_delivery_connects_to_an_address_it_resolved_and_checked(pool):
    receiver = Receiver(up=True)
    dns = {"hooks.test": ["127.0.0.1"]}  # the answers of a DNS the test controls

    async def resolve(host: str) -> list[str]:
        if host not in dns:
            raise OSError(f"{host}: unknown")
        return dns[host]

    async with serving(receiver) as url:
        port = int(url.rsplit(":", 1)[1])
        await subscribe(pool, "named", f"http://hooks.test:{port}/hook")
        async with delivering(pool, FAST, allow=f"hooks.test:{port}", resolve=resolve):
            await submit(pool, 1, "named")
            await wait_until(all_(pool, "named", "delivered", 1), what="the delivery to the resolved address")
            dns["hooks.test"] = ["10.20.30.40"]  # the answer changed to an address nobody allowed
            await submit(pool, 1, "rebound")

            async def refused() -> bool:
                return [r["status"] for r in await rows(pool, "named")] == ["delivered", "dead"]
            await wait_until(refused, what="the rebound delivery refused")
    assert receiver.got[0][0]["host"] == f"hooks.test:{port}"  # sent to 127.0.0.1, named as subscribed
    assert len(receiver.got) == 1
    last = (await rows(pool, "named"))[1]["last_error"]
    assert "10.20.30.40" in last and "not an address of the webhook allow-list" in last


async def test_the_system_resolver_and_the_allow_list_at_delivery(pool):
    receiver = Receiver(up=True)
    async with serving(receiver) as url:
        port = int(url.rsplit(":", 1)[1])
        # localhost resolves to ::1 and 127.0.0.1; the receiver listens on the second only
        await subscribe(pool, "local", f"http://localhost:{port}/hook")
        await subscribe(pool, "other-port", f"http://127.0.0.1:{port}/hook")  # allowed on another port only
        async with delivering(pool, FAST, allow=f"localhost:{port},127.0.0.1:1"):
            await submit(pool, 1, "local")
            await wait_until(all_(pool, "local", "delivered", 1), what="the delivery through localhost")
            await wait_until(all_(pool, "other-port", "dead", 1), what="the delivery outside the allow-list dead")
    assert len(receiver.got) == 1
    assert "not in the webhook allow-list" in (await rows(pool, "other-port"))[0]["last_error"]

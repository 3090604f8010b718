"""The webhook delivery loop: POSTs each outbox row (store/outbox.py) to its subscriber with
`X-Promoflow-Timestamp: <unix seconds>`, `X-Promoflow-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>">` (a receiver refuses old timestamps, so a captured request cannot be
replayed) and `X-Promoflow-Event-Id`; retries with the policy's exponential backoff, dead
after its limit.

A worker task, not a Temporal workflow: the outbox row is already durable in PostgreSQL
and holds the whole delivery state (attempts, next attempt, outcome), so a plain loop
that claims due rows (`FOR UPDATE SKIP LOCKED` plus a lease) survives restarts of the API,
the worker, Temporal and PostgreSQL, and several workers share the work. A workflow per
delivery would persist the same state twice and grow a history per attempt, for nothing
Temporal adds here (no human waits, no compensation).

What one receiver does never stops or delays another's deliveries:
- every exception of an attempt (a URL httpx cannot send to, a refused address, a secret
  that does not open, a protocol error) is a failed attempt of that row, retried then dead;
- an attempt has a total deadline (`timeout_seconds`: resolving, connecting, sending and
  reading, not a per-read timeout a trickling receiver renews) and reads at most
  `RESPONSE_CAP` bytes of the answer;
- rows are claimed continuously into a bounded number of concurrent sends
  (`WebhookRule.concurrency`), at most `per_subscription` of them for one subscription;
- the loop itself runs under a supervisor (activities/background.py) that restarts it when
  something outside an attempt fails (PostgreSQL away) and records its health for /healthz.

Each attempt checks the URL against the allow-list again and connects only to addresses the
allow-list allows (infra/webhook_allow.py), the ones it resolved itself."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from activities.background import NotConfigured, Supervisor
from infra.secret_box import SECRET_KEY_VAR, SecretBox
from infra.webhook_allow import AllowedAddresses, AllowList, Resolver, UrlRefused
from infra.webhook_retry import WebhookRule
from store import outbox

log = logging.getLogger("promoflow.webhooks")
PART = "webhook_delivery"
RESPONSE_CAP = 4096  # bytes of an answer read at most (its start goes into last_error)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` (shared/API.md)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookDelivery:
    def __init__(self, pool: asyncpg.Pool, rule: WebhookRule | None = None, poll_s: float = 0.5, *,
                 secret_key: str | None = None, allow: AllowList | None = None, resolve: Resolver | None = None):
        self.pool, self.rule, self.poll_s = pool, rule or WebhookRule(), poll_s
        self.box = SecretBox(secret_key) if secret_key else None
        self.allow = allow or AllowList.parse("127.0.0.1,localhost,::1")
        self.resolve = resolve
        self.addresses: AllowedAddresses | None = None

    async def run(self, supervisor: Supervisor) -> None:
        """Deliver until cancelled; raises when something outside an attempt fails (the
        supervisor restarts it). Deliveries in flight then are cancelled: their rows stay
        leased and are sent again when the lease ends (at least once)."""
        if self.box is None:
            raise NotConfigured(f"{SECRET_KEY_VAR} is not set: webhook secrets cannot be opened")
        sealed = await outbox.seal_plain_secrets(self.pool, self.box.seal)
        if sealed:
            log.info("sealed %d plain webhook secrets written before they were encrypted", sealed)
        self.addresses = await self.allow.addresses(self.resolve)
        in_flight: dict[asyncio.Task[None], str] = {}
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=self.rule.concurrency)
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False, limits=limits) as http:
            try:
                while True:
                    free = self.rule.concurrency - len(in_flight)
                    if free > 0:
                        for row in await self._claim(free, Counter(in_flight.values())):
                            task = asyncio.create_task(self._deliver(http, row), name=f"webhook-{row['id']}")
                            in_flight[task] = row["subscription_id"]
                    await supervisor.beat()
                    if not in_flight:
                        await asyncio.sleep(self.poll_s)
                        continue
                    done, _ = await asyncio.wait(in_flight, timeout=self.poll_s, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        del in_flight[task]
                        task.result()  # recording the outcome failed (PostgreSQL away): restart
            finally:
                for task in in_flight:
                    task.cancel()
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _claim(self, free: int, busy: Counter[str]) -> list[dict[str, Any]]:
        async with self.pool.acquire() as conn, conn.transaction():
            return await outbox.claim_due(conn, datetime.now(UTC), lease_s=self.rule.timeout_seconds * 3,
                                          limit=free, per_subscription=self.rule.per_subscription, busy=busy)

    async def _deliver(self, http: httpx.AsyncClient, row: dict[str, Any]) -> None:
        try:
            async with asyncio.timeout(self.rule.timeout_seconds):
                status, error = await self._post(http, row)
        except TimeoutError:
            status, error = None, f"no answer within {self.rule.timeout_seconds:g} s"
        except Exception as err:  # noqa: BLE001 - any failure of an attempt is that attempt's, never the loop's
            status, error = None, f"{type(err).__name__}: {err}"
        ok = error is None
        attempts = row["attempts"] + 1
        now = datetime.now(UTC)
        next_at = None if ok or attempts >= self.rule.max_attempts else \
            now + timedelta(seconds=self.rule.delay_after(attempts))
        async with self.pool.acquire() as conn:
            await outbox.record_attempt(conn, row["id"], ok=ok, status=status, error=error and error[:500], now=now,
                                        next_at=next_at)
        if not ok:
            log.warning("webhook delivery failed", extra={"event_id": row["event_id"], "attempts": attempts,
                                                          "error": error, "dead": next_at is None})

    async def _post(self, http: httpx.AsyncClient, row: dict[str, Any]) -> tuple[int | None, str | None]:
        """One attempt: (HTTP status, None) when delivered, else (status or None, why)."""
        assert self.box is not None and self.addresses is not None
        target = self.allow.check_url(row["url"])  # the allow-list may have changed since the subscription
        if row["secret_enc"] is None:
            raise UrlRefused("no_secret", "the subscription has no sealed secret")
        secret = self.box.open(row["secret_enc"])
        ips = await self.addresses.connectable(target)
        body = json.dumps(row["payload"], separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {"Host": target.url.netloc.decode("ascii"), "Content-Type": "application/json",
                   "Accept-Encoding": "identity", "X-Promoflow-Event-Id": row["event_id"],
                   "X-Promoflow-Timestamp": timestamp, "X-Promoflow-Signature": sign(secret, timestamp, body)}
        extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
        for i, ip in enumerate(ips):  # connect to the address checked, not to a name resolved again
            try:
                async with http.stream("POST", target.url.copy_with(host=ip), content=body, headers=headers,
                                       extensions=extensions) as response:
                    start = await _read_capped(response)
            except httpx.ConnectError:
                if i == len(ips) - 1:
                    raise
                continue
            if 200 <= response.status_code < 300:
                return response.status_code, None
            snippet = start[:200].decode("utf-8", "replace")
            return response.status_code, f"HTTP {response.status_code}" + (f": {snippet}" if snippet else "")
        raise AssertionError("connectable() returns at least one address")


async def _read_capped(response: httpx.Response) -> bytes:
    """At most RESPONSE_CAP bytes of the body, undecoded (no decompression to blow up)."""
    got = b""
    async for chunk in response.aiter_raw():
        got += chunk
        if len(got) >= RESPONSE_CAP:
            break
    return got[:RESPONSE_CAP]


def supervised_delivery(pool: asyncpg.Pool, rule: WebhookRule | None = None, *, secret_key: str | None,
                        allow: AllowList | None = None, resolve: Resolver | None = None,
                        supervisor: Supervisor | None = None, poll_s: float = 0.5) -> asyncio.Task[None]:
    """The delivery loop under its supervisor, as a task (worker.run_with_delivery)."""
    delivery = WebhookDelivery(pool, rule, poll_s, secret_key=secret_key, allow=allow, resolve=resolve)
    supervisor = supervisor or Supervisor(pool, PART)
    return asyncio.create_task(supervisor.run(delivery.run), name="webhook-delivery")

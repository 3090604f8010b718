"""The webhook delivery loop: POSTs each outbox row (store/outbox.py) to its subscriber,
signed `X-Promoflow-Signature: sha256=<hex HMAC-SHA256 of the body>`, with
`X-Promoflow-Event-Id`; retries with the policy's exponential backoff, dead after its limit.

A worker task, not a Temporal workflow: the outbox row is already durable in PostgreSQL
and holds the whole delivery state (attempts, next attempt, outcome), so a plain loop
that claims due rows (`FOR UPDATE SKIP LOCKED` plus a lease) survives restarts of the API,
the worker, Temporal and PostgreSQL, and several workers share the work. A workflow per
delivery would persist the same state twice and grow a history per attempt, for nothing
Temporal adds here (no human waits, no compensation)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from domain.approvals import WebhookRule
from store import outbox

log = logging.getLogger("promoflow.webhooks")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookDelivery:
    def __init__(self, pool: asyncpg.Pool, rule: WebhookRule | None = None, poll_s: float = 0.5):
        self.pool, self.rule, self.poll_s = pool, rule or WebhookRule(), poll_s

    async def run_once(self, http: httpx.AsyncClient) -> int:
        now = datetime.now(UTC)
        async with self.pool.acquire() as conn, conn.transaction():
            due = await outbox.claim_due(conn, now, lease_s=self.rule.timeout_seconds * 3)
        await asyncio.gather(*(self._send(http, row) for row in due))
        return len(due)

    async def _send(self, http: httpx.AsyncClient, row: dict) -> None:
        body = json.dumps(row["payload"], separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "X-Promoflow-Event-Id": row["event_id"],
                   "X-Promoflow-Signature": sign(row["secret"], body)}
        status: int | None = None
        error: str | None = None
        try:
            response = await http.post(row["url"], content=body, headers=headers, timeout=self.rule.timeout_seconds)
            status = response.status_code
            ok = 200 <= status < 300
            error = None if ok else f"HTTP {status}"
        except httpx.HTTPError as err:
            ok, error = False, f"{type(err).__name__}: {err}"[:500]
        attempts = row["attempts"] + 1
        now = datetime.now(UTC)
        next_at = None if ok or attempts >= self.rule.max_attempts else \
            now + timedelta(seconds=self.rule.delay_after(attempts))
        async with self.pool.acquire() as conn:
            await outbox.record_attempt(conn, row["id"], ok=ok, status=status, error=error, now=now, next_at=next_at)
        if not ok:
            log.warning("webhook delivery failed", extra={"event_id": row["event_id"], "attempts": attempts,
                                                          "error": error, "dead": next_at is None})

    async def run_forever(self) -> None:
        async with httpx.AsyncClient() as http:
            while True:
                try:
                    if await self.run_once(http):
                        continue
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:  # PostgreSQL away: retry
                    log.warning("webhook loop: %s", err)
                await asyncio.sleep(self.poll_s)

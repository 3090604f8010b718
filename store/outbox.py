"""The webhook outbox: a delivery row per matching subscription, written by the appending
statement (`eventstore.append` runs `ENQUEUE_CTE`), so an event is never committed without
its notifications and never notified without being committed. The delivery loop
(activities/webhooks.py) claims due rows with SKIP LOCKED and records each attempt. Secrets
live sealed in `webhook_secrets` (migration 060), never in a row a route lists. Subscribing
and unsubscribing are events (store/subscriptions.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import asyncpg

from domain.events import Event


async def seal_plain_secrets(pool: asyncpg.Pool, seal: Callable[[str], str]) -> int:
    """Subscriptions written before secrets were sealed (plain `secret`, migration 060): their
    secret sealed into `webhook_secrets` and the plain column cleared, in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        plain = await conn.fetch("SELECT id, secret FROM webhook_subscriptions WHERE secret IS NOT NULL FOR UPDATE")
        if not plain:
            return 0
        await conn.executemany("INSERT INTO webhook_secrets (subscription_id, secret_enc) VALUES ($1, $2) "
                               "ON CONFLICT (subscription_id) DO NOTHING",
                               [(r["id"], seal(r["secret"])) for r in plain])
        await conn.execute("UPDATE webhook_subscriptions SET secret = NULL WHERE id = ANY($1)",
                           [r["id"] for r in plain])
        return len(plain)


async def subscriptions(pool: asyncpg.Pool, subscription_id: str | None = None) -> list[dict[str, Any]]:
    """Active subscriptions (all, or the one asked for), without their secrets, oldest first."""
    rows = await pool.fetch(
        """SELECT s.id, s.url, s.events, s.created_by, s.created_at,
                  count(d.id) FILTER (WHERE d.status = 'pending') AS pending,
                  count(d.id) FILTER (WHERE d.status = 'dead') AS dead
           FROM webhook_subscriptions s LEFT JOIN webhook_deliveries d ON d.subscription_id = s.id
           WHERE s.active AND ($1::text IS NULL OR s.id = $1)
           GROUP BY s.id ORDER BY s.created_at, s.id""", subscription_id)
    return [dict(r) for r in rows]


def event_id(event: Event) -> str:
    """Stable identity of an event for receivers (dedupe on X-Promoflow-Event-Id)."""
    return f"{event.campaign_id}:{event.seq}"


def envelope(event: Event) -> dict[str, Any]:
    """A receiver's payload without its data (and its global `position`, known once inserted)."""
    return {"event_id": event_id(event), "type": event.type, "campaign_id": event.campaign_id, "seq": event.seq,
            "at": event.at.isoformat(), "actor": event.actor, "reason": event.reason}


def payload(event: Event, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a receiver gets, but its global `position` (known once the event is inserted);
    `data`: the event's data when the caller has already dumped it (`event.data()`)."""
    return {**envelope(event), "data": event.data() if data is None else data}


# The deliveries of an event, as a data-modifying CTE the append runs in its own INSERT
# statement (`eventstore.append`): one round trip writes the event and its outbox rows, so
# an event is never committed without its notifications. `ev` is the CTE that inserted
# the event (its `position`); the parameters are numbered by the caller.
ENQUEUE_CTE = """
    enqueued AS (
        INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, campaign_id, payload)
        SELECT s.id, {event_id}, {type}, {campaign_id}, {payload}::jsonb || jsonb_build_object('position', ev.position)
        FROM ev, webhook_subscriptions s
        WHERE s.active AND {type} = ANY(s.events)
        ON CONFLICT (subscription_id, event_id) DO NOTHING)"""


async def claim_due(conn: asyncpg.Connection, now: datetime, lease_s: float, limit: int, per_subscription: int,
                    busy: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """Due pending deliveries, at most `limit`, leased for `lease_s` (pushed forward) so two
    loops never send one at once: the oldest of each active subscription, at most
    `per_subscription` of one less the `busy` ones it already has in flight, so one receiver
    that hangs never holds every slot."""
    busy = busy or {}
    rows = await conn.fetch(
        """WITH busy AS (SELECT b.sub, b.n FROM unnest($4::text[], $5::int[]) AS b(sub, n)),
           picked AS (
               SELECT p.id FROM webhook_subscriptions s LEFT JOIN busy ON busy.sub = s.id
               CROSS JOIN LATERAL (
                   SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
                   WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at <= $1
                   ORDER BY d.next_attempt_at, d.id
                   LIMIT greatest($6 - coalesce(busy.n, 0), 0)
                   FOR UPDATE OF d SKIP LOCKED) p
               WHERE s.active
               ORDER BY p.next_attempt_at, p.id LIMIT $3)
           UPDATE webhook_deliveries d SET next_attempt_at = $1 + make_interval(secs => $2)
           FROM webhook_subscriptions s LEFT JOIN webhook_secrets k ON k.subscription_id = s.id
           WHERE d.id IN (SELECT id FROM picked) AND s.id = d.subscription_id
           RETURNING d.id, d.subscription_id, d.event_id, d.payload, d.attempts, s.url, k.secret_enc""",
        now, lease_s, limit, list(busy), list(busy.values()), per_subscription, timeout=30)
    return [{**dict(r), "payload": r["payload"] if isinstance(r["payload"], dict) else json.loads(r["payload"])}
            for r in rows]


async def record_attempt(conn: asyncpg.Connection, delivery_id: int, *, ok: bool, status: int | None,
                         error: str | None, now: datetime, next_at: datetime | None) -> None:
    """One attempt's outcome: delivered; or pending again at `next_at`; or dead (next_at None)."""
    await conn.execute(
        """UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3,
               status = CASE WHEN $4 THEN 'delivered' WHEN $5::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
               delivered_at = CASE WHEN $4 THEN $6 ELSE delivered_at END,
               next_attempt_at = COALESCE($5, next_attempt_at)
           WHERE id = $1""",
        delivery_id, status, error, ok, next_at, now)


async def deliveries(pool: asyncpg.Pool, subscription_id: str, *, limit: int = 100,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A page of a subscription's deliveries (oldest first) and how many it has in all."""
    total = await pool.fetchval("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1",
                                subscription_id)
    rows = await pool.fetch(
        """SELECT id, event_id, event_type, campaign_id, status, attempts, last_status, last_error,
                  next_attempt_at, created_at, delivered_at
           FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id LIMIT $2 OFFSET $3""",
        subscription_id, limit, offset)
    return [dict(r) for r in rows], total


async def redrive(pool: asyncpg.Pool, subscription_id: str, now: datetime) -> int:
    """Dead deliveries of a subscription become pending again, due now, with a fresh count."""
    result = await pool.execute(
        """UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2
           WHERE subscription_id = $1 AND status = 'dead'""", subscription_id, now)
    return int(result.split()[-1])

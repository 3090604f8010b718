"""Webhook subscriptions as events (stream `webhook-<id>`): subscribing appends
`WebhookSubscribed` (url and event types, never the secret) and unsubscribing
`WebhookUnsubscribed` at seq 2, each folded into `webhook_subscriptions` (their projection,
store/reference_projection.py) in the transaction that writes or drops the sealed secret in
`webhook_secrets`, which stays outside the log. Deliveries are store/outbox.py's."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from domain import reference_events as refev
from domain.approvals.people import SYSTEM
from domain.events import Event
from store import projections
from store.eventstore import EventConflict


async def subscribe(pool: asyncpg.Pool, *, subscription_id: str, url: str, events: list[str], secret_enc: str,
                    created_by: str, now: datetime, actor_id: str | None = None) -> None:
    """A subscription (its event, its projected row) and its sealed secret, in one transaction."""
    event = Event(campaign_id=refev.webhook_stream(subscription_id), seq=1, at=now, actor=created_by,
                  body=refev.WebhookSubscribed(url=url, events=events, actor_id=actor_id))
    async with pool.acquire() as conn, conn.transaction():
        await projections.record(conn, event)
        await conn.execute("INSERT INTO webhook_secrets (subscription_id, secret_enc) VALUES ($1, $2)",
                           subscription_id, secret_enc)


async def unsubscribe(pool: asyncpg.Pool, subscription_id: str, *, actor: str = SYSTEM,
                      actor_id: str | None = None, now: datetime | None = None) -> bool:
    """No new deliveries, and its pending ones are no longer sent; its history stays, its
    sealed secret (needed by nothing any more) does not. False when there is no active
    subscription of that id (never subscribed, or unsubscribed already: of concurrent
    unsubscribes one appends seq 2 and the others find it taken)."""
    async with pool.acquire() as conn, conn.transaction():
        active = await conn.fetchval("SELECT active FROM webhook_subscriptions WHERE id = $1", subscription_id)
        if not active:
            return False
        at = now or await conn.fetchval("SELECT now()")
        event = Event(campaign_id=refev.webhook_stream(subscription_id), seq=2, at=at, actor=actor,
                      body=refev.WebhookUnsubscribed(actor_id=actor_id))
        try:
            async with conn.transaction():  # a savepoint: the conflict leaves the outer transaction usable
                if await projections.record(conn, event) is None:
                    return False  # the same unsubscribe, already recorded
        except EventConflict:
            return False
        await conn.execute("DELETE FROM webhook_secrets WHERE subscription_id = $1", subscription_id)
    return True

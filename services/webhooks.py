"""Webhook subscriptions as a use case: a URL the allow-list accepts
(infra/webhook_allow.py), known event types, the secret sealed under the key
(infra/secret_box.py; without it `not_configured`), then recorded as an event with its
sealed secret beside it, outside the log (store/subscriptions.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import get_args

import asyncpg
from pydantic import BaseModel

from domain.events import EventBody
from infra.secret_box import SECRET_KEY_VAR, SecretBox
from infra.webhook_allow import AllowList, UrlRefused
from services.errors import Code, Refused
from store import outbox, subscriptions

EVENT_TYPES = sorted(t.model_fields["type"].default for t in get_args(get_args(EventBody)[0]))


class Subscribed(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: datetime


async def subscribe(pool: asyncpg.Pool, *, box: SecretBox | None, allow: AllowList, url: str, events: list[str],
                    secret: str, actor: str, actor_id: str | None = None) -> Subscribed:
    if box is None:
        raise Refused(Code.NOT_CONFIGURED, f"webhooks need {SECRET_KEY_VAR} (the key sealing their secrets); "
                                           "it is not set", {"variable": SECRET_KEY_VAR})
    try:
        allow.check_url(url)
    except UrlRefused as err:
        raise Refused(err.code, str(err)) from err
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise Refused(Code.INVALID, f"unknown event types {unknown}", EVENT_TYPES)
    wid, now = uuid.uuid4().hex[:12], datetime.now(UTC)
    await subscriptions.subscribe(pool, subscription_id=wid, url=url, events=events, secret_enc=box.seal(secret),
                                  created_by=actor, now=now, actor_id=actor_id)
    return Subscribed(id=wid, url=url, events=events, created_at=now)


async def unsubscribe(pool: asyncpg.Pool, subscription_id: str, *, actor: str, actor_id: str | None = None) -> None:
    if not await subscriptions.unsubscribe(pool, subscription_id, actor=actor, actor_id=actor_id,
                                           now=datetime.now(UTC)):
        raise Refused(Code.NOT_FOUND, f"no webhook {subscription_id}")


async def redrive(pool: asyncpg.Pool, subscription_id: str) -> int:
    """Every failed delivery of the subscription due again now; how many."""
    if not await outbox.subscriptions(pool, subscription_id):
        raise Refused(Code.NOT_FOUND, f"no webhook {subscription_id}")
    return await outbox.redrive(pool, subscription_id, datetime.now(UTC))

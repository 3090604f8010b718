"""The reference data's tables as projections of their streams (domain/reference_events.py):
`policy_overrides` (stream `policy-<year>`), `business_lines` (`line-<line>`) and
`webhook_subscriptions` (`webhook-<id>`). `store.projections.apply` calls `apply` here in
the transaction that appends the event; `rebuild` truncates `TABLES` and folds the log again.

A row's `version` is the last seq folded into it: a writer appends at version + 1 and the
log's (stream, seq) guard decides between concurrent writers (services/policy.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from domain import reference_events as refev
from domain.events import Event

TABLES = ("policy_overrides", "business_lines", "webhook_subscriptions")
_LINE_COLUMNS = ("strategic_weight", "annual_target", "annual_progress", "month_revenue", "month_revenue_norm")


async def apply(conn: asyncpg.Connection, event: Event) -> None:
    """Fold one reference event into its table (in the caller's transaction)."""
    body = event.body
    match body:
        case refev.PolicyOverridden(changes=changes):
            year = int(refev.stream_key(event.campaign_id, refev.POLICY_PREFIX))
            current = await conn.fetchval("SELECT overrides FROM policy_overrides WHERE year = $1 FOR UPDATE", year)
            await conn.execute(
                """INSERT INTO policy_overrides (year, overrides, version) VALUES ($1, $2::jsonb, $3)
                   ON CONFLICT (year) DO UPDATE SET overrides = excluded.overrides, version = excluded.version""",
                year, refev.merge_patch(current or {}, changes), event.seq)
        case refev.BusinessLineChanged(changes=changes):
            line = refev.stream_key(event.campaign_id, refev.LINE_PREFIX)
            row = await conn.fetchrow(f"SELECT {', '.join(_LINE_COLUMNS)} FROM business_lines "
                                      "WHERE business_line = $1 FOR UPDATE", line)
            values: dict[str, Any] = {**(dict(row) if row else {}), **changes}
            await conn.execute(
                f"""INSERT INTO business_lines (business_line, {', '.join(_LINE_COLUMNS)}, version)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (business_line) DO UPDATE SET
                        {', '.join(f'{c} = excluded.{c}' for c in _LINE_COLUMNS)}, version = excluded.version""",
                line, *(values.get(c) for c in _LINE_COLUMNS), event.seq)
        case refev.WebhookSubscribed(url=url, events=events):
            await conn.execute(
                "INSERT INTO webhook_subscriptions (id, url, events, created_by, created_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                refev.stream_key(event.campaign_id, refev.WEBHOOK_PREFIX), url, events, event.actor, event.at)
        case refev.WebhookUnsubscribed():
            await conn.execute("UPDATE webhook_subscriptions SET active = false WHERE id = $1",
                               refev.stream_key(event.campaign_id, refev.WEBHOOK_PREFIX))


async def keep_outside_the_log(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """What a rebuild must carry over: the plain secrets of subscriptions written before
    secrets were sealed (store/outbox.py seals them when the worker starts with the key)."""
    rows = await conn.fetch("SELECT id, secret FROM webhook_subscriptions WHERE secret IS NOT NULL")
    return [(r["id"], r["secret"]) for r in rows]


async def restore_outside_the_log(conn: asyncpg.Connection, kept: list[tuple[str, str]]) -> None:
    if kept:
        await conn.executemany("UPDATE webhook_subscriptions SET secret = $2 WHERE id = $1", kept)

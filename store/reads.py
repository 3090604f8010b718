"""Read-model queries for the API (lists come from here, not from Temporal visibility)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from store.eventstore import read_stream


async def campaign_owner(pool: asyncpg.Pool, campaign_id: str) -> str | None:
    return await pool.fetchval("SELECT business_line FROM campaigns WHERE campaign_id = $1", campaign_id)


async def campaign_status(pool: asyncpg.Pool, campaign_id: str) -> str | None:
    """The read model's status of a campaign (None: not in the read model)."""
    return await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = $1", campaign_id)


async def updated_at(pool: asyncpg.Pool, campaign_ids: list[str]) -> dict[str, Any]:
    """When each of these campaigns last changed in the read model."""
    rows = await pool.fetch("SELECT campaign_id, updated_at FROM campaigns WHERE campaign_id = ANY($1::text[])",
                            campaign_ids)
    return {r["campaign_id"]: r["updated_at"] for r in rows}


async def list_campaigns(
    pool: asyncpg.Pool, *, status: str | None = None, tier: str | None = None, month: str | None = None,
    business_line: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    where, args = [], []
    for column, value in (("status", status), ("tier", tier), ("month", month), ("business_line", business_line)):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = await pool.fetchval(f"SELECT count(*) FROM campaigns {clause}", *args)
    rows = await pool.fetch(
        f"""SELECT campaign_id, request_id, name, business_line, category, owner, requested_tier, proposed_tier,
                   tier, status, month, hot_topic, score, submitted_at, updated_at, money
            FROM campaigns {clause} ORDER BY submitted_at, campaign_id
            LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}""",
        *args, limit, offset,
    )
    return [dict(r) for r in rows], total


async def campaign_events(pool: asyncpg.Pool, campaign_id: str, *, limit: int | None = None,
                          offset: int = 0) -> list[dict[str, Any]]:
    """The campaign's events in order (`limit` None: from `offset` to the end)."""
    stream = (await read_stream(pool, campaign_id))[offset:None if limit is None else offset + limit]
    return [
        {"seq": e.seq, "type": e.type, "at": e.at, "actor": e.actor, "reason": e.reason,
         "data": e.to_event().data()}
        for e in stream
    ]


async def calendar_rows(pool: asyncpg.Pool, year: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT e.campaign_id, e.month, e.tier, e.category, e.counted_days, e.hot_topic, e.phases,
                  c.name, c.business_line, c.status
           FROM calendar_entries e LEFT JOIN campaigns c USING (campaign_id)
           WHERE e.year = $1 ORDER BY e.month, e.campaign_id""",
        year,
    )
    return [dict(r) for r in rows]


async def pending_rows(pool: asyncpg.Pool, year: int) -> list[dict[str, Any]]:
    """Requests of the year that want a month and hold no place yet (the calendar's ghosts)."""
    rows = await pool.fetch(
        """SELECT c.campaign_id, c.name, c.business_line, coalesce(c.proposed_tier, c.requested_tier) AS tier,
                  c.status, c.month
           FROM campaigns c
           WHERE c.month LIKE $1 AND c.status IN ('submitted', 'in_review', 'awaiting_month_choice')
             AND NOT EXISTS (SELECT 1 FROM calendar_entries e WHERE e.campaign_id = c.campaign_id)
           ORDER BY c.month, c.campaign_id""",
        f"{year}-%",
    )
    return [dict(r) for r in rows]


async def list_bookings(
    pool: asyncpg.Pool, *, start: date | None, end: date | None, resource: str | None, include_released: bool = False,
    limit: int | None = None, offset: int = 0,
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT campaign_id, resource, unit, phase, lower(during) AS start, upper(during) AS "end", status
           FROM bookings
           WHERE ($1::date IS NULL OR upper(during) > $1) AND ($2::date IS NULL OR lower(during) < $2)
             AND ($3::text IS NULL OR resource = $3) AND ($4 OR status <> 'released')
           ORDER BY lower(during), resource, unit, campaign_id LIMIT $5 OFFSET $6""",
        start, end, resource, include_released, limit, offset,
    )
    return [dict(r) for r in rows]

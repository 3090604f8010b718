"""The milestones projection and its reads: kept in its own module so `projections.apply`
only gains one call, and the API's milestone and export views share one SQL boundary."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from domain import events as ev
from domain.events import Event

_CLOSING = ("CampaignCancelled", "RequestExpired")
_TOUCHING = ("MilestonesPlanned", "MilestonesMoved", "MilestoneDone", "MilestoneOverdue", *_CLOSING)


def touches(event: Event) -> bool:
    """Whether `apply` writes anything for this event."""
    return event.type in _TOUCHING


async def apply(conn: asyncpg.Connection, event: Event) -> None:
    """Fold one event into the milestones table (nothing for events that do not touch it)."""
    body, cid = event.body, event.campaign_id
    match body:
        case ev.MilestonesPlanned(milestones=ms):
            await conn.executemany(
                """INSERT INTO milestones (campaign_id, key, name, team, due, status) VALUES ($1,$2,$3,$4,$5,'open')
                   ON CONFLICT (campaign_id, key) DO UPDATE SET name = excluded.name, team = excluded.team,
                       due = excluded.due, status = 'open', done_by = NULL, done_at = NULL, comment = NULL""",
                [(cid, m.key, m.name, m.team, m.due) for m in ms])
        case ev.MilestonesMoved(moves=moves):
            await conn.executemany("UPDATE milestones SET due = $3 WHERE campaign_id = $1 AND key = $2",
                                   [(cid, mv.key, mv.to_due) for mv in moves])
        case ev.MilestoneDone(key=key):
            await conn.execute(
                """UPDATE milestones SET status = 'done', done_by = $3, done_at = $4, comment = $5
                   WHERE campaign_id = $1 AND key = $2""", cid, key, event.actor, event.at, event.reason)
        case ev.MilestoneOverdue(key=key):
            await conn.execute("UPDATE milestones SET status = 'overdue' WHERE campaign_id = $1 AND key = $2 "
                               "AND status = 'open'", cid, key)
        case _ if event.type in _CLOSING:
            await conn.execute("UPDATE milestones SET status = 'closed' WHERE campaign_id = $1 "
                               "AND status IN ('open', 'overdue')", cid)


_PENDING = """FROM milestones m JOIN campaigns c USING (campaign_id)
    WHERE m.status = ANY($1::text[]) AND ($2::text IS NULL OR m.team = $2) AND ($3::date IS NULL OR m.due < $3)"""


async def pending(pool: asyncpg.Pool | asyncpg.Connection, *, team: str | None = None, status: str | None = None,
                  due_before: date | None = None, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Open and overdue milestones across campaigns, soonest first (`GET /milestones`);
    `limit` None: all of them."""
    rows = await pool.fetch(
        f"""SELECT m.campaign_id, m.key, m.name, m.team, m.due, m.status, c.name AS campaign_name, c.business_line
            {_PENDING} ORDER BY m.due, m.campaign_id, m.key LIMIT $4 OFFSET $5""",
        [status] if status else ["open", "overdue"], team, due_before, limit, offset)
    return [dict(r) for r in rows]


async def count_pending(pool: asyncpg.Pool | asyncpg.Connection, *, team: str | None = None,
                        status: str | None = None, due_before: date | None = None) -> int:
    """How many milestones `pending` gives with these filters, every page."""
    return await pool.fetchval(f"SELECT count(*) {_PENDING}", [status] if status else ["open", "overdue"], team,
                               due_before)


async def of_year(pool: asyncpg.Pool | asyncpg.Connection, year: int, *, team: str | None = None,
                  business_line: str | None = None) -> list[dict[str, Any]]:
    """Every milestone of the year's calendar campaigns (the iCalendar export)."""
    rows = await pool.fetch(
        """SELECT m.campaign_id, m.key, m.name, m.team, m.due, m.status, m.done_by, m.done_at,
                  c.name AS campaign_name, c.business_line
           FROM milestones m JOIN campaigns c USING (campaign_id)
           JOIN calendar_entries e USING (campaign_id)
           WHERE e.year = $1 AND ($2::text IS NULL OR m.team = $2) AND ($3::text IS NULL OR c.business_line = $3)
           ORDER BY m.due, m.campaign_id, m.key""",
        year, team, business_line)
    return [dict(r) for r in rows]

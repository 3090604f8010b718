"""Team load from the calendar: which campaigns hold people in which ISO weeks.

Computed from `calendar_entries` (tier + reserved phases) instead of a table of its own,
so the load can never drift from the places actually held: a released place (cancel,
displacement, expiry) stops counting in the same transaction that deletes its row. The
reservation activity reads it under the year lock, like the month's caps."""

from __future__ import annotations

import asyncpg

from domain.campaign import Phase
from domain.tiers import Tier

Holder = tuple[str, Tier, list[Phase]]


async def holders(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> list[Holder]:
    """Campaigns holding a place in `year` or its neighbours (ISO weeks cross New Year)."""
    rows = await conn.fetch(
        """SELECT campaign_id, tier, phases FROM calendar_entries
           WHERE year BETWEEN $1 - 1 AND $1 + 1 AND tier <> 'C' ORDER BY campaign_id""", year)
    return [(r["campaign_id"], Tier(r["tier"]), [Phase.model_validate(p) for p in r["phases"]]) for r in rows]

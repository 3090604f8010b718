"""The year's calendar as the balancing function sees it, read inside the year lock."""

from __future__ import annotations

import asyncpg

from domain.balancing import CalendarEntry, YearCalendar
from domain.tiers import Tier

# Advisory lock namespaces (first key of pg_advisory_xact_lock(int, int)).
YEAR_LOCK = 1
RESOURCE_LOCK = 2


async def lock_year(conn: asyncpg.Connection, year: int) -> None:
    """Serialize every reservation of one year: the budget is yearly, caps are monthly."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", YEAR_LOCK, year)


async def load_year(conn: asyncpg.Connection, year: int) -> YearCalendar:
    rows = await conn.fetch(
        """SELECT e.campaign_id, e.month, e.tier, e.category, e.counted_days, e.hot_topic,
                  coalesce(c.status NOT IN ('submitted', 'in_review', 'awaiting_month_choice', 'scheduled'), false)
                      AS started
           FROM calendar_entries e LEFT JOIN campaigns c USING (campaign_id)
           WHERE e.year = $1 ORDER BY e.month, e.campaign_id""",
        year,
    )
    # Rows of our own table, read under the year lock: built without re-validation, which
    # was the costliest step of that section once a year holds thousands of entries.
    entries = [CalendarEntry.model_construct(**{**dict(r), "tier": Tier(r["tier"])}) for r in rows]
    return YearCalendar.model_construct(year=year, entries=entries)

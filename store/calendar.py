"""The year's calendar as the balancing function sees it, read inside the year lock."""

from __future__ import annotations

import asyncpg

from domain.balancing import CalendarEntry, YearCalendar

# Advisory lock namespaces (first key of pg_advisory_xact_lock(int, int)).
YEAR_LOCK = 1
RESOURCE_LOCK = 2


async def lock_year(conn: asyncpg.Connection, year: int) -> None:
    """Serialize every reservation of one year: the budget is yearly, caps are monthly."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", YEAR_LOCK, year)


async def load_year(conn: asyncpg.Connection, year: int) -> YearCalendar:
    rows = await conn.fetch(
        """SELECT campaign_id, month, tier, category, counted_days, hot_topic
           FROM calendar_entries WHERE year = $1 ORDER BY month, campaign_id""",
        year,
    )
    return YearCalendar(year=year, entries=[CalendarEntry(**dict(r)) for r in rows])

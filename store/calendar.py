"""The year's calendar as the balancing function sees it, read inside the year lock."""

from __future__ import annotations

import asyncpg

from domain.balancing import CalendarEntry, YearCalendar
from domain.status import NOT_STARTED
from domain.tiers import Tier

# Advisory lock namespaces (first key of pg_advisory_xact_lock(int, int)).
YEAR_LOCK = 1
RESOURCE_LOCK = 2


async def lock_year(conn: asyncpg.Connection, year: int) -> None:
    """Serialize every reservation of one year: the budget is yearly, caps are monthly."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", YEAR_LOCK, year)


async def load_year(conn: asyncpg.Connection, year: int) -> YearCalendar:
    """The year's entries with their burst dates (from the reserved phases), plus the
    neighbours an S burst can reach across New Year: last December's S and next January's
    entries (they count in their own year's budget and caps, not in this one's)."""
    rows = await conn.fetch(
        """SELECT e.campaign_id, e.month, e.tier, e.category, e.counted_days, e.hot_topic,
                  coalesce(c.status <> ALL($2::text[]), false) AS started,
                  b.burst_start, b.burst_end
           FROM calendar_entries e LEFT JOIN campaigns c USING (campaign_id)
           LEFT JOIN LATERAL (
               SELECT min((p->>'start')::date) AS burst_start, max((p->>'end')::date) AS burst_end
               FROM jsonb_array_elements(e.phases) p WHERE p->>'phase' = 'burst') b ON true
           WHERE e.year = $1
              OR (e.year = $1 - 1 AND e.month = ($1 - 1)::text || '-12' AND e.tier = 'S')
              OR (e.year = $1 + 1 AND e.month = ($1 + 1)::text || '-01')
           ORDER BY e.month, e.campaign_id""",
        year, [s.value for s in NOT_STARTED],
    )
    # Rows of our own table, read under the year lock: built without re-validation, which
    # was the costliest step of that section once a year holds thousands of entries.
    entries = [CalendarEntry.model_construct(**{**dict(r), "tier": Tier(r["tier"])}) for r in rows]
    return YearCalendar.model_construct(year=year, entries=entries)

"""Team load from the calendar: which campaigns hold people in which ISO weeks.

Computed from `calendar_entries` (tier + reserved phases) instead of a table of its own,
so the load can never drift from the places actually held: a released place (cancel,
displacement, expiry) stops counting in the same transaction that deletes its row. The
reservation activity reads it under the year lock, like the month's caps. `week_loads_of`
is the load per team and ISO week that `GET /teams/load` and the calendar page show."""

from __future__ import annotations

from datetime import date

import asyncpg

from domain.approvals.preparation import TeamWeekLoad, week_loads, weeks_of_year
from domain.campaign import Phase
from domain.policy import Policy
from domain.tiers import Tier

Holder = tuple[str, Tier, list[Phase]]


async def holders(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> list[Holder]:
    """Campaigns holding a place in `year` or its neighbours (ISO weeks cross New Year)."""
    rows = await conn.fetch(
        """SELECT campaign_id, tier, phases FROM calendar_entries
           WHERE year BETWEEN $1 - 1 AND $1 + 1 AND tier <> 'C' ORDER BY campaign_id""", year)
    return _holders(rows)


async def holders_between(conn: asyncpg.Connection | asyncpg.Pool, start: date, end: date) -> list[Holder]:
    """Campaigns with a phase overlapping [start, end)."""
    rows = await conn.fetch(
        """SELECT campaign_id, tier, phases FROM calendar_entries
           WHERE year BETWEEN extract(year FROM $1::date)::int - 1 AND extract(year FROM $2::date)::int + 1
             AND tier <> 'C'
             AND EXISTS (SELECT 1 FROM jsonb_array_elements(phases) p
                         WHERE (p->>'start')::date < $2 AND (p->>'end')::date > $1)
           ORDER BY campaign_id""", start, end)
    return _holders(rows)


def _holders(rows: list[asyncpg.Record]) -> list[Holder]:
    return [(r["campaign_id"], Tier(r["tier"]), [Phase.model_validate(p) for p in r["phases"]]) for r in rows]


async def week_loads_of(conn: asyncpg.Connection | asyncpg.Pool, policy: Policy, year: int) -> list[TeamWeekLoad]:
    """Every team's capacity, demand and campaigns in every ISO week of ISO year `year`."""
    return week_loads(policy, await holders(conn, year), weeks_of_year(year))

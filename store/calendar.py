"""The calendar as the balancing function sees it, read under the locks of the months it
judges: the month's rules (caps, S exclusivity, categories, burst days) under month locks,
the year's budget, marketing budget and S cap under the year lock, taken last and held
only to the commit."""

from __future__ import annotations

import asyncpg

from domain.balancing import CalendarEntry, YearCalendar
from domain.months import month_key, next_month, number_of, previous_month, year_of
from domain.status import NOT_STARTED
from domain.tiers import Tier

# Advisory lock namespaces (first key of pg_advisory_xact_lock(int, int)).
YEAR_LOCK = 1
RESOURCE_LOCK = 2
MONTH_LOCK = 3


async def lock_year(conn: asyncpg.Connection, year: int) -> None:
    """The year's budget and S count: taken after the month locks, held to the commit."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", YEAR_LOCK, year)


def months_to_lock(month: str) -> list[str]:
    """A reservation in `month` changes that month and may reach into the next (a burst that
    runs over, an S closing it): it locks both. Everyone locks in ascending order, months
    before the year, so no two reservations wait on each other in a circle."""
    return [month, next_month(month)]


async def lock_months(conn: asyncpg.Connection, months: list[str]) -> None:
    for m in sorted(months):
        await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", MONTH_LOCK, year_of(m) * 100 + number_of(m))


async def year_totals(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> tuple[int, int, tuple[int, int]]:
    """(counted days used, S campaigns, S campaigns per half-year) of the year's reserved campaigns."""
    row = await conn.fetchrow(
        "SELECT coalesce(sum(counted_days), 0) AS used, count(*) FILTER (WHERE tier = 'S') AS s, "
        "count(*) FILTER (WHERE tier = 'S' AND right(month, 2)::int <= 6) AS s_first "
        "FROM calendar_entries WHERE year = $1", year)
    return int(row["used"]), int(row["s"]), (int(row["s_first"]), int(row["s"]) - int(row["s_first"]))


async def year_money(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> float:
    """The promotion costs reserved from the year's marketing budget (C reserves none)."""
    return float(await conn.fetchval(
        "SELECT coalesce(sum(cost), 0) FROM calendar_entries WHERE year = $1", year))


async def load_window(conn: asyncpg.Connection, month: str, money: bool = False) -> YearCalendar:
    """The entries of the month before, the month and the month after (what a reservation
    in `month` can meet: bursts running over, an S closing a neighbour), with the year's
    totals (`money`: the marketing budget's too). Read under the months' locks; the totals
    are checked again under the year lock."""
    year = year_of(month)
    months = [previous_month(month), month, next_month(month)]
    rows = await conn.fetch(_ENTRIES.format(where="e.month = ANY($1::text[])"), months, [s.value for s in NOT_STARTED])
    used, s, halves = await year_totals(conn, year)
    return YearCalendar.model_construct(year=year, entries=_entries(rows), used_days=used, s_count=s, s_halves=halves,
                                        used_money=await year_money(conn, year) if money else None)


# The entries with their burst dates (from the reserved phases) and whether they have
# started (then an S cannot displace them). $2: the statuses of campaigns not yet started.
_ENTRIES = """SELECT e.campaign_id, e.month, e.tier, e.category, e.counted_days, e.hot_topic, e.cost,
                     coalesce(c.status <> ALL($2::text[]), false) AS started,
                     b.burst_start, b.burst_end
              FROM calendar_entries e LEFT JOIN campaigns c USING (campaign_id)
              LEFT JOIN LATERAL (
                  SELECT min((p->>'start')::date) AS burst_start, max((p->>'end')::date) AS burst_end
                  FROM jsonb_array_elements(e.phases) p WHERE p->>'phase' = 'burst') b ON true
              WHERE {where}
              ORDER BY e.month, e.campaign_id"""


async def load_year(conn: asyncpg.Connection, year: int) -> YearCalendar:
    """The year's entries, plus the neighbours an S burst can reach across New Year: last
    December and next January (they count in their own year's budget, not in this one's).
    For the calendar page and for alternatives (other months, read without their locks)."""
    rows = await conn.fetch(_ENTRIES.format(where="e.year = $1 OR e.month = ANY($3::text[])"), year,
                            [s.value for s in NOT_STARTED], [month_key(year - 1, 12), month_key(year + 1, 1)])
    return YearCalendar.model_construct(year=year, entries=_entries(rows), used_days=None, s_count=None,
                                        used_money=None)


def _entries(rows: list[asyncpg.Record]) -> list[CalendarEntry]:
    # Rows of our own table: built without re-validation, which was the costliest step of
    # the locked section once a year holds thousands of entries.
    return [CalendarEntry.model_construct(**{**dict(r), "tier": Tier(r["tier"])}) for r in rows]


async def same_category_beside(pool: asyncpg.Pool | asyncpg.Connection, category: str,
                               month: str) -> list[dict[str, str]]:
    """The reserved campaigns of `category` in the month before and the month after `month`."""
    rows = await pool.fetch("SELECT campaign_id, month FROM calendar_entries WHERE category = $1 "
                            "AND month = ANY($2::text[]) ORDER BY month, campaign_id",
                            category, [previous_month(month), next_month(month)])
    return [dict(r) for r in rows]

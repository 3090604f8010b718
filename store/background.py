"""The health of background parts (today the webhook delivery loop, which runs in the worker
process), written by their supervisor (activities/background.py) and read by the API's
/healthz: the two are different processes, PostgreSQL is what they share.

One row per (part, process). A part is **down** when some process says it is restarting it
(`down`, written within the stale time), or when rows exist but none says `up` with a fresh
heartbeat: every process that ran it was killed, hangs, or stopped. A part with no row at all
was never started against this database (an API without a worker yet, a first start): it is
not reported, since nothing says it should be running; its first heartbeat makes it known.
Times are the database's clock on both sides, so the processes' clocks never matter."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Queryable: TypeAlias = asyncpg.Pool | asyncpg.Connection


async def record(db: Queryable, name: str, instance: str, status: str, detail: str | None = None) -> None:
    """This process's state of part `name`, heartbeat now."""
    await db.execute(
        """INSERT INTO background_parts (name, instance, status, detail) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name, instance) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail,
               heartbeat_at = now(),
               started_at = CASE WHEN background_parts.status = 'up' AND EXCLUDED.status = 'up'
                                 THEN background_parts.started_at ELSE now() END""",
        name, instance, status, detail, timeout=5)


async def forget_older(db: Queryable, name: str, older_than_s: float) -> int:
    """Rows of processes long gone (no heartbeat for `older_than_s`), at a supervisor's start."""
    result = await db.execute("DELETE FROM background_parts WHERE name = $1 AND heartbeat_at < "
                              "now() - make_interval(secs => $2)", name, older_than_s, timeout=5)
    return int(result.split()[-1])


async def states(db: Queryable, stale_s: float) -> dict[str, bool]:
    """Every known part: True when it is up (the module's rule), False when down."""
    rows = await db.fetch(
        """SELECT name,
                  bool_or(status = 'down' AND heartbeat_at > now() - make_interval(secs => $1)) AS restarting,
                  bool_or(status = 'up' AND heartbeat_at > now() - make_interval(secs => $1)) AS beating
           FROM background_parts GROUP BY name ORDER BY name""", stale_s, timeout=2)
    return {r["name"]: bool(r["beating"]) and not r["restarting"] for r in rows}


async def rows(db: Queryable, name: str) -> list[dict]:
    """A part's rows, for operators and tests."""
    return [dict(r) for r in await db.fetch(
        "SELECT instance, status, detail, started_at, heartbeat_at FROM background_parts WHERE name = $1 "
        "ORDER BY instance", name)]

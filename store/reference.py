"""Reference data the engine holds: business-line context, policy overrides, catalog."""

from __future__ import annotations

import asyncpg

from domain.policy import Policy
from domain.scoring import BusinessLineContext


async def seed(conn: asyncpg.Connection | asyncpg.Pool, policy: Policy) -> None:
    """Seed demo business lines and the resource units from policy defaults (idempotent;
    rows an operator changed are kept, new units are added)."""
    await conn.executemany(
        """INSERT INTO business_lines (business_line, strategic_weight, annual_target, annual_progress,
               month_revenue, month_revenue_norm) VALUES ($1,$2,$3,$4,$5,$6)
           ON CONFLICT (business_line) DO NOTHING""",
        [(b.business_line, b.strategic_weight, b.annual_target, b.annual_progress, b.month_revenue,
          b.month_revenue_norm) for b in policy.business_lines.values()],
    )
    await conn.executemany(
        "INSERT INTO resource_units (resource, unit) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(r.key, u) for r in policy.resources for u in range(1, r.units + 1)],
    )


async def overrides_for(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> dict:
    return await conn.fetchval("SELECT overrides FROM policy_overrides WHERE year = $1", year) or {}


async def policy_for(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> Policy:
    return Policy.for_year(year, await overrides_for(conn, year))


async def business_line(conn: asyncpg.Connection | asyncpg.Pool, name: str) -> BusinessLineContext | None:
    row = await conn.fetchrow("SELECT * FROM business_lines WHERE business_line = $1", name)
    return BusinessLineContext(**dict(row)) if row else None


async def known_business_lines(conn: asyncpg.Connection | asyncpg.Pool) -> set[str]:
    return {r["business_line"] for r in await conn.fetch("SELECT business_line FROM business_lines")}


async def business_lines(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, BusinessLineContext]:
    """Every line's context (the planner's input)."""
    rows = await conn.fetch("SELECT * FROM business_lines")
    return {r["business_line"]: BusinessLineContext(**dict(r)) for r in rows}


async def merge_overrides(conn: asyncpg.Connection | asyncpg.Pool, year: int, overrides: dict) -> None:
    """Deep keys of `overrides` replace the year's (a published plan's settings)."""
    await conn.execute(
        """INSERT INTO policy_overrides (year, overrides) VALUES ($1, $2::jsonb)
           ON CONFLICT (year) DO UPDATE SET overrides = policy_overrides.overrides || excluded.overrides""",
        year, overrides)

"""Schema and reference data: migrations, then seed the catalog and demo business lines."""

from __future__ import annotations

from datetime import date

import asyncpg

from domain.policy import Policy
from store.migrate import migrate
from store.reference import seed


async def prepare_database(dsn: str, year: int | None = None) -> list[str]:
    applied = await migrate(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await seed(conn, Policy.for_year(year or date.today().year))
    finally:
        await conn.close()
    return applied

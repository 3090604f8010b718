"""Schema and reference data: migrations, then seed the catalog and demo business lines
(the lines as events of their streams, store/reference.py)."""

from __future__ import annotations

from datetime import date

from domain.policy import Policy
from store.db import create_pool
from store.migrate import migrate
from store.reference import seed


async def prepare_database(dsn: str, year: int | None = None) -> list[str]:
    applied = await migrate(dsn)
    pool = await create_pool(dsn, min_size=1, max_size=1)  # its connections decode jsonb like the engine's
    try:
        async with pool.acquire() as conn:
            await seed(conn, Policy.for_year(year or date.today().year))
    finally:
        await pool.close()
    return applied

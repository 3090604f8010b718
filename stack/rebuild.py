"""`make rebuild`: truncate every projection and fold the whole event log again.

Uses DATABASE_URL, or the embedded PostgreSQL in .data/ when it is unset.
"""

from __future__ import annotations

import asyncio
import sys
import time

from infra.settings import load_settings
from store.db import create_pool
from store.projections import rebuild


async def _rebuild(dsn: str) -> int:
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        return await rebuild(pool)
    finally:
        await pool.close()


def main() -> int:
    settings = load_settings()
    dsn, server = settings.database_url, None
    if not dsn:
        from stack.embedded import start_postgres

        server, dsn = start_postgres(settings.data_dir)
    try:
        started = time.monotonic()
        n = asyncio.run(_rebuild(dsn))
        print(f"[promoflow] rebuilt every projection from {n} events in {time.monotonic() - started:.2f}s")
        return 0
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main())

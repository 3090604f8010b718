"""One-shot of the compose stack: wait for PostgreSQL, then migrate and seed promoflow's
database (DATABASE_URL). Safe to run again: applied migrations are skipped.

    python docker/migrate.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import asyncpg

from stack.database import prepare_database


async def main() -> int:
    dsn = os.environ.get("DATABASE_URL")
    if not dsn:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    deadline = time.monotonic() + float(os.environ.get("PROMOFLOW_DB_WAIT_SECONDS", "60"))
    while True:
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            await conn.close()
            break
        except (TimeoutError, OSError, asyncpg.PostgresError) as err:
            if time.monotonic() > deadline:
                print(f"PostgreSQL did not answer: {err}", file=sys.stderr)
                return 1
            await asyncio.sleep(1)
    applied = await prepare_database(dsn)
    print(f"promoflow database ready; migrations applied now: {', '.join(applied) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

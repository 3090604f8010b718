"""One-shot of the compose stack: wait for PostgreSQL, then migrate and seed promoflow's
database (DATABASE_URL, the owner role's), then give the app role named by
PROMOFLOW_APP_ROLE (the worker's and the API's) its privileges (store/roles.py: rows only,
`events` append and read). Safe to run again: applied migrations are skipped, grants are
set again.

    DATABASE_URL=postgresql://promoflow_owner:...@host/promoflow PROMOFLOW_APP_ROLE=promoflow python docker/migrate.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import asyncpg

from stack.database import prepare_database
from store.roles import RoleError, grant_app


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
    if app_role := os.environ.get("PROMOFLOW_APP_ROLE"):
        conn = await asyncpg.connect(dsn)
        try:
            await grant_app(conn, app_role)
        except RoleError as err:
            print(err, file=sys.stderr)
            return 1
        finally:
            await conn.close()
        print(f"privileges of role {app_role} set (rows only; events: INSERT, SELECT)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

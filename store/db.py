"""Connection pools: jsonb decoded to Python, one place to size the pool, no reset on release.

A connection given back to an asyncpg pool is reset by default with `SELECT
pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`: one more round trip for
every acquire, which is about one in three of the round trips of an event append (the
`record_event` activity acquires, appends in one statement, releases). promoflow keeps no
session state on pooled connections: its advisory locks are transaction-scoped
(`pg_advisory_xact_lock`, released at commit or rollback), it never LISTENs, never SETs a
session variable, and its cursors live inside transactions. asyncpg still rolls back a
transaction left open before the connection goes back (`Connection._reset`, which runs
whatever `reset` is). tests/store/test_pool.py keeps the code to these rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import asyncpg


async def _init_connection(conn: asyncpg.Connection, query_logger: Callable[[Any], None] | None = None) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    if query_logger is not None:
        conn.add_query_logger(query_logger)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset (see the module docstring); an open transaction is rolled back before this."""


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10,
                      query_logger: Callable[[Any], None] | None = None) -> asyncpg.Pool:
    """`query_logger` (tests and benches): called with each statement a connection runs
    (asyncpg's `LoggedQuery`), e.g. to count the statements of a page."""
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size,
                                     init=partial(_init_connection, query_logger=query_logger), reset=_keep_session)


async def ping(pool: asyncpg.Pool, timeout: float) -> None:
    """Does PostgreSQL answer (the health check)? Raises when it does not within `timeout`."""
    await pool.fetchval("SELECT 1", timeout=timeout)

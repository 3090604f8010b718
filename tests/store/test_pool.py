"""The pool gives connections back without asyncpg's reset query (store/db.py says why):
that is safe only while the code keeps no session state on pooled connections. This test
keeps it so: no session-level advisory lock, LISTEN, SET or set_config outside the
migration runner (which uses a connection of its own), and on a real PostgreSQL a
connection comes back from the pool with no transaction open and no advisory lock held."""

from __future__ import annotations

import re
from pathlib import Path

from store.db import create_pool

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("activities", "api", "cli", "domain", "planner", "stack", "store", "workflows")
           for p in (ROOT / d).rglob("*.py")] + [ROOT / "worker.py"]
SESSION_STATE = re.compile(r"pg_advisory_lock\(|pg_try_advisory_lock\(|\bLISTEN\b|\bset_config\(|"
                           r"(?-i:[\"']\s*SET\s+(?!LOCAL\b))|add_listener\(", re.IGNORECASE)  # SQL's SET in capitals


def test_no_session_state_outside_the_migration_runner():
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in SOURCES if p.name != "migrate.py"
             for n, line in enumerate(p.read_text().splitlines(), 1) if SESSION_STATE.search(line)]
    assert found == [], "session state on pooled connections (store/db.py skips the reset):\n" + "\n".join(found)


def test_the_scan_sees_session_state():
    assert SESSION_STATE.search('await conn.execute("SELECT pg_advisory_lock($1)", 1)')
    assert SESSION_STATE.search('await conn.execute("SET statement_timeout = 0")')
    assert not SESSION_STATE.search('await conn.execute("SET LOCAL lock_timeout = 0")')
    assert not SESSION_STATE.search('action("settings", "set the plan\'s settings")')
    assert not SESSION_STATE.search('await conn.execute("SELECT pg_advisory_xact_lock($1)", 1)')


async def test_a_released_connection_holds_no_transaction_and_no_lock(db_dsn):
    pool = await create_pool(db_dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            pid = conn.get_server_pid()
            tx = conn.transaction()
            await tx.start()
            await conn.execute("SELECT pg_advisory_xact_lock(424242, 1)")
            # given back with the transaction still open: asyncpg rolls it back, the lock with it
        async with pool.acquire() as conn:
            assert conn.get_server_pid() == pid  # the same connection, not a new one
            assert not conn.is_in_transaction()
            held = await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1 "
                                       "AND classid = 424242")
            assert held == 0
    finally:
        await pool.close()

"""A small migration runner: ordered SQL files in migrations/, each applied once.

Why our own: the schema is plain SQL (exclusion constraints, triggers, xid8) that ORM
tools model poorly; what we need is ordering, a record of what ran, checksums so an
edited migration is caught, and a lock so two processes never migrate at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import asyncpg

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_KEY = 0x70726F6D6F  # "promo": one advisory lock for migrations


class MigrationError(RuntimeError):
    pass


def _migrations() -> list[tuple[str, str, str]]:
    files = sorted(MIGRATIONS_DIR.glob("*.sql"))
    return [(f.stem, f.read_text(), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files]


async def migrate(dsn: str) -> list[str]:
    """Apply pending migrations; returns the versions applied now."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version text PRIMARY KEY, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied = dict(await conn.fetch("SELECT version, checksum FROM schema_migrations"))
        done = []
        for version, sql, checksum in _migrations():
            if version in applied:
                if applied[version] != checksum:
                    raise MigrationError(
                        f"migration {version} was edited after it was applied; add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", version, checksum
                )
            done.append(version)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
        await conn.close()

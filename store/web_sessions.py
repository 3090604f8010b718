"""The web app's server-side sessions (migrations/110_web_sessions.sql): created at sign-in,
read on each request while unexpired, deleted at sign-out. Rows are keyed by the SHA-256
digest of the session id (the cookie's), never the id itself. Expired rows are refused by
`get` and removed by `purge_expired` (sign-in calls it: no separate sweeper needed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg


async def create(pool: asyncpg.Pool, id_sha256: str, *, name: str, role: str, business_line: str | None,
                 actor_id: str, csrf_token: str, expires_at: datetime) -> None:
    """A new session; the same id again changes nothing (ids are random: a retry only)."""
    await pool.execute(
        """INSERT INTO web_sessions (id_sha256, name, role, business_line, actor_id, csrf_token, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id_sha256) DO NOTHING""",
        id_sha256, name, role, business_line, actor_id, csrf_token, expires_at)


async def get(pool: asyncpg.Pool, id_sha256: str) -> dict[str, Any] | None:
    """The session while it has not expired (by the database's clock), else None."""
    row = await pool.fetchrow(
        """SELECT id_sha256, name, role, business_line, actor_id, csrf_token, created_at, expires_at
           FROM web_sessions WHERE id_sha256 = $1 AND expires_at > now()""", id_sha256)
    return dict(row) if row else None


async def delete(pool: asyncpg.Pool, id_sha256: str) -> None:
    """End a session (idempotent)."""
    await pool.execute("DELETE FROM web_sessions WHERE id_sha256 = $1", id_sha256)


async def purge_expired(pool: asyncpg.Pool) -> int:
    status = await pool.execute("DELETE FROM web_sessions WHERE expires_at <= now()")
    return int(status.split()[-1])


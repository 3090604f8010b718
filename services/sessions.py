"""The web app's sessions as use cases: open one for a signed-in person (replacing the one
the browser held, purging the expired) and close one. The cookie, its signature and the
CSRF checks are the web app's (api/web/session.py); the rows are store/web_sessions.py's."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from store import web_sessions
from workflows.messages import Actor


async def open_session(pool: asyncpg.Pool, session_digest: str, actor: Actor, *, csrf_token: str,
                       expires_at: datetime, replacing: str | None = None) -> None:
    """`session_digest`: the SHA-256 of the new session id (the id itself is never stored);
    `replacing`: the digest of the session the browser held, closed first."""
    if replacing:
        await web_sessions.delete(pool, replacing)
    await web_sessions.create(pool, session_digest, name=actor.name, role=actor.role,
                              business_line=actor.business_line, actor_id=actor.actor_id or actor.name,
                              csrf_token=csrf_token, expires_at=expires_at)
    await web_sessions.purge_expired(pool)


async def close_session(pool: asyncpg.Pool, session_digest: str) -> None:
    await web_sessions.delete(pool, session_digest)

"""The app role's privileges, set again after every migration run (docker/migrate.py, as
the owner role). docker/postgres/roles.sql creates the roles and gives the app role
SELECT/INSERT/UPDATE/DELETE on every table the owner creates (default privileges); this
narrows that where the schema asks for less, which default privileges cannot express:

- `events`, the append-only log: INSERT and SELECT. Its trigger refuses UPDATE and DELETE,
  but only the missing privilege refuses TRUNCATE (no row trigger fires) and keeps the
  trigger's refusal from being the only guard; only the owner can drop the trigger.
- views (`audit_trail`): SELECT. An update through a simple view runs with the view
  owner's rights.
- `schema_migrations`: nothing; the app never reads it, and must not forge it.

Idempotent: tables created by earlier migrations, or before the roles were split, get the
same privileges as new ones. `make rebuild` truncates the projections and locks `events`:
run it with the owner's DATABASE_URL.
"""

from __future__ import annotations

import asyncpg

APPEND_ONLY = ("events",)


class RoleError(RuntimeError):
    """The app role to grant to does not exist."""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def grant_app(conn: asyncpg.Connection, role: str) -> None:
    """Give `role` the app's privileges on everything in the public schema, in one transaction."""
    if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
        raise RoleError(f"database role {role!r} does not exist (docker/postgres/roles.sql creates it)")
    app = _ident(role)
    views = await conn.fetch("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') ORDER BY 1""")
    async with conn.transaction():
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {app}")
        await conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}")
        await conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app}")
        for table in APPEND_ONLY:
            await conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {_ident(table)} FROM {app}")
        for view in views:
            await conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {_ident(view['relname'])} FROM {app}")
        await conn.execute(f"REVOKE ALL ON schema_migrations FROM {app}")

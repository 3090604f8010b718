"""Migration 100 on a database that held reference data as plain tables: what they held
becomes the first event of each stream, so the tables are their projections from then on
(a rebuild gives them back), the outbox and the sealed secrets stay, and changes go on at
the next seq; seeding again adds nothing."""

from __future__ import annotations

import shutil
import uuid

from domain.policy import Policy
from services import policy as policy_changes
from stack.embedded import create_database
from store import migrate, reference
from store.db import create_pool
from store.projections import rebuild
from tests.conftest import admin_uri

SNAPSHOT = {"policy_overrides": "year", "business_lines": "business_line", "webhook_subscriptions": "id",
            "webhook_secrets": "subscription_id", "webhook_deliveries": "id"}


async def _snapshot(pool) -> dict[str, list[dict]]:
    return {t: [dict(r) for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY {k}")] for t, k in SNAPSHOT.items()}


async def test_migration_100_turns_the_tables_into_streams(pg_server, tmp_path, monkeypatch):
    name = f"m_{uuid.uuid4().hex[:12]}"
    await create_database(admin_uri(pg_server), name)
    dsn = admin_uri(pg_server, name)
    before = tmp_path / "before"
    before.mkdir()
    for f in sorted(migrate.MIGRATIONS_DIR.glob("*.sql")):
        if f.name < "100":
            shutil.copy(f, before / f.name)
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", before)
    await migrate.migrate(dsn)
    pool = await create_pool(dsn, min_size=1, max_size=4)
    try:
        await pool.execute("INSERT INTO policy_overrides (year, overrides) VALUES (2027, $1), (2028, '{}')",
                           {"yearly_budget_days": 120, "month_caps": {"3": {"B": 1}}})
        await pool.execute("""INSERT INTO business_lines VALUES ('food', 0.8, 1.2e9, 4.2e8, 8.0e7, 1.0e8),
                                                                 ('pets', 0.3, 1.5e8, 2.0e7, 1.0e7, 1.25e7)""")
        await pool.execute("""INSERT INTO webhook_subscriptions (id, url, events, secret, created_by, active)
                              VALUES ('old', 'http://h/1', '{CampaignSubmitted}', 'plain', 'yan.ops', true),
                                     ('gone', 'http://h/2', '{ReviewScored}', NULL, 'yan.ops', false)""")
        await pool.execute("INSERT INTO webhook_secrets VALUES ('gone', 'sealed')")
        await pool.execute("INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, campaign_id, "
                           "payload) VALUES ('gone', 'c:1', 'ReviewScored', 'c', '{}')")

        monkeypatch.undo()
        assert await migrate.migrate(dsn) == ["100_reference_streams"]
        streams = await pool.fetch("SELECT campaign_id, seq, type, actor FROM events ORDER BY campaign_id, seq")
        assert [(r["campaign_id"], r["seq"], r["type"]) for r in streams] == [
            ("line-food", 1, "BusinessLineChanged"), ("line-pets", 1, "BusinessLineChanged"),
            ("policy-2027", 1, "PolicyOverridden"),
            ("webhook-gone", 1, "WebhookSubscribed"), ("webhook-gone", 2, "WebhookUnsubscribed"),
            ("webhook-old", 1, "WebhookSubscribed")]
        live = await _snapshot(pool)
        assert [(p["year"], p["version"]) for p in live["policy_overrides"]] == [(2027, 1)]  # {} held nothing
        assert await rebuild(pool) == len(streams)
        assert await _snapshot(pool) == live  # secrets, plain secret and deliveries untouched

        view = await policy_changes.change(pool, 2027, {"hot_topic_reserve_days": 10}, "after", "wei.leader")
        assert view.version == 2
        assert (view.effective["yearly_budget_days"], view.effective["hot_topic_reserve_days"]) == (120, 10)
        async with pool.acquire() as conn:
            await reference.seed(conn, Policy.for_year(2027))
        assert (await reference.line_state(pool, "food"))[1] == 1  # kept, not seeded again
        assert await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id LIKE 'line-%'") == 7
    finally:
        await pool.close()

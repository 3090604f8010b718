"""Projections are a pure fold of the log: rebuilding gives exactly the live rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from domain.status import Status
from domain.tiers import Tier
from services import lines as line_changes
from services import policy as policy_changes
from store import delegations, projections, subscriptions
from store.projections import rebuild
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import APPROVER, LEADER, OPS, request, running_worker, s_request, start
from workflows.campaign import CampaignWorkflow
from workflows.messages import Approve, Cancel, Reject

TABLES = {
    "campaigns": "campaign_id",
    "calendar_entries": "campaign_id",
    "bookings": "campaign_id, resource, unit, phase",
    "audit_trail": "position",
    "campaign_actuals": "campaign_id, day",
    "campaign_outcomes": "campaign_id",
    "milestones": "campaign_id, key",
    "delegations": "id",
    "plan_intents": "intent_id",
    "policy_overrides": "year",
    "business_lines": "business_line",
    "webhook_subscriptions": "id",
    "webhook_secrets": "subscription_id",  # not a projection (outside the log): a rebuild keeps it
}


def test_the_snapshot_covers_every_projection():
    rebuilt = set(projections._PROJECTION_TABLES) - {"projection_checkpoints"}
    assert rebuilt <= set(TABLES), rebuilt - set(TABLES)


async def snapshot(pool) -> dict[str, list[dict]]:
    return {t: [dict(r) for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY {key}")] for t, key in TABLES.items()}


async def _reviewed(h) -> Status:
    """Wait until the campaign is past scoring (in review, or on its way as a C)."""
    async def check():
        return (await h.query(CampaignWorkflow.state_query)).status not in (Status.SUBMITTED,)
    await wait_until(check, what=f"{h.id} scored")
    return (await h.query(CampaignWorkflow.state_query)).status


async def test_rebuilt_projections_equal_the_live_ones_after_many_campaigns(ts_env, pool):
    env, tq = ts_env, new_task_queue()
    async with running_worker(env.client, pool, tq):
        months = [f"2027-{m:02d}" for m in (3, 4, 5, 7, 8, 10, 12)]
        lines = ["food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border"]
        handles = []
        for i in range(24):
            line = lines[i % len(lines)]
            handles.append(await start(env.client, request(Tier.B, months[i % len(months)], line=line), tq))
        statuses = await asyncio.gather(*(_reviewed(h) for h in handles))
        for i, (h, status) in enumerate(zip(handles, statuses, strict=False)):
            if status != Status.IN_REVIEW:
                continue
            if i % 6 == 0:
                await h.execute_update(CampaignWorkflow.reject, Reject(actor=APPROVER, reason="not this year"))
            elif i % 6 == 4:
                continue  # left to expire
            else:
                await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))
        for h in handles[1::7]:
            st = await h.query(CampaignWorkflow.state_query)
            if not st.status.is_final:
                await h.execute_update(CampaignWorkflow.cancel, Cancel(actor=OPS, reason="reshuffle"))
        s = await start(env.client, s_request("2027-08"), tq)
        assert await _reviewed(s) == Status.IN_REVIEW
        await s.execute_update(CampaignWorkflow.approve, Approve(actor=LEADER))
        # One result at a time: the time-skipping server does not take concurrent waits.
        results = [await h.result() for h in [*handles, s]]
    now = datetime.now(UTC)
    for to in ("ming.approver", "hua.approver"):
        g = await delegations.grant(pool, from_name=APPROVER.name, from_role="approver", from_line=None, to=to,
                                    starts=date(2027, 3, 1), ends=date(2027, 3, 7), at=now)
    await delegations.revoke(pool, g.id, APPROVER.name, now)
    # reference data: policy changes, a line's change, webhook subscriptions (one unsubscribed)
    await policy_changes.change(pool, 2027, {"month_caps": {"3": {"B": 2}}, "yearly_budget_days": 140}, "leaner", OPS.name)
    await policy_changes.change(pool, 2027, {"month_caps": {"4": {"A": 2}}, "yearly_budget_days": None}, "April", LEADER.name)
    await policy_changes.change(pool, 2028, {"hot_topic_reserve_days": 10}, "next year", LEADER.name)
    await line_changes.change(pool, "beauty", {"annual_target": 7e8}, "raised", OPS.name)
    for sid in ("wh-1", "wh-2"):
        await subscriptions.subscribe(pool, subscription_id=sid, url=f"http://127.0.0.1:9/{sid}",
                                      events=["PolicyOverridden", "CampaignSubmitted"], secret_enc="sealed",
                                      created_by=OPS.name, now=now)
    assert await subscriptions.unsubscribe(pool, "wh-2", actor=OPS.name, now=now)
    # a subscription from before sealed secrets (migration 100 made its event) whose plain secret
    # the worker has not sealed yet: the secret is outside the log and a rebuild carries it over
    await pool.execute("UPDATE webhook_subscriptions SET secret = 'plain' WHERE id = 'wh-1'")
    statuses = {r.status for r in results}
    assert {Status.COMPLETED, Status.REJECTED, Status.CANCELLED, Status.EXPIRED} <= statuses

    live = await snapshot(pool)
    assert live["bookings"] and live["calendar_entries"] and len(live["campaigns"]) == 25
    assert {m["status"] for m in live["milestones"]} >= {"overdue", "closed"}
    assert [d["revoked_at"] is None for d in live["delegations"]].count(True) == 1 == len(live["delegations"]) - 1
    assert [(p["year"], p["version"]) for p in live["policy_overrides"]] == [(2027, 2), (2028, 1)]
    assert live["policy_overrides"][0]["overrides"] == {"month_caps": {"3": {"B": 2}, "4": {"A": 2}}}
    assert [(w["id"], w["active"], w["secret"]) for w in live["webhook_subscriptions"]] == [
        ("wh-1", True, "plain"), ("wh-2", False, None)]
    assert [w["subscription_id"] for w in live["webhook_secrets"]] == ["wh-1"]
    assert len(live["business_lines"]) == 6
    events = await pool.fetchval("SELECT count(*) FROM events")
    assert await rebuild(pool) == events
    assert await snapshot(pool) == live
    last = await pool.fetchval("SELECT max(position) FROM events")
    assert await pool.fetchval("SELECT position FROM projection_checkpoints WHERE projection = 'all'") == last

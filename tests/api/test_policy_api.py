"""The year's policy through the API (shared/API.md "Policy and reference data"): a bad
change is 422 naming the key and records nothing; a good one is an event with actor and
reason, in the history, in force for campaigns reserved after it, and still there after
the projections are rebuilt; concurrent changes lose nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.api.conftest import body
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


async def _policy_events(pool, year: int = 2027) -> int:
    return await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id = $1", f"policy-{year}")


async def test_a_bad_change_is_422_naming_the_key_and_records_nothing(api):
    async with api.as_("yan.ops") as ops:
        before = (await ops.get("/policy/2027")).json()
        assert before["version"] == 0 and before["overrides"] == {}
        assert before["effective"]["yearly_budget_days"] == 150 and "month_caps" in before["effective"]
        for changes, field in (({"yearly_budget_dayz": 100}, "yearly_budget_dayz"),
                               ({"yearly_budget_days": -5}, "yearly_budget_days"),
                               ({"tiers": {"S": {"warmup_days": "many"}}}, "tiers.S.warmup_days"),
                               ({"month_caps": {"13": {"B": 1}}}, ""),
                               ({"year": 2030}, "year")):
            r = await ops.patch("/policy/2027", json={"changes": changes, "reason": "try"})
            assert r.status_code == 422, r.text
            err = r.json()["error"]
            assert err["code"] == "invalid_request"
            assert field in [d["field"] for d in err["details"]], err
            if field:
                assert field in err["message"]
        for nul in ({"changes": {"category_seasons": {"food\u0000": [5]}}, "reason": "r"},
                    {"changes": {"yearly_budget_days": 100}, "reason": "a\u0000b"}):
            r = await ops.patch("/policy/2027", json=nul)  # PostgreSQL holds no NUL: 422, never a 500
            assert r.status_code == 422 and "NUL" in r.json()["error"]["message"], r.text
        r = await ops.patch("/policy/2027", json={"changes": {}, "reason": "nothing"})
        assert r.status_code == 422
        r = await ops.patch("/policy/2027", json={"changes": {"yearly_budget_days": 100}})
        assert r.status_code == 422  # a change needs its reason
        assert (await ops.get("/policy/2027")).json() == before
        assert (await ops.get("/policy/2027/history")).json() == {"items": []}
    assert await _policy_events(api.pool) == 0


async def test_a_change_is_an_event_in_force_for_later_reservations_and_survives_a_rebuild(api, db_dsn):
    async with api.as_("yan.ops") as ops, api.as_("wei.leader") as leader, api.as_("lin.food") as food, \
            api.as_("jun.approver") as approver:
        r = await ops.patch("/policy/2027", json={"changes": {"month_caps": {"3": {"B": 0}}},
                                                  "reason": "March is for the S launch"})
        assert r.status_code == 200, r.text
        view = r.json()
        assert view["version"] == 1 and view["effective"]["month_caps"] == {"3": {"B": 0}}
        assert view["overrides"] == {"month_caps": {"3": {"B": 0}}}
        r = await leader.patch("/policy/2027", json={"changes": {"yearly_budget_days": 140},
                                                     "reason": "a leaner year"})
        assert r.status_code == 200 and r.json()["version"] == 2
        # a change that changes nothing records nothing
        r = await leader.patch("/policy/2027", json={"changes": {"yearly_budget_days": 140}, "reason": "again"})
        assert r.status_code == 200 and r.json()["version"] == 2
        history = (await food.get("/policy/2027/history")).json()["items"]
        assert [(h["seq"], h["type"], h["actor"], h["reason"]) for h in history] == [
            (1, "PolicyOverridden", "yan.ops", "March is for the S launch"),
            (2, "PolicyOverridden", "wei.leader", "a leaner year")]
        assert history[0]["data"]["changes"] == {"month_caps": {"3": {"B": 0}}}
        seen = (await food.get("/policy/2027")).json()
        assert seen["effective"]["yearly_budget_days"] == 140 and seen["version"] == 2

        # a B reserved after the change finds March closed to B
        cid = (await food.post("/campaigns", json=body("after-cap", month="2027-03"))).json()["campaign_id"]

        async def in_review():
            return (await food.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
        await wait_until(in_review, what="in review")
        st = (await approver.post(f"/campaigns/{cid}/approve", json={})).json()
        assert st["status"] == "awaiting_month_choice" and "2027-03" not in st["alternatives"], st

    # the projections truncated, then rebuilt from the log (`make rebuild`'s command)
    await api.pool.execute("TRUNCATE policy_overrides, business_lines, webhook_subscriptions")
    async with api.as_("yan.ops") as ops:
        assert (await ops.get("/policy/2027")).json()["version"] == 0
    env = {**os.environ, "DATABASE_URL": db_dsn}
    done = subprocess.run([sys.executable, "-m", "stack.rebuild"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    async with api.as_("yan.ops") as ops:
        assert (await ops.get("/policy/2027")).json() == seen
        assert len((await ops.get("/business-lines")).json()["items"]) == 6


async def test_concurrent_changes_lose_nothing(api):
    months = range(1, 9)
    clients = [api.as_("yan.ops" if m % 2 else "wei.leader") for m in months]
    try:
        answers = await asyncio.gather(*(
            c.patch("/policy/2027", json={"changes": {"month_caps": {str(m): {"A": 2}}}, "reason": f"month {m}"})
            for c, m in zip(clients, months, strict=True)))
    finally:
        for c in clients:
            await c.aclose()
    assert {r.status_code for r in answers} <= {200, 409}, [r.text for r in answers]
    won = [m for m, r in zip(months, answers, strict=True) if r.status_code == 200]
    assert won, "no change went through"
    for r in answers:
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "conflict"
    async with api.as_("yan.ops") as ops:
        view = (await ops.get("/policy/2027")).json()
        history = (await ops.get("/policy/2027/history")).json()["items"]
    assert sorted(int(k) for k in view["effective"]["month_caps"]) == won
    assert view["version"] == len(history) == len(won)
    assert sorted(int(next(iter(h["data"]["changes"]["month_caps"]))) for h in history) == won

"""The marketing budget under load, through the HTTP API (real dev server, worker,
PostgreSQL): with a budget of 10,000,000 and fifty B campaigns costing 4,000,000 each,
submitted and then approved all at once, exactly two are scheduled and the other 48 are
refused `marketing_budget` (awaiting a month, as a full year's days are); the money
reserved, sampled while the approvals run, never passes the budget; cancelling one of the
two frees its money for the next campaign."""

from __future__ import annotations

import asyncio
import secrets
import uuid

import httpx
import pytest

from api.app import Deps, create_app
from api.auth import TokenBook
from infra.settings import CLIENT_KEEPALIVE_S, Settings
from services import policy as policy_changes
from tests.api.serve import serving
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import running_worker

pytestmark = pytest.mark.faults
N = 50
BUDGET = 10_000_000
COST = 4_000_000  # bought traffic: C = paid_traffic with no mechanics
LINES = ("food", "beauty", "home_appliances")
MONTHS = tuple(f"2027-{m:02d}" for m in (3, 4, 5, 7, 8, 9, 10))
# only the money decides: days, caps and the B cap a month lifted
OVERRIDES = {"yearly_budget_days": 1_000_000, "hot_topic_reserve_days": 0, "tiers": {"B": {"max_per_month": 1000}},
             "marketing_budget": BUDGET, "hot_topic_reserve_money": 0}
TIMEOUT = httpx.Timeout(60.0)


def body(i: int, tag: str) -> dict:
    line = LINES[i % len(LINES)]
    return {
        "request_id": f"mb-{tag}-{i:03d}", "name": f"money {line} #{i}", "business_line": line, "category": line,
        "requested_tier": "B", "month": MONTHS[i % len(MONTHS)], "revenue_target": 1_000_000, "gross_margin": 0.25,
        "forecast": {"traffic": 2_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03},
        "paid_traffic": COST, "category_reason": "load test: many campaigns of one category",
    }


async def money_used(pool) -> float:
    return float(await pool.fetchval("SELECT coalesce(sum(cost), 0) FROM calendar_entries WHERE year = 2027"))


async def test_fifty_concurrent_campaigns_against_the_marketing_budget(dev_env, pool):
    await policy_changes.change(pool, 2027, OVERRIDES, "load test: the marketing budget", "yan.ops")
    tq = new_task_queue()
    tag = uuid.uuid4().hex[:6]  # the dev server is shared: ids of this run only
    tokens = {line: secrets.token_urlsafe(16) for line in LINES}
    approver, ops = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    book = TokenBook([{"token": t, "name": f"user.{line}", "role": "business_line", "business_line": line}
                      for line, t in tokens.items()]
                     + [{"token": approver, "name": "money.approver", "role": "approver", "business_line": None},
                        {"token": ops, "name": "money.ops", "role": "ops", "business_line": None}])
    app = create_app(Deps(Settings(task_queue=tq), dev_env.client, pool, book))
    samples: list[float] = []
    stop = asyncio.Event()

    async def sample() -> None:  # the money reserved, read again and again while they run
        while not stop.is_set():
            samples.append(await money_used(pool))
            await asyncio.sleep(0.005)

    def auth(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    async with running_worker(dev_env.client, pool, tq), serving(app) as base:
        limits = httpx.Limits(max_connections=N + 10, max_keepalive_connections=N + 10,
                              keepalive_expiry=CLIENT_KEEPALIVE_S)
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as http:
            bodies = [body(i, tag) for i in range(N)]
            submitted = await asyncio.gather(*(http.post("/campaigns", json=b, headers=auth(tokens[b["business_line"]]))
                                               for b in bodies))
            assert all(r.status_code == 201 for r in submitted), [r.text for r in submitted if r.status_code != 201]
            ids = [r.json()["campaign_id"] for r in submitted]
            assert all(r.json()["money"]["cost"] == COST for r in submitted)

            async def approve(cid: str) -> httpx.Response:
                while True:
                    r = await http.post(f"/campaigns/{cid}/approve", json={"comment": "money load"},
                                        headers=auth(approver))
                    # the read model is one workflow task ahead of the workflow: ask again
                    if r.status_code == 409 and "campaign is submitted" in r.text:
                        await asyncio.sleep(0.2)
                        continue
                    return r

            sampler = asyncio.create_task(sample())
            try:
                decided = await asyncio.gather(*(approve(cid) for cid in ids))
            finally:
                stop.set()
                await sampler
            assert all(r.status_code == 200 for r in decided), [r.text[:300] for r in decided if r.status_code != 200]
            states = {r.json()["campaign_id"]: r.json() for r in decided}
            scheduled = [cid for cid, s in states.items() if s["status"] == "scheduled"]
            refused = [cid for cid, s in states.items() if s["status"] == "awaiting_month_choice"]
            assert len(scheduled) == 2, {cid: (s["status"], s["reasons"]) for cid, s in states.items()}
            assert len(refused) == N - 2
            for cid in refused:  # as a full year's days: no other month, the reason says why
                s = states[cid]
                assert s["alternatives"] == [], s
                assert len(s["reasons"]) == 1 and s["reasons"][0].startswith(
                    "marketing_budget: 8,000,000 of 10,000,000 used, this B costs 4,000,000"), s["reasons"]
            assert max(samples) <= BUDGET and len(samples) > 10, (len(samples), max(samples))
            assert await money_used(pool) == 2 * COST
            listed = await pool.fetch("SELECT status, count(*) AS n FROM campaigns WHERE campaign_id = ANY($1::text[]) "
                                      "GROUP BY status", ids)
            assert {r["status"]: r["n"] for r in listed} == {"scheduled": 2, "awaiting_month_choice": N - 2}
            cal = (await http.get("/calendar/2027", headers=auth(ops))).json()
            assert cal["money"] == {"budget": BUDGET, "used": 2 * COST, "left": BUDGET - 2 * COST, "reserve": 0}

            # a 51st is refused while the two hold the money; cancelling one frees it for the next
            async def submit_and_approve(i: int) -> dict:
                b = body(i, tag)
                r = await http.post("/campaigns", json=b, headers=auth(tokens[b["business_line"]]))
                assert r.status_code == 201, r.text
                r = await approve(r.json()["campaign_id"])
                assert r.status_code == 200, r.text
                return r.json()

            assert (await submit_and_approve(N))["status"] == "awaiting_month_choice"
            gone = scheduled[0]
            r = await http.post(f"/campaigns/{gone}/cancel", json={"reason": "money load: make room"},
                                headers=auth(ops))
            assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text

            async def freed() -> bool:
                return await money_used(pool) == COST
            await wait_until(freed, timeout=30, what="the cancelled campaign's money released")
            nxt = await submit_and_approve(N + 1)
            assert nxt["status"] == "scheduled", (nxt["status"], nxt["reasons"])
            assert await money_used(pool) == 2 * COST
    print(f"money used sampled {len(samples)} times, at most {max(samples):,.0f} of {BUDGET:,}")

"""The marketing budget through the API (shared/API.md "Money"; real dev server, worker,
PostgreSQL): `GET /calendar/{year}` and its page show the money used and left; an
amendment that raises a scheduled campaign's cost goes back to review and, approved, is
judged against the budget again (refused `marketing_budget`, its place and money given
back); lowering it again gets it a place; the plan's settings take `marketing_budget`."""

from __future__ import annotations

from services import policy as policy_changes
from tests.api.conftest import body
from tests.conftest import wait_until

M = 1_000_000
OVERRIDES = {"yearly_budget_days": 10_000, "hot_topic_reserve_days": 0, "tiers": {"B": {"max_per_month": 100}},
             "marketing_budget": 10 * M, "hot_topic_reserve_money": 1 * M}


async def _scheduled(api, food, approver, rid: str, month: str, cost: float) -> dict:
    r = await food.post("/campaigns", json=body(rid, month=month, paid_traffic=cost,
                                                category_reason="budget test"))
    assert r.status_code == 201, r.text
    return await _approve(approver, r.json()["campaign_id"])


async def _approve(approver, cid: str) -> dict:
    async def decided() -> bool:
        r = await approver.post(f"/campaigns/{cid}/approve", json={"comment": "ok"})
        if r.status_code == 409 and "campaign is submitted" in r.text:
            return False
        assert r.status_code == 200, r.text
        decided.state = r.json()  # type: ignore[attr-defined]
        return True
    await wait_until(decided, timeout=30, what=f"{cid} approved")
    return decided.state  # type: ignore[attr-defined]


async def _money(api) -> float:
    return float(await api.pool.fetchval("SELECT coalesce(sum(cost), 0) FROM calendar_entries WHERE year = 2027"))


async def test_calendar_money_and_an_amended_cost_judged_again(api):
    await policy_changes.change(api.pool, 2027, OVERRIDES, "test: the marketing budget", "yan.ops")
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver, api.as_("yan.ops") as ops:
        first = await _scheduled(api, food, approver, "mb-1", "2027-03", 5 * M)
        second = await _scheduled(api, food, approver, "mb-2", "2027-05", 3 * M)
        assert first["status"] == second["status"] == "scheduled"

        cal = (await ops.get("/calendar/2027")).json()
        assert cal["money"] == {"budget": 10 * M, "used": 8 * M, "left": 2 * M, "reserve": 1 * M}
        page = (await ops.get("/calendar/2027.html")).text
        assert 'aria-label="marketing budget"' in page
        assert '<b data-k="money_used">¥8,000,000</b><span>money used of ¥10,000,000</span>' in page
        assert '<b data-k="money_left">¥2,000,000</b>' in page
        month_page = (await ops.get("/calendar/2027/3.html")).text
        assert '<b data-k="money_used">¥8,000,000</b>' in month_page

        # the second raises its cost past what is left for planned campaigns (9 M - 5 M = 4 M)
        cid = second["campaign_id"]
        r = await food.post(f"/campaigns/{cid}/amend", json={"changes": {"paid_traffic": 4.5 * M},
                                                             "reason": "more bought traffic"})
        assert r.status_code == 200, r.text
        amended = r.json()
        assert amended["material"] is True and amended["status"] == "in_review"
        assert await _money(api) == 8 * M  # the place holds its money until decided
        refused = await _approve(approver, cid)
        assert refused["status"] == "awaiting_month_choice", refused
        assert refused["alternatives"] == []
        assert refused["reasons"][0].startswith("marketing_budget: 5,000,000 of 10,000,000 used, this B costs "
                                                "4,500,000"), refused["reasons"]
        assert await _money(api) == 5 * M  # its place and money given back
        events = [e["type"] for e in (await ops.get(f"/campaigns/{cid}/events")).json()]
        assert events[-2:] == ["PlaceReleased", "MonthAlternativesOffered"], events

        # the owner lowers it again: judged again, and it fits
        r = await food.post(f"/campaigns/{cid}/amend", json={"changes": {"paid_traffic": 3.5 * M},
                                                             "reason": "less bought traffic"})
        assert r.status_code == 200, r.text
        assert r.json()["material"] is True
        placed = await _approve(approver, cid)
        assert placed["status"] == "scheduled", placed
        assert await _money(api) == 8.5 * M
        cal = (await ops.get("/calendar/2027")).json()
        assert cal["money"]["used"] == 8.5 * M and cal["money"]["left"] == 1.5 * M


async def test_calendar_money_unlimited_by_default(api):
    async with api.as_("yan.ops") as ops:
        cal = (await ops.get("/calendar/2027")).json()
        assert cal["money"] == {"budget": None, "used": 0, "left": None, "reserve": 0}
        assert '<b data-k="money_left">unlimited</b>' in (await ops.get("/calendar/2027.html")).text

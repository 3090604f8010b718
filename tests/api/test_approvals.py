"""Decisions, changes and delegation over real HTTP (uvicorn -> dev server -> worker ->
PostgreSQL): amend, bulk decisions mixing valid and refused items, the inbox's order and
delegation windows (before and after the window: 403; inside, both names recorded)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from domain.dates import local_date
from domain.policy import Policy
from tests.api.conftest import A_EXTRA, body

S_EXTRA = {"requested_tier": "S", "revenue_target": 50_000_000, "gross_margin": 0.45,
           "forecast": {"traffic": 20_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03}}


async def _submit(http, rid: str, **kw) -> str:
    r = await http.post("/campaigns", json=body(rid, **kw))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "in_review", r.json()
    return r.json()["campaign_id"]


async def test_amend_over_http(api):
    async with api.as_("lin.food") as food, api.as_("mei.apparel") as apparel:
        cid = await _submit(food, "am-1")
        r = await food.post(f"/campaigns/{cid}/amend", json={"changes": {"name": "Renamed"}, "reason": "typo"})
        assert r.status_code == 200, r.text
        assert r.json()["material"] is False and r.json()["name"] == "Renamed"
        r = await food.post(f"/campaigns/{cid}/amend", json={"changes": {"month": "2027-04"}, "reason": "slip"})
        assert r.status_code == 200 and r.json()["material"] is True and r.json()["month"] == "2027-04"
        r = await apparel.post(f"/campaigns/{cid}/amend", json={"changes": {"name": "x"}, "reason": "mine?"})
        assert r.status_code == 403
        r = await food.post(f"/campaigns/{cid}/amend", json={"changes": {"burst_start": "2027-09-07"}, "reason": "x"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
        r = await food.post("/campaigns/campaign-food-nope/amend", json={"changes": {"name": "x"}, "reason": "x"})
        assert r.status_code == 404


async def test_bulk_decisions_mix_valid_and_refused_items(api):
    async with api.as_("lin.food") as food, api.as_("mei.apparel") as apparel, \
            api.as_("hua.approver") as hua:
        f1 = await _submit(food, "bulk-1")
        a1 = await _submit(apparel, "bulk-2", line="apparel")
        a2 = await _submit(apparel, "bulk-3", line="apparel")
        r = await hua.post("/decisions", json={"decisions": [
            {"campaign_id": a1, "action": "approve", "comment": "ok"},
            {"campaign_id": f1, "action": "approve"},                       # hua's own line
            {"campaign_id": a1, "action": "approve"},                       # decided already
            {"campaign_id": "campaign-food-none", "action": "reject", "reason": "x"},
            {"campaign_id": a2, "action": "downgrade", "reason": "no tier"},  # invalid item
            {"campaign_id": a2, "action": "reject", "reason": "off season"},
        ]})
        assert r.status_code == 200, r.text
        res = r.json()["results"]
        assert [x["campaign_id"] for x in res] == [a1, f1, a1, "campaign-food-none", a2, a2]
        assert res[0]["error"] is None and res[0]["status"] == "scheduled"
        assert res[1]["error"]["code"] == "separation_of_duties" and res[1]["status"] == "in_review"
        assert res[2]["error"]["code"] == "invalid_state" and res[2]["status"] == "scheduled"
        assert res[3]["error"]["code"] == "not_found" and res[3]["status"] is None
        assert res[4]["error"]["code"] == "invalid_request" and res[4]["status"] == "in_review"
        assert res[5]["error"] is None and res[5]["status"] == "rejected"
        r = await food.post("/decisions", json={"decisions": [{"campaign_id": f1, "action": "approve"}]})
        assert r.status_code == 200 and r.json()["results"][0]["error"]["code"] == "forbidden"


async def test_inbox_nearest_deadline_first_and_never_my_own_line(api):
    async with api.as_("lin.food") as food, api.as_("mei.apparel") as apparel, \
            api.as_("jun.approver") as jun, api.as_("hua.approver") as hua, api.as_("wei.leader") as wei:
        a = await _submit(food, "in-a", tier="A", month="2027-05", **A_EXTRA)  # 72 h SLA, submitted first
        b = await _submit(apparel, "in-b", line="apparel")                    # 48 h SLA
        s = await _submit(food, "in-s", tier=None, month="2027-06", **S_EXTRA)
        r = await jun.get("/inbox")
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert [i["campaign_id"] for i in items] == [b, a]
        assert items[0]["deadline"] <= items[1]["deadline"]
        assert {"score", "proposed_tier", "month_load", "revenue_check", "deadline"} <= set(items[0])
        assert set(items[0]["revenue_check"]) == {"forecast_sales", "revenue_target", "reachable"}
        assert [i["campaign_id"] for i in (await hua.get("/inbox")).json()["items"]] == [b]
        assert [i["campaign_id"] for i in (await wei.get("/inbox")).json()["items"]] == [s]
        assert (await food.get("/inbox")).status_code == 403


async def test_delegation_windows_before_and_after_are_403_inside_both_names_are_recorded(api):
    today = local_date(Policy.for_year(2027), datetime.now(UTC))
    async with api.as_("lin.food") as food, api.as_("jun.approver") as jun, api.as_("wei.leader") as wei, \
            api.as_("yan.ops") as ops:
        cid = await _submit(food, "del-s", tier=None, month="2027-06", **S_EXTRA)
        r = await wei.post("/delegations", json={"to": "yan.nobody", "from": str(today), "until": str(today)})
        assert r.status_code == 201  # a leader may name anyone
        r = await jun.post("/delegations", json={"to": "yan.ops", "from": str(today), "until": str(today)})
        assert r.status_code == 403  # an approver delegates only to approvers
        for start, end in ((today - timedelta(days=5), today - timedelta(days=1)),
                           (today + timedelta(days=1), today + timedelta(days=3))):
            r = await wei.post("/delegations", json={"to": "jun.approver", "from": str(start), "until": str(end)})
            assert r.status_code == 201, r.text
            assert r.json()["active"] is False
            r = await jun.post(f"/campaigns/{cid}/approve", json={})
            assert r.status_code == 403, r.text
        assert (await jun.get("/inbox")).json()["items"] == []
        r = await wei.post("/delegations", json={"to": "jun.approver", "from": str(today), "until": str(today)})
        assert r.status_code == 201 and r.json()["active"] is True and r.json()["from"] == str(today)
        did = r.json()["id"]
        inbox = (await jun.get("/inbox")).json()["items"]
        assert [(i["campaign_id"], i["on_behalf_of"]) for i in inbox] == [(cid, "wei.leader")]
        r = await jun.post(f"/campaigns/{cid}/approve", json={"comment": "for wei"})
        assert r.status_code == 200, r.text
        assert r.json()["tier"] == "S"
        events = (await ops.get(f"/campaigns/{cid}/events")).json()
        approved = next(e for e in events if e["type"] == "CampaignApproved")
        assert approved["actor"] == "jun.approver" and approved["data"]["on_behalf_of"] == "wei.leader"
        listed = (await jun.get("/delegations")).json()["items"]
        assert len(listed) == 3 and all(x["to"] == "jun.approver" for x in listed)
        assert (await jun.delete(f"/delegations/{did}")).status_code == 403
        assert (await wei.delete(f"/delegations/{did}")).status_code == 204
        assert (await wei.delete(f"/delegations/{did}")).status_code == 409


async def test_ten_concurrent_revokes_of_one_delegation_one_wins_nine_are_409(api):
    today = local_date(Policy.for_year(2027), datetime.now(UTC))
    names = ["wei.leader", "yan.ops", "wei.leader", "wei.leader", "yan.ops", "wei.leader", "wei.leader", "yan.ops",
             "wei.leader", "wei.leader"]
    async with contextlib.AsyncExitStack() as stack:
        # one client (one kept-alive connection) per revoker, opened beforehand, so the ten
        # DELETEs reach the server together instead of one per new connection
        who = [await stack.enter_async_context(api.as_(n)) for n in names]
        wei, ops = who[0], who[1]
        for c in who:
            assert (await c.get("/delegations")).status_code == 200
        r = await wei.post("/delegations", json={"to": "jun.approver", "from": str(today), "until": str(today)})
        assert r.status_code == 201, r.text
        did = r.json()["id"]
        # the delegator and ops at once, the delegator several times (the same principal twice
        # must not make the same event, which the log would take as a retry, done already)
        answers = await asyncio.gather(*(c.delete(f"/delegations/{did}") for c in who))
        codes = sorted(a.status_code for a in answers)
        assert codes == [204] + [409] * 9, [(a.status_code, a.text) for a in answers]
        assert all(a.json()["error"]["code"] == "invalid_state" for a in answers if a.status_code == 409)
        revoked = await api.pool.fetchval(
            "SELECT count(*) FROM events WHERE campaign_id = $1 AND type = 'DelegationRevoked'", f"delegation-{did}")
        assert revoked == 1
        listed = (await ops.get("/delegations")).json()["items"]
        assert next(x for x in listed if x["id"] == did)["revoked"] is True

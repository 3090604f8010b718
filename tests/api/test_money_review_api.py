"""The review in money through the API (shared/API.md "Money", DOMAIN.md "Money"), on the
dev server with a real worker and PostgreSQL:

- a request under the margin floor is flagged with the numbers and approving it is 409
  `margin_below_floor` (nothing recorded) unless a leader approves with `margin_override`
  and a reason (403 for an approver, 422 without a reason), recorded in the approval;
- a request stating 200 SKUs asked as A is proposed B, the reason naming A's standard;
- a downgraded A runs on half its asked forecast traffic: state, event and list agree,
  and a rebuild reads the event's money.
"""

from __future__ import annotations

import pytest

from store.projections import rebuild
from tests.api.conftest import A_EXTRA, body
from tests.conftest import wait_until

UNDER_FLOOR = {"gross_margin": 0.23, "mechanics": [{"type": "discount", "depth": 0.20, "platform_share": 0.5}]}
NUMBERS = "margin after promotion 0.037 is below the floor 0.05 of food (depth 0.20 on a gross margin of 0.23)"


async def _in_review(http, cid: str) -> dict:
    async def ready() -> bool:
        return (await http.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
    await wait_until(ready, timeout=30, what=f"{cid} in review")
    return (await http.get(f"/campaigns/{cid}")).json()


async def _events(http, cid: str) -> list[dict]:
    return (await http.get(f"/campaigns/{cid}/events")).json()


async def test_under_the_margin_floor_approval_is_409_with_the_numbers_unless_a_leader_overrides(api):
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver, api.as_("wei.leader") as leader:
        r = await food.post("/campaigns", json=body("floor-1", **UNDER_FLOOR))
        assert r.status_code == 201, r.text
        cid = r.json()["campaign_id"]
        state = await _in_review(food, cid)
        assert f"margin_below_floor: {NUMBERS}" in state["flags"]
        scored = next(e for e in await _events(food, cid) if e["type"] == "ReviewScored")
        assert scored["data"]["margin_below_floor"] == NUMBERS

        before = len(await _events(food, cid))
        for who in (approver, leader):  # a leader too, without the override
            r = await who.post(f"/campaigns/{cid}/approve", json={"comment": "fine"})
            assert r.status_code == 409, r.text
            err = r.json()["error"]
            assert err["code"] == "margin_below_floor" and NUMBERS in err["message"], err
        r = await approver.post("/decisions", json={"decisions": [{"campaign_id": cid, "action": "approve"}]})
        item = r.json()["results"][0]
        assert item["error"]["code"] == "margin_below_floor" and item["status"] == "in_review", item
        assert (await food.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
        assert len(await _events(food, cid)) == before  # nothing recorded

        r = await approver.post(f"/campaigns/{cid}/approve", json={"margin_override": True, "reason": "x"})
        assert r.status_code == 403, r.text
        r = await leader.post(f"/campaigns/{cid}/approve", json={"margin_override": True})
        assert r.status_code == 422 and "reason" in r.json()["error"]["message"], r.text
        assert len(await _events(food, cid)) == before

        r = await leader.post(f"/campaigns/{cid}/approve",
                              json={"margin_override": True, "reason": "clearing last season's stock"})
        assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text
        approved = next(e for e in await _events(food, cid) if e["type"] == "CampaignApproved")
        assert approved["reason"].startswith("margin_override: clearing last season's stock"), approved
        assert approved["data"]["margin_override"] is True and approved["actor"] == "wei.leader"


async def test_a_downgrade_under_the_floor_needs_the_override_too_but_c_is_not_checked(api):
    a_under = {**A_EXTRA, "mechanics": [{"type": "discount", "depth": 0.27, "platform_share": 0.5}]}  # m' 0.041
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver, api.as_("wei.leader") as leader:
        cid = (await food.post("/campaigns", json=body("floor-2", tier="A", month="2027-06", **a_under))
               ).json()["campaign_id"]
        assert (await _in_review(food, cid))["proposed_tier"] == "A"
        r = await approver.post(f"/campaigns/{cid}/downgrade", json={"to_tier": "B", "reason": "smaller"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "margin_below_floor", r.text
        r = await approver.post(f"/campaigns/{cid}/downgrade",
                                json={"to_tier": "B", "reason": "smaller", "margin_override": True})
        assert r.status_code == 403, r.text
        r = await leader.post(f"/campaigns/{cid}/downgrade",
                              json={"to_tier": "B", "reason": "smaller, margin accepted", "margin_override": True})
        assert r.status_code == 200 and r.json()["tier"] == "B", r.text
        down = next(e for e in await _events(food, cid) if e["type"] == "CampaignDowngraded")
        assert down["data"]["margin_override"] is True and down["reason"] == "smaller, margin accepted"

        # C is not reviewed: its money is shown, not checked
        cid = (await food.post("/campaigns", json=body("floor-3", **UNDER_FLOOR))).json()["campaign_id"]
        await _in_review(food, cid)
        r = await approver.post(f"/campaigns/{cid}/downgrade", json={"to_tier": "C", "reason": "C: shown only"})
        assert r.status_code == 200 and r.json()["tier"] == "C", r.text


async def test_200_skus_asked_as_a_is_proposed_b_naming_the_standard(api):
    async with api.as_("lin.food") as food:
        r = await food.post("/campaigns", json=body("std-1", tier="A", skus=200, **A_EXTRA))
        assert r.status_code == 201, r.text
        state = await _in_review(food, r.json()["campaign_id"])
        assert state["proposed_tier"] == "B"
        assert "entry_standards: not A: skus 200 below A's 300 (the A entry standard)" in state["flags"]
        assert state["standards"]["A"]["skus"] == {"status": "not met", "stated": 200.0, "standard": 300.0}
        assert state["standards"]["A"]["depth"]["status"] == "not stated"  # no mechanics: blocks nothing
        assert state["standards"]["B"]["skus"]["status"] == "met"

        # the same request stating nothing is proposed A: not stated blocks nothing
        r = await food.post("/campaigns", json=body("std-2", tier="A", **A_EXTRA))
        state = await _in_review(food, r.json()["campaign_id"])
        assert state["proposed_tier"] == "A" and not [f for f in state["flags"] if f.startswith("entry_standards")]


async def test_a_downgraded_a_runs_on_half_its_asked_traffic_in_the_state_the_event_and_the_list(api):
    mechanics = [{"type": "discount", "depth": 0.12, "platform_share": 0.5}]
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver:
        r = await food.post("/campaigns", json=body("down-1", tier="A", mechanics=mechanics, paid_traffic=10_000,
                                                    **A_EXTRA))
        cid = r.json()["campaign_id"]
        asked = await _in_review(food, cid)
        assert asked["proposed_tier"] == "A" and asked["forecast"]["traffic"] == 8_000_000

        r = await approver.post(f"/campaigns/{cid}/downgrade", json={"to_tier": "B", "reason": "a quieter month"})
        assert r.status_code == 200, r.text
        state = (await food.get(f"/campaigns/{cid}")).json()
        assert state["tier"] == "B"
        assert state["forecast_asked"]["traffic"] == 8_000_000 and state["forecast"]["traffic"] == 4_000_000
        assert state["money"]["given_away"] == pytest.approx(asked["money"]["given_away"] / 2)
        assert state["money"]["cost"] == pytest.approx((asked["money"]["cost"] - 10_000) / 2 + 10_000)

        down = next(e for e in await _events(food, cid) if e["type"] == "CampaignDowngraded")
        assert down["data"]["forecast"]["traffic"] == 4_000_000
        assert down["data"]["money"] == pytest.approx(state["money"])

        async def listed() -> dict:
            items = (await food.get("/campaigns")).json()["items"]
            return next(i for i in items if i["campaign_id"] == cid)["money"]
        assert await listed() == pytest.approx(state["money"])
        await rebuild(api.pool)  # the rebuild reads the event's money
        assert await listed() == pytest.approx(state["money"])


async def test_an_amended_campaign_is_re_reviewed_with_the_money_checks_of_a_fresh_request(api):
    mechanics = [{"type": "discount", "depth": 0.20, "platform_share": 0.5}]
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver:
        cid = (await food.post("/campaigns", json=body("am-1", mechanics=mechanics, skus=40))).json()["campaign_id"]
        first = await _in_review(food, cid)
        assert not [f for f in first["flags"] if f.startswith("margin_below_floor")]  # m' 0.0625

        r = await food.post(f"/campaigns/{cid}/amend", json={"changes": {"gross_margin": 0.19}, "reason": "costs"})
        assert r.status_code == 200 and r.json()["material"] is True, r.text
        amended = await _in_review(food, cid)
        fresh = await _in_review(food, (await food.post("/campaigns", json=body(
            "am-2", mechanics=mechanics, skus=40, gross_margin=0.19))).json()["campaign_id"])
        assert "margin_below_floor: margin after promotion -0.013 is below the floor 0.05 of food " \
               "(depth 0.20 on a gross margin of 0.19)" in amended["flags"]
        assert amended["flags"] == fresh["flags"] and amended["standards"] == fresh["standards"]
        assert amended["money"] == pytest.approx(fresh["money"])
        rescored = [e for e in await _events(food, cid) if e["type"] == "ReviewScored"][-1]
        assert rescored["data"]["margin_below_floor"] and rescored["data"]["standards"] == fresh["standards"]
        r = await approver.post(f"/campaigns/{cid}/approve", json={})
        assert r.status_code == 409 and r.json()["error"]["code"] == "margin_below_floor", r.text

        async def listed() -> dict:
            return next(i for i in (await food.get("/campaigns")).json()["items"] if i["campaign_id"] == cid)["money"]
        assert await listed() == pytest.approx(amended["money"])  # the amendment's money, in the list

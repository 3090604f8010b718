"""What a business line learns of other lines: `POST /decisions` on another line's campaign
answers as for an unknown id; the plan views show a line its own intents and decisions only
(another line's S, pins and the reasons naming it are hidden or said as "another line's
intent"); a business line's name holds no '-' (ids campaign-<line>-<request_id> stay
unambiguous)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.plan_privacy import OTHER, LineFilter
from domain.campaign import CampaignRequest
from domain.lines import BusinessLineContext
from tests.api.conftest import A_EXTRA, body

YEAR = 2028  # a year no other test opens: plan-<year> workflows outlive each test on the dev server
SECRET = "hush-apparel-7"  # another line's request id: must never reach lin.food


def _without_id(result: dict, cid: str) -> dict:
    return {**result, "campaign_id": None, "error": {**result["error"], "message":
                                                      result["error"]["message"].replace(cid, "<id>")}}


async def test_decisions_on_another_lines_campaign_answer_as_an_unknown_id(api):
    async with api.as_("lin.food") as food, api.as_("mei.apparel") as apparel:
        r = await apparel.post("/campaigns", json=body(SECRET, line="apparel"))
        assert r.status_code == 201, r.text
        theirs, unknown = r.json()["campaign_id"], "campaign-apparel-no-such"
        r = await food.post("/decisions", json={"decisions": [
            {"campaign_id": theirs, "action": "approve"}, {"campaign_id": unknown, "action": "approve"}]})
        assert r.status_code == 200, r.text
        a, b = r.json()["results"]
        assert a["status"] is None, a  # not "in_review": nothing about their campaign
        assert _without_id(a, theirs) == _without_id(b, unknown)
        single = [await food.post(f"/campaigns/{c}/approve", json={}) for c in (theirs, unknown)]
        assert [s.status_code for s in single] == [403, 403]
        assert single[0].json() == single[1].json()


async def test_plan_views_show_a_line_its_own_intents_only(api):
    food_it = {**body("mine-1", tier="A", month=f"{YEAR}-05", **A_EXTRA), "months": [f"{YEAR}-05", f"{YEAR}-06"]}
    app_it = {**body(SECRET, tier="S", month=f"{YEAR}-05", line="apparel", **A_EXTRA), "months": [f"{YEAR}-05"],
              "name": "Their secret launch"}
    async with api.as_("yan.ops") as ops, api.as_("lin.food") as food, api.as_("wei.leader") as leader:
        assert (await ops.post(f"/plans/{YEAR}", json={})).status_code == 201
        r = await ops.post(f"/plans/{YEAR}/intents", json={"intents": [food_it, app_it]})
        assert [x["status"] for x in r.json()["results"]] == ["created", "created"], r.text
        theirs, mine = f"intent-apparel-{SECRET}", "intent-food-mine-1"
        r = await leader.post(f"/plans/{YEAR}/s", json={"campaigns": [{"intent_id": theirs, "month": f"{YEAR}-05"}]})
        assert r.status_code == 200, r.text
        for pin in ({"intent_id": theirs, "month": f"{YEAR}-05"}, {"intent_id": mine, "month": f"{YEAR}-05"}):
            assert (await ops.post(f"/plans/{YEAR}/pins", json=pin)).status_code == 200
        # food pinned into the month their S closes: infeasible, the conflicts name both
        r = await ops.post(f"/plans/{YEAR}/solve")
        assert r.status_code == 200 and r.json()["status"] == "infeasible" and SECRET in r.text, r.text
        seen = (await food.get(f"/plans/{YEAR}")).text
        assert SECRET not in seen and "pin mine-1" in seen and OTHER in seen, seen
        assert (await ops.post(f"/plans/{YEAR}/pins", json={"intent_id": mine, "month": f"{YEAR}-06"})).status_code \
            == 200
        assert (await ops.post(f"/plans/{YEAR}/solve")).json()["status"] in ("optimal", "feasible")

        full = (await ops.get(f"/plans/{YEAR}")).json()
        assert [c["intent_id"] for c in full["s_fixed"]] == [theirs] and len(full["pins"]) == 2
        seen = await food.get(f"/plans/{YEAR}")
        assert seen.status_code == 200
        assert seen.json()["s_fixed"] == [] and [p["intent_id"] for p in seen.json()["pins"]] == [mine]
        assert seen.json()["intents"] == 2  # counts stay
        sol = await food.get(f"/plans/{YEAR}/solution")
        assert sol.status_code == 200
        assert [d["intent_id"] for d in sol.json()["decisions"]] == [mine]
        intents = await food.get(f"/plans/{YEAR}/intents")
        for r in (seen, sol, intents):
            assert SECRET not in r.text and "Their secret launch" not in r.text, r.text
        # the whole plan is there for the promotion team
        assert SECRET in (await ops.get(f"/plans/{YEAR}/solution")).text


def test_reasons_and_conflicts_name_no_other_line():
    rows = [{"request_id": "f-1", "business_line": "food", "intent": {"name": "Ours"}},
            {"request_id": "a-1", "business_line": "apparel", "intent": {"name": 'Their "big" one'}}]
    f = LineFilter("food", rows)
    reason = ('cut: 2028-05 as A: 2028-05 belongs to leadership\'s S a-1 "Their "big" one" (score 0.700) '
              '(burst from 2028-05-09): no other S, A or B | the A place(s) of 2028-06 (cap 1) went to '
              'a-1 "Their "big" one" (score 0.800), f-1 "Ours" (score 0.500); lost to a-1')
    got = f.text(reason)
    assert "a-1" not in got and "Their" not in got and got.count(OTHER) == 3 and 'f-1 "Ours"' in got
    assert f.text("lost to f-1") == "lost to f-1"
    assert f.conflict("leadership's S a-1 in 2028-05 (S whatever its score)") == \
        f"leadership's S {OTHER} in 2028-05 (S whatever its score)"
    assert f.conflict("pin a-1: month 2028-05") == f"pin {OTHER}: month 2028-05"
    assert f.conflict("pin f-1: cut") == "pin f-1: cut"
    assert f.conflict("S a-1 closes 2028-05 to other S, A and B") == f"S {OTHER} closes 2028-05 to other S, A and B"
    assert f.summary({"merge_suggestions": [{"business_line": "apparel"}, {"business_line": "food"}],
                      "conflicts": []})["merge_suggestions"] == [{"business_line": "food"}]


async def test_a_business_line_name_with_a_dash_is_422_naming_the_field(api):
    with pytest.raises(ValidationError, match="business_line"):
        CampaignRequest.model_validate(body("d-1", line="food-x"))
    with pytest.raises(ValidationError, match="no '-'"):
        BusinessLineContext(business_line="home-appliances", strategic_weight=0.5, annual_target=1,
                            annual_progress=0, month_revenue=0, month_revenue_norm=1)
    async with api.as_("lin.food") as food, api.as_("yan.ops") as ops:
        r = await food.post("/campaigns", json=body("d-1", line="food-x"))
        assert r.status_code == 422, r.text
        assert [d["field"] for d in r.json()["error"]["details"]] == ["business_line"]
        assert "no '-'" in r.json()["error"]["message"]
        item = {**body("d-2", line="food-x"), "tier": "B",
                "phases": [{"phase": "burst", "start": "2026-09-08", "end": "2026-09-09"}]}
        res = (await ops.post("/history", json={"campaigns": [item]})).json()["results"][0]
        assert res["status"] == "invalid" and "business_line" in res["error"]["message"]

"""The planning season through the HTTP API on the dev server, a worker and PostgreSQL:
open -> intents from several lines (duplicates, invalid items, another line's item) ->
S by the leader -> settings -> solve -> pin -> re-solve -> scenario -> publish -> every
placed intent a scheduled campaign with bookings, the calendar's used days = the plan's
counted days; publishing again creates nothing. Roles, 409 and 422 on their own year."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import wait_until

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "plan-2027"
# The dev server outlives each test and a published campaign's workflow id comes from its
# line and request id: our own request ids keep this season's campaigns apart from those
# another test imports from examples/year-2027 (same request ids, another task queue).
RID_PREFIX = "season-"


def example(year: int = 2027) -> list[dict]:
    raw = json.loads((EXAMPLE / "intents.json").read_text())
    if year != 2027:
        text = json.dumps(raw).replace('"2027-', f'"{year}-')
        raw = json.loads(text)
    return [{**it, "request_id": RID_PREFIX + it["request_id"]} for it in raw]


def iid(it: dict) -> str:
    return f"intent-{it['business_line']}-{it['request_id']}"


async def test_season_end_to_end(api):
    intents = example()
    food = [it for it in intents if it["business_line"] == "food"]
    others = [it for it in intents if it["business_line"] != "food"]
    async with api.as_("yan.ops") as ops, api.as_("lin.food") as line, api.as_("wei.leader") as leader, \
            api.as_("mei.apparel") as apparel:
        r = await ops.post("/plans/2027", json={"intake_closes": "2027-01-31"})
        assert r.status_code == 201, r.text
        assert r.headers["location"] == "/plans/2027"
        assert (await ops.post("/plans/2027", json={})).status_code == 409

        bad = {**food[0], "request_id": "bad-1", "months": ["2027-13"]}
        r = await line.post("/plans/2027/intents", json={"intents": [*food, food[0], others[0], bad]})
        assert r.status_code == 200, r.text
        res = r.json()["results"]
        assert [x["status"] for x in res] == ["created"] * len(food) + ["exists", "invalid", "invalid"]
        assert res[-2]["error"]["code"] == "forbidden" and res[-1]["error"]["code"] == "invalid_request"
        r = await ops.post("/plans/2027/intents", json={"intents": others})
        assert {x["status"] for x in r.json()["results"]} == {"created"}
        assert (await ops.get("/plans/2027")).json()["intents"] == len(intents)
        mine = (await line.get("/plans/2027/intents")).json()
        assert mine["total"] == len(food) and {i["business_line"] for i in mine["items"]} == {"food"}
        assert all(i["score"] is not None and i["proposed_tier"] for i in mine["items"])

        s = json.loads((EXAMPLE / "s.json").read_text())
        by_rid = {it["request_id"]: it for it in intents}
        s_body = {"campaigns": [{"intent_id": iid(by_rid[RID_PREFIX + x["request_id"]]), "month": x["month"]} for x in s]}
        assert (await ops.post("/plans/2027/s", json=s_body)).status_code == 403
        r = await leader.post("/plans/2027/s", json=s_body)
        assert r.status_code == 200 and len(r.json()["s_fixed"]) == 3

        r = await ops.put("/plans/2027/settings", json={"budget": 100, "reserve": 120})
        assert r.status_code == 422 and "reserve" in r.json()["error"]["message"]
        r = await ops.put("/plans/2027/settings", json={"budget": 150, "reserve": 12, "marketing_budget": -1})
        assert r.status_code == 422 and "marketing_budget" in r.text
        r = await ops.put("/plans/2027/settings", json={"budget": 150, "reserve": 12, "marketing_budget": 5e9})
        assert r.status_code == 200, r.text
        assert r.json()["settings"]["marketing_budget"] == 5e9  # published as the policy's (DOMAIN.md "Money")

        r = await leader.post("/plans/2027/publish")
        assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
        r = await ops.post("/plans/2027/solve")
        assert r.status_code == 200, r.text
        first = r.json()
        assert first["status"] == "optimal" and first["tiers"]["S"] == 3

        sol = (await ops.get("/plans/2027/solution")).json()
        b = next(x for x in sol["decisions"] if x["tier"] == "B")
        assert (await ops.post("/plans/2027/pins", json={"intent_id": b["intent_id"], "cut": True})).status_code == 200
        r = await ops.post("/plans/2027/pins", json={"intent_id": b["intent_id"], "tier": "S"})
        assert r.status_code == 422
        assert (await leader.post("/plans/2027/publish")).status_code == 409  # changed since the solve
        second = (await ops.post("/plans/2027/solve")).json()
        sol = (await ops.get("/plans/2027/solution")).json()
        assert next(x for x in sol["decisions"] if x["intent_id"] == b["intent_id"])["decision"] == "cut"
        own = (await line.get("/plans/2027/solution")).json()
        assert {x["business_line"] for x in own["decisions"]} == {"food"}

        r = await leader.post("/plans/2027/scenarios", json={"name": "lean", "settings": {"budget": 100}})
        assert r.status_code == 201, r.text
        assert r.json()["summary"]["counted_days"] <= 100 - 12
        cmp = (await ops.get("/plans/2027/scenarios")).json()
        assert cmp["plan"]["summary"]["value"] == second["value"]
        lean = cmp["scenarios"][0]
        assert lean["name"] == "lean" and set(lean["differences"]) == {"moved", "cut", "placed"}
        assert sum(m["counted_days"] for m in lean["months"].values()) == lean["summary"]["counted_days"]
        assert (await ops.get("/plans/2027/solution")).json()["summary"]["value"] == second["value"]
        # money (issue 27): a gross-profit scenario under a marketing budget, side by side with the plan
        r = await leader.post("/plans/2027/scenarios", json={"name": "profit", "settings": {"objective": "revenue"}})
        assert r.status_code == 422 and "objective" in r.json()["error"]["message"]
        r = await leader.post("/plans/2027/scenarios", json={
            "name": "profit", "settings": {"objective": "gross_profit", "marketing_budget": 300_000_000}})
        assert r.status_code == 201, r.text
        cmp = (await ops.get("/plans/2027/scenarios")).json()
        plan_s = cmp["plan"]["summary"]
        profit = next(x for x in cmp["scenarios"] if x["name"] == "profit")
        ps = profit["summary"]
        assert ps["objective_kind"] == "gross_profit" and plan_s["objective_kind"] == "score_days"
        assert ps["money_used"] <= 300_000_000 == ps["money_for_planned"] and plan_s["money_for_planned"] == 5e9
        assert ps["value_gross_profit"] >= plan_s["value_gross_profit"] - len(intents)  # whole yuan in the model
        assert plan_s["value_score_days"] == plan_s["value"] >= ps["value_score_days"]
        page = await leader.get("/plans/2027.html")
        assert 'data-scenario="profit"' in page.text and 'data-scenario="lean"' in page.text
        assert f'data-k="value_gross_profit">{ps["value_gross_profit"]:,.0f}<' in page.text

        assert (await ops.post("/plans/2027/publish")).status_code == 403
        r = await leader.post("/plans/2027/publish")
        assert r.status_code == 202, r.text

        async def published():
            return (await ops.get("/plans/2027")).json()["status"] == "published"
        try:
            await wait_until(published, timeout=60, what="the plan published")
        except AssertionError:
            print(json.dumps((await ops.get("/plans/2027")).json()["publish"], indent=1))
            for prob in (await ops.get("/plans/2027")).json()["publish"]["problems"]:
                c = (await ops.get(f"/campaigns/{prob.split(':')[0]}")).json()
                print(c["reasons"], c["alternatives"], c["burst_start"], c["month"], c["tier"])
                print([x for x in sol["decisions"] if x["request_id"] == c["request_id"]])
            raise
        plan = (await ops.get("/plans/2027")).json()
        placed = second["placed"] + second["moved"] + second["downgraded"]
        assert plan["published"] and plan["publish"]["scheduled"] == placed == plan["publish"]["campaigns"]

        cal = (await ops.get("/calendar/2027")).json()
        assert cal["budget"]["used"] == second["counted_days"], cal["budget"]
        assert cal["money"]["budget"] == 5e9  # the plan's marketing budget is the year's policy
        items = (await ops.get("/plans/2027/intents")).json()["items"]
        for it in items:
            if it["status"] == "published":
                c = (await ops.get(f"/campaigns/{it['campaign_id']}")).json()
                assert c["status"] == "scheduled", c
                assert c["tier"] == "C" or c["bookings"], c
                assert c["history"][1]["type"] == "CampaignApproved" and c["history"][1]["actor"] == "wei.leader"
            else:
                assert it["status"] == "cut" and it["closed_reason"]
        cut_for_food = [i for i in (await line.get("/plans/2027/intents")).json()["items"] if i["status"] == "cut"]
        assert all(i["closed_reason"] for i in cut_for_food)

        page = await leader.get("/plans/2027.html")
        assert page.status_code == 200 and "Year plan 2027" in page.text and "published" in page.text

        total = (await ops.get("/campaigns", params={"limit": 500})).json()["total"]
        assert (await leader.post("/plans/2027/publish")).status_code == 202
        assert (await ops.get("/campaigns", params={"limit": 500})).json()["total"] == total
        r = await apparel.post("/plans/2027/intents", json={"intents": [{**others[0], "request_id": "late"}]})
        assert r.status_code == 409

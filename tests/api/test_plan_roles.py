"""Who may call which plan route (shared/API.md "The planning season"), and the plan's
422s with their reasons. Writes go to a year nobody opened, so an allowed call changes
nothing (404) while a refused one is 403."""

from __future__ import annotations

from tests.api.test_roles import WHO

OPEN, NONE = 2025, 2031  # plan-<year> workflows outlive each test on the shared dev server: one year each
ALL = {"owner", "other_line", "approver", "leader", "ops"}
READ = {"approver", "leader", "ops"}


def routes():
    pin = {"intent_id": "intent-food-x", "cut": True}
    return [
        ("open", "POST", f"/plans/{OPEN}", {}, {"ops"}),
        ("view", "GET", f"/plans/{OPEN}", None, ALL),
        ("close-intake", "POST", f"/plans/{NONE}/close-intake", None, {"ops"}),
        ("intents", "POST", f"/plans/{NONE}/intents", {"intents": []}, {"owner", "other_line", "ops"}),
        ("list intents", "GET", f"/plans/{OPEN}/intents", None, ALL),
        ("s", "POST", f"/plans/{NONE}/s", {"campaigns": []}, {"leader"}),
        ("settings", "PUT", f"/plans/{NONE}/settings", {}, {"ops"}),
        ("solve", "POST", f"/plans/{NONE}/solve", None, {"ops"}),
        ("solution", "GET", f"/plans/{OPEN}/solution", None, ALL),
        ("pin", "POST", f"/plans/{NONE}/pins", pin, {"ops"}),
        ("unpin", "DELETE", f"/plans/{NONE}/pins", pin, {"ops"}),
        ("scenario", "POST", f"/plans/{NONE}/scenarios", {"name": "x"}, {"ops", "leader"}),
        ("scenarios", "GET", f"/plans/{OPEN}/scenarios", None, READ),
        ("publish", "POST", f"/plans/{NONE}/publish", None, {"leader"}),
        ("page", "GET", f"/plans/{OPEN}.html", None, READ),
    ]


async def test_plan_role_route_matrix(api):
    async with api.as_("yan.ops") as ops:
        assert (await ops.post(f"/plans/{OPEN}", json={})).status_code == 201
    failures = []
    for name, method, path, payload, allowed in routes():
        for who, principal in WHO.items():
            async with api.as_(principal) as http:
                r = await http.request(method, path, json=payload)
            denied = r.status_code in (401, 403)
            if (who in allowed) == denied:
                failures.append(f"{name} as {who}: {r.status_code} {r.text[:160]}")
            if denied:
                assert r.json()["error"]["code"] == "forbidden", r.text
        async with api.as_(None) as http:
            if (await http.request(method, path, json=payload)).status_code != 401:
                failures.append(f"{name} without a token")
    assert not failures, "\n".join(failures)


async def test_plan_states_and_bad_input(api):
    year = 2029
    async with api.as_("yan.ops") as ops, api.as_("lin.food") as line, api.as_("wei.leader") as leader:
        assert (await ops.get(f"/plans/{year}")).status_code == 404
        assert (await ops.post("/plans/1999", json={})).status_code == 422
        assert (await ops.post(f"/plans/{year}", json={"intake_closes": "2029-02-01"})).status_code == 201
        it = {"request_id": "f-1", "name": "Spring snacks", "business_line": "food", "category": "food",
              "requested_tier": "B", "months": ["2029-03", "2029-04"], "revenue_target": 2_000_000,
              "gross_margin": 0.2, "forecast": {"traffic": 1_000_000, "avg_order_value": 100, "conversion_rate": 0.03}}
        res = (await line.post(f"/plans/{year}/intents", json={"intents": [
            it, {**it, "request_id": "f-2", "months": ["2030-01"]}, {**it, "request_id": "f-3", "hot_topic": True},
            "nonsense", {**it, "request_id": "f-4", "business_line": "apparel", "category": "apparel"}]})).json()
        assert [r["status"] for r in res["results"]] == ["created", "invalid", "invalid", "invalid", "invalid"]
        assert res["results"][4]["error"]["code"] == "forbidden"
        for body, word in (({"reserve": 500}, "reserve"), ({"month_caps": {"2030-01": {"A": 1}}}, "2030-01"),
                           ({"thresholds": {"base": {"a": 0.2, "b": 0.5}}}, "b <= a"),
                           ({"budget": -1}, "budget"), ({"colour": "red"}, "colour")):
            r = await ops.put(f"/plans/{year}/settings", json=body)
            assert r.status_code == 422 and word in r.json()["error"]["message"], (body, r.text)
        r = await ops.post(f"/plans/{year}/pins", json={"intent_id": "intent-food-f-1", "month": "2029-09"})
        assert r.status_code == 422 and "months" in r.json()["error"]["message"]
        r = await ops.post(f"/plans/{year}/pins", json={"intent_id": "intent-food-nope", "cut": True})
        assert r.status_code == 422
        r = await leader.post(f"/plans/{year}/s", json={"campaigns": [{"intent_id": "intent-food-nope",
                                                                       "month": "2029-06"}]})
        assert r.status_code == 422
        assert (await ops.get(f"/plans/{year}/solution")).status_code == 409
        assert (await leader.post(f"/plans/{year}/publish")).status_code == 409
        assert (await ops.request("DELETE", f"/plans/{year}/pins", json={"intent_id": "intent-food-f-1"})).status_code == 409
        assert (await ops.post(f"/plans/{year}/close-intake")).status_code == 200
        assert (await ops.post(f"/plans/{year}/close-intake")).status_code == 409
        r = await line.post(f"/plans/{year}/intents", json={"intents": [{**it, "request_id": "f-9"}]})
        assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
        assert (await ops.post(f"/plans/{year}/solve")).json()["status"] == "optimal"
        assert (await ops.get(f"/plans/{year}")).json()["status"] == "solved"

        # outside the season, requests still in review show on the calendar as ghosts
        from tests.api.conftest import A_EXTRA, body

        r = await line.post("/campaigns", json=body("ghost-1", tier="A", month=f"{year}-05", **A_EXTRA))
        assert r.status_code == 201 and r.json()["status"] == "in_review", r.text
        cal = (await ops.get(f"/calendar/{year}")).json()
        may = next(m for m in cal["months"] if m["month"] == f"{year}-05")
        assert [p["campaign_id"] for p in may["pending"]] == [r.json()["campaign_id"]]
        assert "+1 in review" in (await ops.get(f"/calendar/{year}.html")).text

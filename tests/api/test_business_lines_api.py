"""The business lines through the API (shared/API.md "Policy and reference data"): every
role reads them; ops change the strategic weight and annual target, each change an event of
`line-<line>` with actor and reason, read back by the review; bad values are 422 and
record nothing; the table is rebuilt from the log."""

from __future__ import annotations

import pytest

from store.projections import rebuild
from tests.api.conftest import body
from tests.conftest import wait_until

SEEDED = ["apparel", "beauty", "cross_border", "food", "home_appliances", "mother_baby"]


async def _line_events(pool, line: str) -> list[dict]:
    rows = await pool.fetch("SELECT seq, type, actor, reason, data FROM events WHERE campaign_id = $1 ORDER BY seq",
                            f"line-{line}")
    return [dict(r) for r in rows]


async def test_every_role_reads_the_seeded_lines_each_an_event(api):
    async with api.as_("lin.food") as food:
        items = (await food.get("/business-lines")).json()["items"]
    assert [i["business_line"] for i in items] == SEEDED
    food_line = next(i for i in items if i["business_line"] == "food")
    assert food_line["strategic_weight"] == 0.8 and food_line["annual_target"] == 1.2e9
    assert food_line["version"] == 1 and food_line["source"] == "seeded"
    seeded = await _line_events(api.pool, "food")
    assert [(e["seq"], e["type"], e["actor"]) for e in seeded] == [(1, "BusinessLineChanged", "promoflow")]


@pytest.mark.parametrize("changes, field", [
    ({"strategic_weight": 1.5}, "changes.strategic_weight"),
    ({"annual_target": -1}, "changes.annual_target"),
    ({"annual_progress": 5}, "changes.annual_progress"),  # results' figure, not an operator's
    ({}, "changes"),
])
async def test_a_bad_change_is_422_naming_the_key_and_records_nothing(api, changes, field):
    async with api.as_("yan.ops") as ops:
        before = (await ops.get("/business-lines")).json()
        r = await ops.patch("/business-lines/food", json={"changes": changes, "reason": "try"})
        assert r.status_code == 422, r.text
        assert field in [d["field"] for d in r.json()["error"]["details"]]
        assert (await ops.get("/business-lines")).json() == before
    assert len(await _line_events(api.pool, "food")) == 1


async def test_unknown_line_is_404_and_a_line_may_not_change_its_own(api):
    async with api.as_("yan.ops") as ops, api.as_("lin.food") as food:
        r = await ops.patch("/business-lines/pets", json={"changes": {"strategic_weight": 0.5}, "reason": "new"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        r = await food.patch("/business-lines/food", json={"changes": {"strategic_weight": 1.0}, "reason": "us"})
        assert r.status_code == 403
    assert len(await _line_events(api.pool, "food")) == 1


async def test_a_change_is_an_event_the_review_reads_and_a_rebuild_keeps(api):
    async with api.as_("yan.ops") as ops, api.as_("lin.food") as food:
        r = await ops.patch("/business-lines/food", json={"changes": {"strategic_weight": 0.1, "annual_target": 2e9},
                                                           "reason": "food is not this year's focus"})
        assert r.status_code == 200, r.text
        line = r.json()
        assert (line["strategic_weight"], line["annual_target"], line["version"]) == (0.1, 2e9, 2)
        events = await _line_events(api.pool, "food")
        assert events[-1]["actor"] == "yan.ops" and events[-1]["reason"] == "food is not this year's focus"
        assert events[-1]["data"]["changes"] == {"strategic_weight": 0.1, "annual_target": 2e9}

        cid = (await food.post("/campaigns", json=body("after-weight"))).json()["campaign_id"]

        async def scored():
            return "ReviewScored" in [e["type"] for e in (await food.get(f"/campaigns/{cid}/events")).json()]
        await wait_until(scored, what="scored")
        review = next(e for e in (await food.get(f"/campaigns/{cid}/events")).json() if e["type"] == "ReviewScored")
        assert review["data"]["factors"]["strategic_weight"] == 0.1

        listed = (await ops.get("/business-lines")).json()
        await api.pool.execute("TRUNCATE business_lines")
        await rebuild(api.pool)
        assert (await ops.get("/business-lines")).json() == listed

"""Categories staggered between months: the review flags a request whose category runs in
the month before or after (`category_adjacent_month`), a flag only: it never blocks."""

from __future__ import annotations

from tests.api.conftest import body
from tests.conftest import wait_until


async def _reviewed(http, cid: str) -> dict:
    async def ready() -> bool:
        return (await http.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
    await wait_until(ready, timeout=30, what=f"{cid} in review")
    return (await http.get(f"/campaigns/{cid}")).json()


async def test_a_category_beside_the_same_category_is_flagged_and_still_approved(api):
    await api.pool.execute(
        "INSERT INTO calendar_entries (campaign_id, year, month, tier, category, counted_days, hot_topic, phases) "
        "VALUES ('campaign-x-march', 2027, '2027-03', 'B', 'food', 1, false, '[]'::jsonb)")
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver:
        beside = await _reviewed(food, (await food.post("/campaigns", json=body("st-1", month="2027-04"))).json()
                                 ["campaign_id"])
        apart = await _reviewed(food, (await food.post("/campaigns", json=body("st-2", month="2027-06"))).json()
                                ["campaign_id"])
        assert [f.split(":")[0] for f in beside["flags"]] == ["category_adjacent_month"]
        assert "2027-03 (campaign-x-march)" in beside["flags"][0]
        assert apart["flags"] == []
        events = (await food.get(f"/campaigns/{beside['campaign_id']}/events")).json()
        scored = next(e for e in events if e["type"] == "ReviewScored")
        assert scored["data"]["flags"] == beside["flags"]
        r = await approver.post(f"/campaigns/{beside['campaign_id']}/approve", json={})
        assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text  # a flag never blocks

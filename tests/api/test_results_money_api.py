"""Money in results over real HTTP (shared/API.md "Money"): actuals rows with a promotion
cost and its bought-traffic part (bad ones 422 naming the row, nothing stored), the
outcome's cost, gross profit after promotion and ROI, and the year report's ROI by
mechanic and depth band for a history import of 200 campaigns with costs (JSON and page)."""

from __future__ import annotations

import json
import statistics
import time
from datetime import date

import pytest

from tests.api.test_results_api import actuals, history_item

FORECAST_SALES = 8_000_000 * 120 * 0.03  # A_EXTRA's forecast: 28.8 M
# four kinds of campaign, k = i % 4: mechanics (D in each depth band in turn), and sales ÷ forecast
KINDS = [
    ([{"type": "discount", "depth": 0.03, "platform_share": 1.0}], 0.5),
    ([{"type": "spend_save", "depth": 0.08, "platform_share": 0.5, "threshold": 300, "off": 24}], 0.75),
    ([{"type": "coupon", "depth": 0.12, "platform_share": 1.0}, {"type": "gift", "depth": 0.03, "platform_share": 0}],
     1.0),
    ([{"type": "discount", "depth": 0.15, "platform_share": 0.6}, {"type": "spend_save", "depth": 0.10,
                                                                    "platform_share": 0.5}], 1.25),
]


def campaign(i: int) -> dict:
    """Campaign i of kind k = i % 4, j = i // 4: 7 own days, each with a promotion cost of
    1,000 (100 of it bought traffic) and a gross profit of 1,000·(k+1) + 10·j, so its ROI is
    (k+1) + j/100 − 0.1."""
    k, j = i % 4, i // 4
    mechanics, share = KINDS[k]
    month = 1 + i % 10
    item = history_item(f"rm-money-{i}", f"2026-{month:02d}", date(2026, month, 7), FORECAST_SALES * share / 7)
    item["actuals"] = [{**row, "gross_profit": 1000.0 * (k + 1) + 10 * j, "promotion_cost": 1000.0,
                        "paid_traffic": 100.0} for row in item["actuals"][7:14]]  # the own days only
    return {**item, "mechanics": mechanics}


def roi(k: int, j: int) -> float:
    return (7 * (1000.0 * (k + 1) + 10 * j) - 700) / 7000


async def test_the_report_shows_roi_by_mechanic_and_depth_band_for_200_campaigns_with_costs(api):
    items = [campaign(i) for i in range(200)]
    async with api.as_("yan.ops") as ops, api.as_("jun.approver") as approver:
        for part in range(0, 200, 100):
            r = await ops.post("/history", json={"campaigns": items[part:part + 100]})
            assert r.status_code == 200, r.text
            assert {x["status"] for x in r.json()["results"]} == {"created"}, r.text[:500]
        o = (await ops.get("/campaigns/campaign-food-rm-money-7/outcome")).json()  # k = 3, j = 1
        assert (o["cost"], o["money_from"]) == (7000.0, "actuals")
        assert o["gross_profit_after"] == 7 * 4010.0 - 700 and o["roi"] == pytest.approx(roi(3, 1))
        assert o["mechanic_types"] == ["discount", "spend_save"] and o["depth"] == pytest.approx(0.25)

        started = time.perf_counter()
        r = await approver.get("/reports/2026")
        took = time.perf_counter() - started
        assert r.status_code == 200, r.text
        report = r.json()
        assert took < 1.0, f"the report of 200 campaigns took {took:.2f} s"
        ranked = sorted((c for c in report["campaigns"] if c["campaign_id"].startswith("campaign-food-rm-money-")),
                        key=lambda c: c["roi_rank"])
        assert len(ranked) == 200 and ranked[0]["campaign_id"] == "campaign-food-rm-money-199"  # k 3, j 49: best
        assert [c["roi"] for c in ranked] == sorted((c["roi"] for c in ranked), reverse=True)

        # discount: kinds 0 and 3; spend_save: 1 and 3; coupon and gift: 2 (50 campaigns each kind)
        want = {"discount": [0, 3], "spend_save": [1, 3], "coupon": [2], "gift": [2]}
        mechanic = {g["key"]: g for g in report["by_mechanic"]}
        assert set(want) <= set(mechanic)
        for key, kinds in want.items():
            g = mechanic[key]
            assert g["campaigns"] == 50 * len(kinds)
            assert g["median_roi"] == pytest.approx(statistics.median(roi(k, j) for k in kinds for j in range(50)))
            assert g["sales_over_forecast"] == pytest.approx(statistics.fmean(KINDS[k][1] for k in kinds))
        bands = report["by_depth_band"]
        assert [b["key"] for b in bands] == ["[0, 0.05)", "[0.05, 0.10)", "[0.10, 0.20)", "[0.20, 0.9)"]
        assert [b["campaigns"] for b in bands] == [50, 50, 50, 50]
        assert [b["median_roi"] for b in bands] == pytest.approx([k + 1.145 for k in range(4)])
        assert [b["sales_over_forecast"] for b in bands] == pytest.approx([0.5, 0.75, 1.0, 1.25])

        page = await approver.get("/reports/2026.html")
        assert page.status_code == 200
        for marker in ('id="roi-by-mechanic"', 'id="roi-by-depth-band"', "median ROI by mechanic",
                       "median ROI by depth band", "≥ 20 %", "campaign-food-rm-money-199"):
            assert marker in page.text, marker


async def test_bad_money_in_actuals_is_422_naming_the_row_and_stores_nothing(api):
    item = history_item("money-bad", "2026-09", date(2026, 9, 7), 400_000.0)
    async with api.as_("yan.ops") as ops:
        assert (await ops.post("/history", json={"campaigns": [item]})).json()["results"][0]["status"] == "created"
        cid = "campaign-food-money-bad"
        before = (await ops.get(f"/campaigns/{cid}/outcome")).json()
        assert before["money_from"] == "forecast" and before["cost"] == 0.0 and before["roi"] is None  # no mechanics
        day = actuals(date(2026, 9, 8), 1, 400_000.0)[0]
        for bad, words in (({"promotion_cost": -1.0}, "promotion_cost is negative"),
                           ({"paid_traffic": 50.0}, "without promotion_cost"),
                           ({"promotion_cost": 10.0, "paid_traffic": 50.0}, "exceeds promotion_cost")):
            r = await ops.post(f"/campaigns/{cid}/actuals", json={"rows": [day, {**day, **bad,
                                                                                "date": "2026-09-09"}]})
            assert r.status_code == 422 and "row 1" in r.json()["error"]["message"] and words in r.text, r.text
        infinite = json.dumps({"rows": [{**day, "promotion_cost": 1.0}]}).replace("1.0}", "1e999}")  # parsed as inf
        r = await ops.post(f"/campaigns/{cid}/actuals", content=infinite, headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and "promotion_cost" in r.text, r.text  # not a finite number
        assert (await ops.get(f"/campaigns/{cid}/outcome")).json() == before  # nothing stored
        # a correction that states the day's cost: the outcome's money now comes from the actuals
        r = await ops.post(f"/campaigns/{cid}/actuals", json={"rows": [{**day, "promotion_cost": 20_000.0,
                                                                         "paid_traffic": 5000.0}]})
        assert r.status_code == 200 and r.json()["corrected"] == 1, r.text
        o = (await ops.get(f"/campaigns/{cid}/outcome")).json()
        assert (o["money_from"], o["cost"], o["gross_profit_after"]) == ("actuals", 20_000.0, 7 * 80_000.0 - 5000)
        assert o["roi"] == pytest.approx((7 * 80_000 - 5000) / 20_000)


@pytest.mark.parametrize("campaign_id", ["campaign-food-\\u0000", "campaign-food-\\ud800"])  # as JSON escapes
async def test_bulk_actuals_for_a_campaign_id_postgresql_cannot_hold_is_422(api, campaign_id):
    """Found by schemathesis once the rows took money: a NUL or a lone surrogate in an
    item's campaign id reached the owners' lookup and failed there as a 500."""
    day = actuals(date(2026, 9, 8), 1, 400_000.0)[0]
    raw = json.dumps({"campaigns": [{"campaign_id": "CID", "rows": [day]}]}).replace("CID", campaign_id)
    async with api.as_("yan.ops") as ops:
        r = await ops.post("/actuals", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "campaign_id" in r.text, r.text

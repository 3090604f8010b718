"""Money through the API (shared/API.md "Money"): a request's mechanics, bought traffic and
entry figures are validated (422 naming the field, nothing started); the campaign's state
and the list carry its money by DOMAIN.md's formulas."""

from __future__ import annotations

import pytest

from tests.api.conftest import body

MECHANICS = [{"type": "spend_save", "depth": 0.12, "platform_share": 0.5, "threshold": 300, "off": 50},
             {"type": "coupon", "depth": 0.03, "platform_share": 1.0}]


async def test_the_state_and_the_list_carry_the_forecast_money(api):
    b = body("money-1", mechanics=MECHANICS, paid_traffic=100_000, skus=500, inventory_value=8_000_000)
    sales = 2_000_000 * 120.0 * 0.03  # 7.2 M
    async with api.as_("lin.food") as food:
        r = await food.post("/campaigns", json=b)
        assert r.status_code == 201, r.text
        state = (await food.get(r.headers["Location"])).json()
        listed = (await food.get("/campaigns")).json()["items"]
    k = 1 / (1 - 0.15)
    want = {"given_away": sales * 0.15 * k, "cost": sales * 0.12 * k * 0.5 + sales * 0.03 * k + 100_000,
            "margin_after": (0.25 - 0.15) * k, "gross_profit_after": sales * (0.25 - 0.15) * k - 100_000}
    for got in (state["money"], next(i for i in listed if i["request_id"] == "money-1")["money"]):
        assert got == pytest.approx(want)
    assert state["forecast_asked"] == state["forecast"] == b["forecast"]


@pytest.mark.parametrize("extra,field", [
    ({"mechanics": [{"type": "discount", "depth": 0.95, "platform_share": 0.5}]}, "depth"),
    ({"mechanics": [{"type": "discount", "depth": 0.5, "platform_share": 0.5},
                    {"type": "gift", "depth": 0.5, "platform_share": 0.5}]}, "mechanics"),
    ({"mechanics": [{"type": "discount", "depth": 0.1, "platform_share": -0.1}]}, "platform_share"),
    ({"paid_traffic": -5}, "paid_traffic"),
    ({"skus": "many"}, "skus"),
])
async def test_bad_money_is_422_naming_the_field_and_starts_nothing(api, extra, field):
    async with api.as_("lin.food") as food:
        r = await food.post("/campaigns", json=body("money-bad", **extra))
        assert r.status_code == 422, r.text
        assert field in r.text
        assert (await food.get("/campaigns/campaign-food-money-bad")).status_code == 404

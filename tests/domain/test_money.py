"""The money formulas (DOMAIN.md "Money"): hand-computed cases and their invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.campaign import CampaignRequest
from domain.money import Mechanic, money_of

S = 1_000_000.0  # forecast sales


def mech(depth: float, share: float, kind: str = "discount") -> Mechanic:
    return Mechanic(type=kind, depth=depth, platform_share=share)


def test_no_mechanics_gives_nothing_away_and_costs_only_the_bought_traffic():
    m = money_of(S, 0.3, [], paid_traffic=20_000)
    assert (m.given_away, m.cost, m.margin_after) == (0, 20_000, 0.3)
    assert m.gross_profit_after == pytest.approx(300_000 - 20_000)


def test_a_hand_computed_case():
    # D = 0.2: G = S·0.2/0.8 = 250,000; C = S·0.15/0.8·0.4 + S·0.05/0.8·1 + 10,000 = 75,000 + 62,500 + 10,000
    m = money_of(S, 0.3, [mech(0.15, 0.4), mech(0.05, 1.0, "coupon")], paid_traffic=10_000)
    assert m.given_away == pytest.approx(250_000)
    assert m.cost == pytest.approx(147_500)
    assert m.margin_after == pytest.approx((0.3 - 0.2) / 0.8)  # 0.125
    assert m.gross_profit_after == pytest.approx(S * 0.125 - 10_000)


def test_giving_away_more_than_the_margin_loses_money():
    m = money_of(S, 0.1, [mech(0.2, 0.5)])
    assert m.margin_after == pytest.approx(-0.125) and m.gross_profit_after < 0


depths = st.lists(st.tuples(st.floats(0, 0.3), st.floats(0, 1)), max_size=3).filter(
    lambda xs: sum(d for d, _ in xs) <= 0.9)


@given(sales=st.floats(0, 1e10), margin=st.floats(-1, 1), ms=depths, paid=st.floats(0, 1e8),
       extra=st.floats(0, 0.2))
def test_invariants(sales, margin, ms, paid, extra):
    mechanics = [mech(d, p) for d, p in ms]
    m = money_of(sales, margin, mechanics, paid)
    assert m.cost <= m.given_away + paid + 1e-6 * max(1.0, m.given_away + paid)
    assert m.given_away >= 0 and m.cost >= 0
    if not mechanics:
        assert m.margin_after == margin
    # GP never rises with depth: one more mechanic (if it fits) lowers or keeps it
    if sum(d for d, _ in ms) + extra <= 0.9:
        deeper = money_of(sales, margin, [*mechanics, mech(extra, 0.5)], paid)
        assert deeper.gross_profit_after <= m.gross_profit_after + 1e-6 * max(1.0, abs(m.gross_profit_after))


BASE = dict(request_id="r", name="n", business_line="food", category="food", month="2027-05",
            revenue_target=1_000_000, gross_margin=0.3,
            forecast={"traffic": 1_000_000, "avg_order_value": 100.0, "conversion_rate": 0.01})


@pytest.mark.parametrize("extra,field", [
    ({"mechanics": [{"type": "discount", "depth": 0.9, "platform_share": 0.5}]}, "mechanics.0.depth"),
    ({"mechanics": [{"type": "discount", "depth": -0.1, "platform_share": 0.5}]}, "mechanics.0.depth"),
    ({"mechanics": [{"type": "discount", "depth": 0.1, "platform_share": 1.5}]}, "mechanics.0.platform_share"),
    ({"mechanics": [{"type": "lottery", "depth": 0.1, "platform_share": 0.5}]}, "mechanics.0.type"),
    ({"mechanics": [{"type": "discount", "depth": 0.5, "platform_share": 0.5},
                    {"type": "coupon", "depth": 0.45, "platform_share": 0.5}]}, "mechanics"),
    ({"paid_traffic": -1}, "paid_traffic"),
    ({"paid_traffic": float("inf")}, "paid_traffic"),
    ({"inventory_value": float("nan")}, "inventory_value"),
    ({"skus": -3}, "skus"),
])
def test_bad_money_is_refused_naming_the_field(extra, field):
    with pytest.raises(ValidationError) as err:
        CampaignRequest.model_validate({**BASE, **extra})
    assert field in {".".join(str(p) for p in e["loc"]) for e in err.value.errors()}, err.value.errors()


def test_the_request_carries_its_money():
    r = CampaignRequest.model_validate({**BASE, "mechanics": [{"type": "spend_save", "depth": 0.12,
                                                               "platform_share": 0.5, "threshold": 300, "off": 50}],
                                        "paid_traffic": 5_000, "skus": 400, "inventory_value": 8e6})
    assert r.depth == pytest.approx(0.12)
    assert r.money.cost == pytest.approx(1_000_000 * 0.12 / 0.88 * 0.5 + 5_000)
    assert CampaignRequest.model_validate(BASE).depth is None  # no mechanics: depth not stated

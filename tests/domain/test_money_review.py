"""The review's money rules (DOMAIN.md "Money"): the margin floor with its numbers, the
entry standards per tier (like the minimums: a stated figure below a tier's standard keeps
the request below it, the reason naming the standard; not stated blocks nothing; a
leadership S stays S, flagged), and a tier's forecast scaled below the tier asked."""

from __future__ import annotations

import pytest

from domain import entry_standards
from domain import money_review as mr
from domain.campaign import CampaignRequest
from domain.policy import Policy
from domain.scoring import gate_tier, score_request
from domain.tiers import Tier

POLICY = Policy.for_year(2027, {})
LINE = POLICY.business_lines["food"]
A_FIGURES = {"revenue_target": 20_000_000, "gross_margin": 0.3,
             "forecast": {"traffic": 8_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03}}


def request(tier: str | None = "A", **extra) -> CampaignRequest:
    b = {"request_id": "r", "name": "n", "business_line": "food", "category": "food", "requested_tier": tier,
         "month": "2027-03", **A_FIGURES}
    b.update(extra)
    return CampaignRequest.model_validate(b)


def discount(depth: float) -> list[dict]:
    return [{"type": "discount", "depth": depth, "platform_share": 0.5}]


# ------------------------------------------------------------------ margin floor
def test_margin_below_the_floor_is_named_with_the_numbers():
    problem = mr.margin_problem(POLICY, request(gross_margin=0.23, mechanics=discount(0.20)))
    assert problem == ("margin after promotion 0.037 is below the floor 0.05 of food "
                       "(depth 0.20 on a gross margin of 0.23)")


def test_margin_at_or_above_the_floor_is_no_problem_and_the_floor_is_per_category():
    assert mr.margin_problem(POLICY, request(gross_margin=0.3, mechanics=discount(0.20))) is None  # m' 0.125
    assert mr.margin_problem(POLICY, request(gross_margin=0.05)) is None  # at the floor: no mechanics, m' = m
    strict = Policy.for_year(2027, {"margin_floor": {"default": 0.05, "food": 0.2}})
    assert "below the floor 0.20 of food (no mechanics; gross margin 0.15)" in (
        mr.margin_problem(strict, request(gross_margin=0.15)) or "")


def test_the_review_flags_the_margin():
    r = request(gross_margin=0.23, mechanics=discount(0.20))
    flags = mr.review_flags(POLICY, r, score_request(POLICY, LINE, r), leadership=False)
    assert flags[0].startswith("margin_below_floor: margin after promotion 0.037")


# ------------------------------------------------------------------ entry standards
def test_nothing_stated_is_not_stated_everywhere_and_blocks_nothing():
    r = request()
    table = entry_standards.standards_table(POLICY, r)
    assert {j["status"] for tier in table.values() for j in tier.values()} == {"not stated"}
    assert score_request(POLICY, LINE, r).proposed_tier == Tier.A
    assert gate_tier(POLICY, r, Tier.A) == (Tier.A, [])


def test_skus_below_a_standard_proposes_b_with_the_reason_naming_the_standard():
    r = request(skus=200)
    review = score_request(POLICY, LINE, r)
    assert review.proposed_tier == Tier.B
    assert score_request(POLICY, LINE, r, standards=False).proposed_tier == Tier.A  # the score allows A
    assert gate_tier(POLICY, r, Tier.A) == (Tier.B, ["not A: skus 200 below A's 300 (the A entry standard)"])
    assert mr.review_flags(POLICY, r, review, leadership=False) == [
        "entry_standards: not A: skus 200 below A's 300 (the A entry standard)"]
    table = entry_standards.standards_table(POLICY, r)
    assert table["A"]["skus"] == {"status": "not met", "stated": 200.0, "standard": 300.0}
    assert table["B"]["skus"]["status"] == "met"
    assert table["A"]["depth"]["status"] == "not stated"


def test_every_stated_figure_is_judged_and_below_b_is_c():
    r = request(skus=10, inventory_value=100_000, mechanics=discount(0.02))
    tier, why = gate_tier(POLICY, r, Tier.A)
    assert tier == Tier.C
    assert why[1] == ("not B: depth 0.02 below B's 0.05 and skus 10 below B's 30 and inventory value 100,000 "
                      "below B's 500,000 (the B entry standard)")


def test_standards_and_minimums_name_both_when_both_fail():
    r = request(revenue_target=100_000, skus=200)
    _, why = gate_tier(POLICY, r, Tier.A)
    assert why[0] == ("not A: revenue target 100,000 < 2,000,000 (the A minimum in month 3); "
                      "skus 200 below A's 300 (the A entry standard)")


def test_a_leadership_s_below_its_standards_stays_s_flagged():
    r = request(tier="S", skus=500, inventory_value=60_000_000, mechanics=discount(0.2))
    review = score_request(POLICY, LINE, r)
    flags = mr.review_flags(POLICY, r, review, leadership=True)
    assert flags == ["entry_standards: S below its entry standards: skus 500 below S's 2,000 "
                     "(stays S: leadership's choice)"]
    assert mr.review_flags(POLICY, r, review, leadership=False) == []


def test_a_re_review_replaces_only_its_own_flags():
    kept = "category_adjacent_month: food runs in 2027-02 too"
    assert mr.without_money_flags([kept, "margin_below_floor: x", "entry_standards: y"]) == [kept]


# ------------------------------------------------------------------ the tier's forecast
@pytest.mark.parametrize("asked,tier,traffic", [
    (Tier.A, Tier.A, 8_000_000), (Tier.A, Tier.B, 4_000_000), (Tier.S, Tier.B, 2_000_000),
    (Tier.B, Tier.C, 4_000_000), (None, Tier.B, 8_000_000),
])
def test_a_tier_below_the_one_asked_scales_the_forecast_traffic_per_step(asked, tier, traffic):
    r = request()
    f = mr.tier_forecast(POLICY, r.forecast, asked, tier)
    assert f.traffic == traffic
    assert (f.avg_order_value, f.conversion_rate) == (r.forecast.avg_order_value, r.forecast.conversion_rate)


def test_the_money_follows_the_scaled_forecast_and_the_factor_is_the_policys():
    r = request(mechanics=discount(0.1), paid_traffic=50_000)
    half = mr.tier_forecast(POLICY, r.forecast, Tier.A, Tier.B)
    m = mr.money_at(r, half)
    assert m.given_away == pytest.approx(r.money.given_away / 2)
    assert m.cost == pytest.approx((r.money.cost - 50_000) / 2 + 50_000)
    assert m.margin_after == pytest.approx(r.money.margin_after)
    thirds = Policy.for_year(2027, {"downgrade_traffic_factor": 0.3})
    assert mr.tier_forecast(thirds, r.forecast, Tier.A, Tier.B).traffic == 2_400_000

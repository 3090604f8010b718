import pytest
from domain_helpers import make_request
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.campaign import Forecast
from domain.policy import Policy
from domain.scoring import FACTORS, BusinessLineContext, gate_tier, revenue_check, score_request
from domain.tiers import Tier

POLICY = Policy.for_year(2027)


def line(**kw) -> BusinessLineContext:
    base = dict(business_line="food", strategic_weight=0.5, annual_target=1e9, annual_progress=5e8,
                month_revenue=8e7, month_revenue_norm=8e7)
    base.update(kw)
    return BusinessLineContext(**base)


def test_api_example_scores_as_a(policy):
    r = score_request(policy, policy.business_lines["food"], make_request())
    assert set(r.factors) == set(FACTORS)
    assert all(0 <= v <= 1 for v in r.factors.values())
    assert r.score >= policy.thresholds_for(9).a and r.proposed_tier == Tier.A


def test_score_is_the_weighted_sum(policy):
    r = score_request(policy, line(), make_request())
    w = policy.score_weights.model_dump()
    assert r.score == pytest.approx(sum(w[k] * r.factors[k] for k in FACTORS), abs=1e-6)


def test_strategic_lines_score_higher(policy):
    req = make_request()
    low = score_request(policy, line(strategic_weight=0.1), req)
    high = score_request(policy, line(strategic_weight=0.9), req)
    assert high.score > low.score


def test_lines_behind_target_score_higher(policy):
    req = make_request()
    ahead = score_request(policy, line(annual_progress=9e8), req)
    behind = score_request(policy, line(annual_progress=1e8), req)
    assert behind.factors["annual_progress_gap"] > ahead.factors["annual_progress_gap"]
    assert behind.score > ahead.score
    weak_month = score_request(policy, line(month_revenue=2e7), req)
    strong_month = score_request(policy, line(month_revenue=9e7), req)
    assert weak_month.score > strong_month.score


def test_revenue_target_is_normalised_by_policy(policy):
    big = score_request(policy, line(), make_request(revenue_target=policy.scoring.revenue_target_full * 3))
    half = score_request(policy, line(), make_request(revenue_target=policy.scoring.revenue_target_full / 2))
    assert big.factors["revenue_target"] == 1.0
    assert half.factors["revenue_target"] == pytest.approx(0.5)


def test_negative_margin_scores_zero(policy):
    assert score_request(policy, line(), make_request(gross_margin=-0.2)).factors["gross_margin"] == 0.0


def test_seasonality(policy):
    in_season = score_request(policy, line(), make_request(month="2027-09"))
    off_season = score_request(policy, line(), make_request(month="2027-03"))
    assert in_season.factors["seasonality"] == 1.0
    assert off_season.factors["seasonality"] == policy.scoring.off_season
    unknown = score_request(policy, line(), make_request(category="toys"))
    assert unknown.factors["seasonality"] == policy.scoring.unknown_season


def _strong_line():
    return line(strategic_weight=1.0, annual_progress=0, month_revenue=0)


def test_requested_tier_is_an_upper_bound(policy):
    strong = _strong_line()
    req_b = make_request(requested_tier="B", revenue_target=5e7, gross_margin=0.5)
    r = score_request(policy, strong, req_b)
    assert r.score >= policy.thresholds.s and r.proposed_tier == Tier.B
    assert score_request(policy, strong, make_request(requested_tier="C")).proposed_tier == Tier.C


def test_s_only_when_requested(policy):
    strong = _strong_line()
    req = dict(revenue_target=5e7, gross_margin=0.5)
    assert score_request(policy, strong, make_request(requested_tier="S", **req)).proposed_tier == Tier.S
    assert score_request(policy, strong, make_request(requested_tier=None, **req)).proposed_tier == Tier.A
    assert score_request(policy, strong, make_request(requested_tier="A", **req)).proposed_tier == Tier.A


def test_weak_request_falls_to_c(policy):
    weak = line(strategic_weight=0.0, annual_progress=1e9, month_revenue=1e8)
    r = score_request(policy, weak, make_request(month="2027-03", revenue_target=0, gross_margin=0))
    assert r.score < policy.thresholds.b and r.proposed_tier == Tier.C


def test_month_thresholds_turn_a_into_b():
    # same request, same score: March uses the base thresholds, the override raises them
    base = Policy.for_year(2027)
    strict = Policy.for_year(2027, {"month_thresholds": {"3": {"a": 0.95, "b": 0.3, "s": 0.99}}})
    req = make_request(month="2027-03", category="apparel", business_line="apparel")
    ctx = line(strategic_weight=0.9, annual_progress=1e8)
    loose_r = score_request(base, ctx, req)
    strict_r = score_request(strict, ctx, req)
    assert loose_r.score == strict_r.score
    assert loose_r.proposed_tier == Tier.A and strict_r.proposed_tier == Tier.B


def test_hot_topic_follows_the_same_rules(policy):
    a = score_request(policy, policy.business_lines["food"], make_request())
    b = score_request(policy, policy.business_lines["food"], make_request(hot_topic=True))
    assert (a.score, a.proposed_tier) == (b.score, b.proposed_tier)


def test_revenue_check_flags_unreachable_targets_with_numbers():
    ok = revenue_check(make_request())  # 4,000,000 x 150 x 0.025 = 15,000,000
    assert ok.forecast_sales == pytest.approx(15_000_000) and ok.reachable and ok.gap == 0
    bad = revenue_check(make_request(revenue_target=20_000_000))
    assert not bad.reachable and bad.gap == pytest.approx(5_000_000)
    assert "15,000,000" in bad.message and "20,000,000" in bad.message and "5,000,000" in bad.message


@settings(max_examples=200, deadline=None)
@given(
    sw=st.floats(0, 1), prog=st.floats(0, 2e9), month_rev=st.floats(0, 2e8),
    target=st.floats(0, 1e8), margin=st.floats(-1, 1), m=st.integers(1, 12),
    requested=st.sampled_from([None, "S", "A", "B", "C"]),
)
def test_score_bounds_and_cap(sw, prog, month_rev, target, margin, m, requested):
    policy = POLICY
    req = make_request(month=f"2027-{m:02d}", revenue_target=target, gross_margin=margin, requested_tier=requested)
    r = score_request(policy, line(strategic_weight=sw, annual_progress=prog, month_revenue=month_rev), req)
    assert 0 <= r.score <= 1
    if requested is not None:
        assert not Tier(requested).is_below(r.proposed_tier)
    if r.proposed_tier == Tier.S:
        assert requested == "S"


def test_festival_months_and_s_requests_fit_every_category(policy):
    from domain.scoring import factors
    from tests.workflows.helpers import request

    line = policy.business_lines["apparel"]
    off = factors(policy, line, request(Tier.B, "2027-07", line="apparel"))["seasonality"]
    assert off < 1
    assert factors(policy, line, request(Tier.B, "2027-11", line="apparel"))["seasonality"] == 1  # Double 11
    assert factors(policy, line, request(Tier.S, "2027-07", line="apparel"))["seasonality"] == 1  # company-wide


def test_the_example_year_is_proposed_the_playbooks_mix():
    """3 S + 9 A + 27 B requested: the default thresholds keep S and B, and nearly every A."""
    import json
    from pathlib import Path

    from domain.campaign import CampaignRequest
    from domain.policy import Policy
    from domain.scoring import score_request

    p = Policy.for_year(2027)
    rows = json.loads((Path(__file__).resolve().parents[2] / "examples" / "year-2027.json").read_text())
    proposed = [score_request(p, p.business_lines[r.business_line], r).proposed_tier
                for r in (CampaignRequest(**row) for row in rows)]
    assert proposed.count(Tier.S) == 3 and proposed.count(Tier.C) == 0
    assert proposed.count(Tier.A) >= 8


# ---------------------------------------------------------------- explicit minimums (DOMAIN.md)
def test_zero_revenue_and_traffic_is_never_a_or_b(policy):
    """The weighted score alone once proposed A for a request with nothing to show."""
    strong = _strong_line()
    req = make_request(revenue_target=0, forecast=Forecast(traffic=0, avg_order_value=100, conversion_rate=0.02),
                       gross_margin=0.4)
    r = score_request(policy, strong, req)
    assert r.score >= policy.thresholds.a  # the score alone would say A
    assert r.proposed_tier == Tier.C


def test_minimums_gate_a_into_b(policy):
    strong = _strong_line()
    a_min = policy.minimum_for(Tier.A, 9)
    b_min = policy.minimum_for(Tier.B, 9)
    assert (a_min.revenue_target, a_min.forecast_traffic) == (2_000_000, 500_000)
    assert (b_min.revenue_target, b_min.forecast_traffic) == (500_000, 100_000)
    # enough for B, short of A on traffic
    req = make_request(revenue_target=3_000_000, gross_margin=0.4,
                       forecast=Forecast(traffic=400_000, avg_order_value=150, conversion_rate=0.05))
    assert score_request(policy, strong, req).proposed_tier == Tier.B
    tier, why = gate_tier(policy, req, Tier.A)
    assert tier == Tier.B and "forecast traffic 400,000 < 500,000" in why[0]


def test_minimums_per_month():
    p = Policy.for_year(2027, {"month_tier_minimums": {"9": {"A": {"revenue_target": 5e7, "forecast_traffic": 1}}}})
    strong = _strong_line()
    req = make_request(revenue_target=2e7, gross_margin=0.4)
    assert score_request(p, strong, req).proposed_tier == Tier.B  # September asks more of an A
    assert score_request(p, strong, make_request(month="2027-10", revenue_target=2e7, gross_margin=0.4)
                         ).proposed_tier == Tier.A


def test_s_is_not_gated_by_the_minimums(policy):
    strong = _strong_line()
    req = make_request(requested_tier="S", revenue_target=5e7, gross_margin=0.5,
                       forecast=Forecast(traffic=1, avg_order_value=1, conversion_rate=0.01))
    assert score_request(policy, strong, req).proposed_tier == Tier.S


# ---------------------------------------------------------------- per-month raises
def test_month_thresholds_are_raises_over_the_base():
    base = Policy.for_year(2027)
    raised = Policy.for_year(2027, {"thresholds": {"a": 0.75, "b": 0.5, "s": 0.8}})
    for p in (base, raised):
        for m in (6, 11):
            assert p.thresholds_for(m).a > p.thresholds_for(3).a  # 618 and Double 11 stay above quiet months
            assert p.thresholds_for(m).b > p.thresholds_for(3).b
    assert raised.thresholds_for(11).a == pytest.approx(0.75 + 0.06)


def test_a_raise_that_breaks_the_order_is_refused():
    with pytest.raises(ValueError, match="month 11"):
        Policy.for_year(2027, {"thresholds": {"a": 0.62, "b": 0.35, "s": 0.65},
                               "month_threshold_raises": {"11": {"a": 0.2, "s": 0.0}}})


def test_legacy_absolute_month_thresholds_keep_their_numbers():
    p = Policy.for_year(2027, {"month_thresholds": {"3": {"a": 0.95, "b": 0.3, "s": 0.99}}})
    assert p.thresholds_for(3).a == pytest.approx(0.95) and p.thresholds_for(3).s == pytest.approx(0.99)

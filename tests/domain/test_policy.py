from datetime import date

import pytest
from pydantic import ValidationError

from domain.campaign import PhaseName
from domain.policy import Policy, Thresholds, festival_dates
from domain.tiers import Tier, cap_tier


def test_tier_rhythm_defaults(policy):
    s, a, b, c = (policy.rule(t) for t in (Tier.S, Tier.A, Tier.B, Tier.C))
    assert (s.warmup_days, s.burst_days, s.encore_days, s.counted_days) == (16, 5, 3, 21)
    assert (a.warmup_days, a.burst_days, a.counted_days) == (4, 3, 7)
    assert b.burst_days == 1 and b.counted_days == 1  # B's warm-up runs on its own resources
    assert c.counted_days == 0 and c.burst_days == 0 and c.approver_roles == []
    assert s.max_per_year == 3 and s.max_per_month == 1
    assert a.max_per_month == 1 and policy.a_per_month_with_override == 2
    assert b.max_per_month == 3 and c.max_per_month is None
    assert s.approver_roles == ["leader"] and set(a.approver_roles) == {"approver", "leader"}
    assert s.min_lead_days >= 90 and s.min_lead_months == 3


def test_counted_days_are_warmup_plus_burst_for_s_and_a(policy):
    for t in (Tier.S, Tier.A):
        r = policy.rule(t)
        assert r.counted_days == r.warmup_days + r.burst_days


def test_playbook_arithmetic_is_153_days_over_a_150_cap(policy):
    total = 3 * policy.rule(Tier.S).counted_days + 9 * policy.rule(Tier.A).counted_days + 27 * policy.rule(Tier.B).counted_days
    assert total == 153
    assert policy.yearly_budget_days == 150 and total > policy.yearly_budget_days
    assert 0 < policy.hot_topic_reserve_days < policy.yearly_budget_days


def test_thresholds_per_month(policy):
    assert policy.thresholds_for(3) == Thresholds(a=0.62, b=0.35, s=0.65)
    assert policy.thresholds_for(11).a > policy.thresholds.a  # crowded months are stricter
    assert policy.thresholds_for(6).a > policy.thresholds.a


def test_for_year_deep_merges_json_overrides():
    p = Policy.for_year(2027, {
        "yearly_budget_days": 140,
        "month_thresholds": {"11": {"a": 0.66, "b": 0.38}, "3": {"a": 0.9, "b": 0.6, "s": 0.95}},
        "tiers": {"A": {"max_per_month": 2}},
        "category_seasons": {"toys": [6, 12]},
    })
    assert p.yearly_budget_days == 140
    assert p.thresholds_for(11).a == 0.66 and p.thresholds_for(11).b == 0.38
    assert p.thresholds_for(11).s == Policy.for_year(2027).thresholds_for(11).s  # untouched key kept
    assert p.thresholds_for(3).a == 0.9
    assert p.rule(Tier.A).max_per_month == 2 and p.rule(Tier.A).counted_days == 7
    assert p.category_seasons["toys"] == [6, 12] and "food" in p.category_seasons
    assert Policy.for_year(2027).yearly_budget_days == 150  # defaults not mutated


def test_policy_round_trips_through_json(policy):
    assert Policy.model_validate_json(policy.model_dump_json()) == policy


def test_policy_is_frozen(policy):
    with pytest.raises(ValidationError):
        policy.yearly_budget_days = 10


@pytest.mark.parametrize("bad", [
    {"score_weights": {"seasonality": 0.9}},              # weights no longer sum to 1
    {"thresholds": {"a": 0.3, "b": 0.5}},                 # b above a
    {"hot_topic_reserve_days": 200},
    {"tiers": {"A": {"counted_days": 99}}},
    {"entitlements": {"A": [{"resource": "nope", "units": 1, "phases": ["burst"], "required": True}]}},
])
def test_invalid_overrides_are_refused(bad):
    with pytest.raises(ValidationError):
        Policy.for_year(2027, bad)


@pytest.mark.parametrize("year,month", [(2026, 2), (2027, 2), (2028, 1)])
def test_spring_festival_month(year, month):
    p = Policy.for_year(year)
    assert p.is_spring_festival_month(f"{year}-{month:02d}")
    assert [m for m in range(1, 13) if p.is_spring_festival_month(f"{year}-{m:02d}")] == [month]


def test_spring_festival_days_from_engineering_notes():
    p = Policy.for_year(2027)
    assert p.spring_festival[2026] == date(2026, 2, 17)
    assert p.spring_festival[2027] == date(2027, 2, 6)
    assert p.spring_festival[2028] == date(2028, 1, 26)


def test_holidays_cover_this_year_and_next(policy):
    assert date(2027, 10, 1) in policy.holidays and date(2028, 1, 26) in policy.holidays


def test_festival_dates():
    f = festival_dates(2027)
    assert f["double_11"] == date(2027, 11, 11) and f["618"] == date(2027, 6, 18) and f["double_12"] == date(2027, 12, 12)
    assert f["black_friday"] == date(2027, 11, 26)
    assert festival_dates(2026)["black_friday"] == date(2026, 11, 27)
    assert festival_dates(2030)["black_friday"] == date(2030, 11, 29)  # Nov 1 2030 is a Friday: not the 4th Friday
    for y in range(2025, 2031):
        bf = festival_dates(y)["black_friday"]
        assert bf.weekday() == 4 and 23 <= bf.day <= 29  # the day after the 4th Thursday (22..28)


def test_category_seasons_follow_the_playbook(policy):
    s = policy.category_seasons
    assert 6 in s["mother_baby"] and 5 in s["mother_baby"]
    assert {2, 3} <= set(s["beauty"])
    assert 9 in s["food"] and 5 in s["food"]        # Mid-Autumn 2027-09-15, 517
    assert s["cross_border"] == [11] and s["home_appliances"] == [8]
    assert 10 in Policy.for_year(2025).category_seasons["food"]  # Mid-Autumn 2025 is Oct 6


def test_business_lines_seeded(policy):
    assert {"food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border"} <= set(policy.business_lines)


def test_cap_tier_never_raises():
    assert cap_tier(Tier.A, Tier.B) == Tier.B
    assert cap_tier(Tier.B, Tier.S) == Tier.B
    assert cap_tier(Tier.S, None) == Tier.S


def test_phase_names_exist():
    assert {p.value for p in PhaseName} == {"warmup", "burst", "encore"}

"""Bad input: a clear error naming the item and field; never a crash or a partial plan."""

import pytest
from planner_gen import intent, plan_input

from domain.planning import (
    PlanInputError,
    parse_intents,
    parse_pins,
    parse_s,
    parse_settings,
    plan,
)

GOOD = {
    "request_id": "r1", "name": "n", "business_line": "food", "category": "food", "requested_tier": "A",
    "months": ["2027-09", "2027-10"], "revenue_target": 1e7, "gross_margin": 0.2,
    "forecast": {"traffic": 1000000, "avg_order_value": 100.0, "conversion_rate": 0.05},
}


def test_months_outside_the_year():
    inp = plan_input(parse_intents([{**GOOD, "months": ["2027-09", "2028-01"]}]))
    with pytest.raises(PlanInputError) as e:
        plan(inp)
    assert e.value.item == "intents[0] (r1)" and e.value.field == "months[1]" and "2028-01" in str(e.value)


def test_unknown_line():
    inp = plan_input(parse_intents([{**GOOD, "business_line": "toys", "category": "toys"}]))
    with pytest.raises(PlanInputError, match=r"intents\[0\] \(r1\), field business_line: unknown business line 'toys'"):
        plan(inp)


def test_pin_to_a_month_not_in_the_list():
    inp = plan_input(parse_intents([GOOD]), pins=parse_pins([{"request_id": "r1", "month": "2027-03"}]))
    with pytest.raises(PlanInputError, match=r"pins\[0\] \(r1\), field month: 2027-03 is not one of"):
        plan(inp)


@pytest.mark.parametrize("change, field", [
    ({"revenue_target": -5}, "revenue_target"),
    ({"forecast": {**GOOD["forecast"], "traffic": -1}}, "forecast.traffic"),
    ({"months": ["2027-13"]}, "months"),
    ({"months": []}, "month"),
])
def test_negative_numbers_and_bad_fields_name_the_item(change, field):
    with pytest.raises(PlanInputError) as e:
        parse_intents([GOOD, {**GOOD, "request_id": "r2", **change}])
    assert e.value.item == "intents[1] (r2)" and e.value.field.startswith(field), str(e.value)


def test_negative_settings_and_unknown_keys():
    with pytest.raises(PlanInputError, match="settings, field budget"):
        parse_settings({"budget": -1})
    with pytest.raises(PlanInputError, match=r"settings, field month_caps.2027-05.A"):
        parse_settings({"month_caps": {"2027-05": {"A": -2}}})
    with pytest.raises(PlanInputError, match="settings, field colour"):
        parse_settings({"colour": 1})
    inp = plan_input(parse_intents([GOOD]), settings=parse_settings({"budget": 10, "reserve": 20}))
    with pytest.raises(PlanInputError, match="settings, field reserve"):
        plan(inp)


def test_s_and_pin_cross_checks():
    with pytest.raises(PlanInputError, match=r"s\[0\] \(nope\), field request_id: no intent"):
        plan(plan_input(parse_intents([GOOD]), s={"nope": "2027-09"}))
    with pytest.raises(PlanInputError, match="only leadership"):
        plan(plan_input(parse_intents([GOOD]), pins=parse_pins([{"request_id": "r1", "tier": "S"}])))
    with pytest.raises(PlanInputError, match="leadership fixed this intent as S"):
        plan(plan_input(parse_intents([GOOD]), s={"r1": "2027-09"}, pins=parse_pins([{"request_id": "r1", "cut": True}])))
    with pytest.raises(PlanInputError, match=r"pins\[0\] \(r1\)"):
        parse_pins([{"request_id": "r1"}])
    with pytest.raises(PlanInputError, match=r"s\[0\] \(r1\), field month"):
        parse_s([{"request_id": "r1", "month": "September"}])


def test_duplicate_request_ids_and_not_a_list():
    with pytest.raises(PlanInputError, match=r"intents\[1\] \(g0001\), field request_id"):
        plan(plan_input([intent(1, 0, [3], "B", 1e6, 2e5), intent(1, 1, [4], "B", 1e6, 2e5)]))
    with pytest.raises(PlanInputError, match="must be a JSON list"):
        parse_intents({"request_id": "r1"})


def test_as_of_is_today_for_the_lead_rules():
    """A season solved on Sep 24 cannot give an A (7 days of lead) a September burst: it
    takes October; planned a year ahead (no as_of) it keeps its preferred September."""
    from datetime import date

    a = {**GOOD, "months": ["2027-09", "2027-10"]}
    ahead = plan(plan_input(parse_intents([a])))
    late = plan(plan_input(parse_intents([a]), as_of=date(2027, 9, 24)))
    (d_ahead,), (d_late,) = ahead.decisions, late.decisions
    assert (d_ahead.tier, d_ahead.month) == ("A", "2027-09")
    assert (d_late.tier, d_late.month) == ("A", "2027-10")
    assert d_late.burst_start is not None and (d_late.burst_start - date(2027, 9, 24)).days >= 7
    only_sept = plan(plan_input(parse_intents([{**GOOD, "months": ["2027-09"]}]), as_of=date(2027, 9, 24)))
    assert only_sept.decisions[0].decision == "cut"
    assert "no burst day left in 2027-09 for A with 7 days of lead" in only_sept.decisions[0].reason

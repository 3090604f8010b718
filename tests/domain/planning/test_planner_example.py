"""The playbook's example year (examples/plan-2027) and the planner's fixed behaviours."""

import json
from pathlib import Path

import pytest
from planner_checker import plan_value, violations
from planner_gen import intent, plan_input

from domain.months import months_of_year
from domain.planning import Pin, PlanInput, Settings, parse_intents, parse_s, plan
from domain.planning.baseline import first_come_first_served
from domain.policy import Policy
from domain.tiers import Tier

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "plan-2027"


def example(**kw) -> PlanInput:
    kw.setdefault("s_fixed", parse_s(json.loads((EXAMPLE / "s.json").read_text())))
    return PlanInput(year=2027, policy=Policy.for_year(2027),
                     intents=parse_intents(json.loads((EXAMPLE / "intents.json").read_text())), **kw)


@pytest.fixture(scope="module")
def solved():
    inp = example()
    return inp, plan(inp)


def test_example_year_is_optimal_and_keeps_every_rule(solved):
    inp, sol = solved
    assert sol.summary.status == "optimal"
    assert sol.summary.objective == pytest.approx(sol.summary.bound)
    assert violations(inp, sol.decisions, sol.summary.value) == []
    assert len(sol.decisions) == 39 and all(d.reason for d in sol.decisions)


def test_example_year_leadership_s_in_their_months(solved):
    _, sol = solved
    s = {d.request_id: d.month for d in sol.decisions if d.tier == Tier.S}
    assert s == {"y2027-020": "2027-06", "y2027-030": "2027-09", "y2027-035": "2027-11"}
    by = {d.request_id: d for d in sol.decisions}
    assert str(by["y2027-020"].burst_start) == "2027-06-18" and str(by["y2027-035"].burst_start) == "2027-11-11"
    for m in ("2027-06", "2027-09", "2027-11"):
        assert [d.request_id for d in sol.decisions if d.month == m and d.tier in (Tier.A, Tier.B)] == []


def test_example_year_caps_budget_and_distinct_days(solved):
    _, sol = solved
    pol = Policy.for_year(2027)
    for m in months_of_year(2027):
        here = [d for d in sol.decisions if d.month == m]
        assert sum(d.tier == Tier.A for d in here) <= (0 if m == "2027-02" else 1)
        assert sum(d.tier == Tier.B for d in here) <= 3
        starts = [d.burst_start for d in here if d.tier in (Tier.A, Tier.B, Tier.S)]
        assert len(starts) == len(set(starts))
    assert sol.summary.counted_days <= pol.yearly_budget_days - pol.hot_topic_reserve_days
    assert sol.summary.counted_days == sum(pol.rule(d.tier).counted_days for d in sol.decisions if d.tier)


def test_818_beats_back_to_school_for_august(solved):
    _, sol = solved
    by = {d.request_id: d for d in sol.decisions}
    assert (by["y2027-025"].tier, by["y2027-025"].month) == (Tier.A, "2027-08")
    school = by["y2027-026"]
    assert school.tier != Tier.A or school.month != "2027-08"
    assert "y2027-025" in school.reason


def test_value_at_least_first_come_first_served_in_arrival_order_and_s_first(solved):
    inp, sol = solved
    pol = Policy.for_year(2027)
    s_ids = {s.request_id for s in inp.s_fixed}
    arrival = list(range(len(inp.intents)))
    for order in (arrival, sorted(arrival, key=lambda i: inp.intents[i].request_id not in s_ids)):
        assert sol.summary.value >= plan_value(pol, first_come_first_served(inp, order)) - 1e-9


def test_same_input_same_output(solved):
    inp, sol = solved
    again = plan(inp)
    assert again.model_dump(exclude={"summary": {"seconds"}}) == sol.model_dump(exclude={"summary": {"seconds"}})


def test_progress_reports_incumbent_bound_and_gap():
    seen = []
    plan(example(), progress=seen.append)
    assert seen and {"objective", "bound", "gap", "seconds", "stage"} <= set(seen[0])


def test_pins_are_kept():
    inp = example(pins=[Pin(request_id="y2027-026", month="2027-08", tier=Tier.A), Pin(request_id="y2027-001", cut=True)])
    sol = plan(inp)
    assert violations(inp, sol.decisions, sol.summary.value) == []
    by = {d.request_id: d for d in sol.decisions}
    assert (by["y2027-026"].tier, by["y2027-026"].month) == (Tier.A, "2027-08")
    assert by["y2027-025"].tier != Tier.A or by["y2027-025"].month != "2027-08"
    assert by["y2027-001"].decision == "cut" and "pin" in by["y2027-001"].reason


def test_impossible_pins_name_the_conflicting_rules():
    inp = example(pins=[Pin(request_id="y2027-026", month="2027-09")])
    sol = plan(inp)
    assert sol.summary.status == "infeasible" and sol.decisions == []
    text = " | ".join(sol.summary.conflicts)
    assert "pin y2027-026: month 2027-09" in text and "y2027-030" in text


def test_leadership_s_in_one_month_twice_is_infeasible_with_reasons():
    inp = example(s_fixed=parse_s([{"request_id": "y2027-030", "month": "2027-09"},
                                   {"request_id": "y2027-026", "month": "2027-09"}]))
    sol = plan(inp)
    assert sol.summary.status == "infeasible"
    assert any("y2027-026" in c for c in sol.summary.conflicts)


def test_month_caps_and_budget_from_settings():
    inp = example(settings=Settings(budget=120, reserve=10, month_caps={"2027-08": {"A": 2}}))
    sol = plan(inp)
    assert violations(inp, sol.decisions, sol.summary.value) == []
    by = {d.request_id: d for d in sol.decisions}
    assert sol.summary.counted_days <= 110
    assert [by["y2027-025"].month, by["y2027-025"].tier] == ["2027-08", Tier.A]


def test_targets_cap_the_placed_a_and_b():
    inp = example(settings=Settings(targets={"A": 4, "B": 20}))
    sol = plan(inp)
    assert sol.summary.tiers["A"] <= 4 and sol.summary.tiers["B"] <= 20
    assert sol.summary.calibration["placed"] == {"A": sol.summary.tiers["A"], "B": sol.summary.tiers["B"]}


def test_unleaded_s_is_never_s_and_c_is_placed_at_no_cost():
    inp = plan_input([intent(1, 0, [5], "S", 3e7, 9e6), intent(2, 1, [5], "C", 1e6, 1e5)])
    by = {d.request_id: d for d in plan(inp).decisions}
    assert by["g0001"].tier == Tier.A and by["g0001"].decision == "downgraded"
    assert "leadership" in by["g0001"].reason
    assert (by["g0002"].tier, by["g0002"].decision, by["g0002"].phases) == (Tier.C, "placed", [])


def test_minimums_gate_before_the_score():
    # a strong line and margin but a small revenue target: never A whatever the score
    inp = plan_input([intent(1, 4, [8], "A", 1.5e6, 9e6, margin=0.5)])
    d = plan(inp).decisions[0]
    assert d.tier == Tier.B and "minimum" in d.reason


def test_no_a_in_the_spring_festival_month():
    inp = plan_input([intent(1, 4, [2], "A", 3e7, 9e6, margin=0.5)])
    d = plan(inp).decisions[0]
    assert d.tier == Tier.B and "Spring Festival" in d.reason


def test_late_s_burst_closes_the_next_month():
    # an S in late November whose burst runs into December closes December too
    inp = plan_input([intent(1, 1, [11], "S", 3e7, 9e6, burst_start="2027-11-29"),
                      intent(2, 0, [12], "A", 3e7, 9e6, margin=0.5)], s={"g0001": "2027-11"})
    by = {d.request_id: d for d in plan(inp).decisions}
    assert str(by["g0001"].burst_start) == "2027-11-29"
    assert by["g0002"].decision == "cut" and "g0001" in by["g0002"].reason

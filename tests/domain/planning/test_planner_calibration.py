"""Step 7, calibration: with targets the planner chooses the base A/B thresholds (the policy's
per-month raises kept) so that the placed A and B come as close to the targets as they can
without exceeding them, and reports the thresholds and the counts one step either side."""

import pytest
from planner_checker import violations
from test_planner_example import example

from domain.planning import Settings, plan
from domain.planning.model import ThresholdSettings
from domain.policy import ThresholdRaise, Thresholds
from domain.tiers import Tier


@pytest.fixture(scope="module")
def free():
    return plan(example())


def tiers(sol):
    return {d.request_id: (d.decision, d.tier, d.month) for d in sol.decisions}


def with_thresholds(report) -> Settings:
    th = report["thresholds"]
    return Settings(thresholds=ThresholdSettings(base=Thresholds(**th["base"]),
                                                 raises={k: ThresholdRaise(**r) for k, r in th["raises"].items()}))


def test_targets_below_the_free_counts_raise_the_thresholds_and_reproduce(free):
    assert (free.summary.tiers["A"], free.summary.tiers["B"]) == (7, 26)
    inp = example(settings=Settings(targets={"A": 4, "B": 20}))
    sol = plan(inp)
    s, cal = sol.summary, sol.summary.calibration
    assert s.status == "optimal" and violations(inp, sol.decisions, s.value) == []
    assert s.tiers["A"] <= 4 and s.tiers["B"] <= 20
    assert cal["met_by"] == {"A": "thresholds", "B": "thresholds"}
    assert cal["placed"] == {"A": s.tiers["A"], "B": s.tiers["B"]}
    base = cal["thresholds"]["base"]
    assert base["a"] > 0.62 and base["b"] > 0.35 and base["b"] <= base["a"] <= base["s"]
    # June and November keep their raise over the chosen base
    june = cal["thresholds"]["months"]["2027-06"]
    assert june["a"] == pytest.approx(base["a"] + 0.06) and june["b"] == pytest.approx(base["b"] + 0.05)
    assert s.thresholds["2027-06"] == june
    # the thresholds, applied as a settings override without targets, give the same plan
    again = plan(example(settings=with_thresholds(cal)))
    assert again.summary.calibration is None and tiers(again) == tiers(sol)
    # one step lower exceeds the target, one step higher does not
    a_step, b_step = cal["steps"]["A"], cal["steps"]["B"]
    assert a_step["lower"]["a"] < base["a"] < a_step["higher"]["a"]
    assert a_step["lower"]["placed"]["A"] > 4 >= a_step["higher"]["placed"]["A"]
    assert b_step["lower"]["b"] < base["b"] < b_step["higher"]["b"]
    low = b_step["lower"]["placed"]
    assert low["B"] > 20 or low["A"] > 4
    assert b_step["higher"]["placed"]["B"] <= 20
    assert cal["probes"] >= 4 and cal["probe_seconds"] > 0


def test_targets_above_the_free_counts_lower_the_a_threshold(free):
    sol = plan(example(settings=Settings(targets={"A": 12})))
    cal = sol.summary.calibration
    assert free.summary.tiers["A"] < sol.summary.tiers["A"] <= 12
    assert cal["thresholds"]["base"]["a"] < 0.62 and cal["steps"]["A"]["chosen"]["placed"]["A"] <= 12
    assert tiers(plan(example(settings=with_thresholds(cal)))) == tiers(sol)


def test_targets_already_met_keep_the_policy_thresholds(free):
    sol = plan(example(settings=Settings(targets={"A": 7})))
    assert sol.summary.calibration["thresholds"]["base"]["a"] == 0.62
    assert tiers(sol) == tiers(free)


def test_a_target_thresholds_cannot_reach_stays_a_cap():
    # B can never drop to 8 by the B threshold alone (b <= a): A-worthy intents past the A caps run as B
    # (10 was out of reach too before the example year stated its mechanics: depth lowers m' and the scores)
    sol = plan(example(settings=Settings(targets={"B": 8})))
    assert sol.summary.calibration["met_by"] == {"B": "cap"}
    assert sol.summary.tiers["B"] <= 8


def test_zero_targets_leave_only_leadership_s():
    sol = plan(example(settings=Settings(targets={"A": 0, "B": 0})))
    assert sol.summary.tiers["A"] == sol.summary.tiers["B"] == 0 and sol.summary.tiers["S"] == 3
    assert all(d.tier in (Tier.S, Tier.C) for d in sol.decisions)

"""Step 4, merges: with "merge": true the planner merges an intent it would cut into a partner
of the same line and category running in one of its months; without it, suggestions."""

import pytest
from planner_checker import violations
from planner_gen import intent, plan_input

from domain.planning import Pin, Settings, plan

# May: room for one A and one B; June closed. g0003 (food, B) loses May's B to g0002,
# g0004 (apparel) likewise, but only g0003 has a food partner running in May (g0001, A).
INTENTS = [intent(1, 0, [5, 6], "A", 8e6, 6e5), intent(2, 0, [5], "B", 2.5e6, 6e5),
           intent(3, 0, [5], "B", 1e6, 2e5), intent(4, 1, [5], "B", 1e6, 2e5)]
CAPS = {"2027-05": {"A": 1, "B": 1}, "2027-06": {"A": 0, "B": 0}}


def year(merge: bool):
    inp = plan_input(INTENTS, settings=Settings(merge=merge, month_caps=CAPS))
    return inp, plan(inp)


def test_without_the_flag_the_pairs_are_suggested_and_nothing_is_merged():
    _, sol = year(False)
    by = {d.request_id: d for d in sol.decisions}
    assert by["g0003"].decision == "cut" and sol.summary.merged == 0
    pairs = [s["intents"] for s in sol.summary.merge_suggestions]
    assert ["g0001", "g0003"] in pairs and all("g0004" not in p for p in pairs)


def test_with_the_flag_a_cut_intent_rides_on_its_partner():
    _, sol0 = year(False)
    inp, sol = year(True)
    assert violations(inp, sol.decisions, sol.summary.value) == []
    by = {d.request_id: d for d in sol.decisions}
    m = by["g0003"]
    assert (m.decision, m.merged_with, m.month, m.tier, m.burst_start) == ("merged", "g0001", "2027-05", None, None)
    assert "g0001" in m.reason and "counts once" in m.reason
    assert "carries the merged g0003" in by["g0001"].reason
    assert by["g0004"].decision == "cut"  # no partner of its line
    s = sol.summary
    assert (s.merged, s.cut, s.tie_breaks["merges"]) == (1, 1, 1)
    # the merged one adds no value and no days; the plan is otherwise the same
    assert s.value == pytest.approx(sol0.summary.value) and s.counted_days == sol0.summary.counted_days
    assert s.merge_suggestions == []


def test_the_checker_refuses_a_bad_merge():
    inp, sol = year(True)
    bad = [d.model_copy(update={"merged_with": "g0002", "month": "2027-05"}) if d.request_id == "g0003" else d
           for d in sol.decisions]
    assert violations(inp, bad, sol.summary.value) == []  # g0002 is a food B in May: a valid partner too
    bad = [d.model_copy(update={"merged_with": "g0004"}) if d.request_id == "g0003" else d for d in sol.decisions]
    assert any("partner g0004" in v for v in violations(inp, bad, sol.summary.value))
    inp0, _ = year(False)
    assert any("merge" in v for v in violations(inp0, sol.decisions, sol.summary.value))


def test_a_pinned_intent_runs_and_may_carry_a_merge():
    inp = plan_input(INTENTS, settings=Settings(merge=True, month_caps=CAPS),
                     pins=[Pin(request_id="g0003", month="2027-05")])
    sol = plan(inp)
    assert violations(inp, sol.decisions, sol.summary.value) == []
    by = {d.request_id: d for d in sol.decisions}
    assert by["g0003"].decision == "placed" and by["g0002"].merged_with in ("g0001", "g0003")

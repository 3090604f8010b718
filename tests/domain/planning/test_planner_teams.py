"""Team capacity is a hard constraint of the year planner, as on the live path: whatever the
intents, no ISO week of a placed plan needs more people-days from a team than it has."""

from hypothesis import HealthCheck, given, settings
from planner_checker import violations
from planner_gen import intent, plan_input
from test_planner_properties import years

from domain.planning import plan
from domain.policy import Policy

YEAR = 2027


def tight(cs: int = 4, ops: int = 30, **more) -> Policy:
    teams = [{**t, "capacity": cs} if t["key"] == "customer_service" else
             {**t, "capacity": ops} if t["key"] == "operations" else t for t in Policy.defaults(YEAR)["teams"]]
    return Policy.for_year(YEAR, {"teams": teams, **more})


def test_one_b_a_week_when_customer_service_has_people_for_one():
    # twelve B intents for March, the cap raised to 8: customer service (4 a week, a B needs 4) takes one a week
    intents = [intent(k, k % 6, [3], "B", 1e6, 2e5) for k in range(12)]
    eight = {"tiers": {"B": {"max_per_month": 8}}}
    loose = plan(plan_input(intents).model_copy(update={"policy": Policy.for_year(YEAR, eight)}), time_limit=20)
    inp = plan_input(intents).model_copy(update={"policy": tight(cs=4, **eight)})
    sol = plan(inp, time_limit=20)
    assert sol.summary.status == "optimal"
    assert violations(inp, sol.decisions, sol.summary.value) == []
    weeks = [d.burst_start.isocalendar()[:2] for d in sol.decisions if d.tier is not None and d.tier.value == "B"]
    assert len(weeks) == len(set(weeks)), "two B bursts in one week"
    assert loose.summary.placed > sol.summary.placed == len(weeks)  # the teams bound, not the caps


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(years())
def test_no_week_of_a_plan_passes_a_teams_capacity(year):
    inp, _ = year
    inp = inp.model_copy(update={"policy": tight(cs=12, ops=8)})
    sol = plan(inp, time_limit=20)
    assert sol.summary.status in ("optimal", "infeasible"), sol.summary
    if sol.summary.status == "optimal":
        assert violations(inp, sol.decisions, sol.summary.value) == []

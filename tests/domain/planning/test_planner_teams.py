"""Team capacity is a hard constraint of the year planner, as on the live path: whatever the
intents, and whatever order they come in, no ISO week of a placed plan needs more
people-days from a team than it has."""

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from planner_checker import violations
from planner_gen import intent, plan_input
from test_planner_properties import years

from domain.approvals.preparation import team_demand
from domain.planning import Decision, PlanInput, plan
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


def _team_weeks_over(policy: Policy, decisions: list[Decision]) -> dict[tuple[str, str], int]:
    """Team-weeks whose demand passes capacity, summed with the live path's own function
    (domain.approvals.preparation.team_demand) over the placed decisions' tiers and phases."""
    load: dict[tuple[str, str], int] = defaultdict(int)
    for d in decisions:
        if d.tier is not None and d.month is not None and d.phases:
            for key, n in team_demand(policy, d.tier, d.phases).items():
                load[key] += n
    capacity = {t.key: t.capacity for t in policy.teams}
    return {k: n for k, n in load.items() if k[0] in capacity and n > capacity[k[0]]}


# S needs less than the default here, so that a leadership S still fits a tight week alone
# while an A and a B in one week (or an S burst and anything) pass it: the teams bind.
LIGHT_S = {"team_needs": {"S": [{"team": "design", "phase": "warmup", "people_days": 15},
                                {"team": "operations", "phase": "warmup", "people_days": 4},
                                {"team": "operations", "phase": "burst", "people_days": 6},
                                {"team": "customer_service", "phase": "burst", "people_days": 8},
                                {"team": "tech_on_call", "phase": "burst", "people_days": 8}]}}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(years())
def test_a_shuffled_year_never_plans_a_teams_week_past_capacity(year):
    inp, order = year
    tight_inp = inp.model_copy(update={"policy": tight(cs=10, ops=6, **LIGHT_S)})
    shuffled: PlanInput = tight_inp.model_copy(update={"intents": [tight_inp.intents[i] for i in order]})
    sol = plan(shuffled, time_limit=20)
    assert sol.summary.status in ("optimal", "infeasible"), sol.summary
    if sol.summary.status != "optimal":
        return
    assert _team_weeks_over(shuffled.policy, sol.decisions) == {}
    assert violations(shuffled, sol.decisions, sol.summary.value) == []
    # the order changes nothing the plan is judged by: the same optimum as in arrival order
    first = plan(tight_inp, time_limit=20)
    assert first.summary.status == "optimal"
    assert abs((first.summary.objective or 0) - (sol.summary.objective or 0)) <= 1e-6

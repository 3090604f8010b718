"""Milestones worked back from the burst, and team demand per ISO week against capacity."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import events as ev
from domain.approvals.people import Milestone, MilestoneStatus
from domain.approvals.preparation import (
    add_loads,
    escalation_target,
    iso_week,
    move_milestones,
    next_overdue,
    now_overdue,
    overdue_at,
    plan_milestones,
    team_demand,
    team_problems,
    week_loads,
    weeks_of_year,
    weeks_touched,
)
from domain.campaign import Phase, PhaseName
from domain.dates import choose_burst_start
from domain.policy import Policy
from domain.tiers import Tier

POLICY = Policy.for_year(2027)


def test_s_milestones_are_worked_back_from_the_burst_start():
    t = date(2027, 11, 9)
    ms = plan_milestones(POLICY, Tier.S, t, today=date(2027, 6, 1))
    assert [(m.key, (m.due - t).days, m.team) for m in ms] == [
        ("plan", -90, "leadership"), ("registration", -60, "business_line"), ("brief", -45, "operations"),
        ("creative", -21, "design"), ("stock", -14, "business_line"), ("setup", -3, "operations"),
        ("retro", 14, "promotion")]
    assert all(m.status == MilestoneStatus.OPEN for m in ms)


@pytest.mark.parametrize("tier,offsets", [(Tier.A, [-21, -10, -7, -2, 7]), (Tier.B, [-7, -1]), (Tier.C, [])])
def test_each_tier_has_the_domain_defaults(tier, offsets):
    t = date(2027, 5, 11)
    assert [(m.due - t).days for m in plan_milestones(POLICY, tier, t, date(2027, 1, 1))] == offsets


def test_a_late_campaign_owes_its_missed_milestones_today():
    t, today = date(2027, 11, 9), date(2027, 10, 1)
    ms = plan_milestones(POLICY, Tier.S, t, today)
    assert [m.due for m in ms][:3] == [today, today, today]  # plan, registration, brief: past -> today
    assert ms[3].due == t - timedelta(days=21)


def test_overdue_at_the_end_of_the_due_day_in_the_policy_time_zone():
    m = Milestone(key="setup", name="site set up", team="operations", due=date(2027, 11, 6))
    assert overdue_at(POLICY, m) == datetime(2027, 11, 6, 16, 0, tzinfo=UTC)  # midnight UTC+8
    assert next_overdue(POLICY, [m]) == overdue_at(POLICY, m)
    assert now_overdue(POLICY, [m], overdue_at(POLICY, m) - timedelta(seconds=1)) == []
    assert now_overdue(POLICY, [m], overdue_at(POLICY, m)) == [m]
    done = m.model_copy(update={"status": MilestoneStatus.DONE})
    assert next_overdue(POLICY, [done]) is None and now_overdue(POLICY, [done], overdue_at(POLICY, m)) == []


def test_an_overdue_milestone_escalates_to_its_teams_lead_else_ops():
    assert escalation_target(POLICY, "design") == "ops"  # the default teams name no lead
    teams = [{**t, "lead": "dana.design"} if t["key"] == "design" else t for t in Policy.defaults(2027)["teams"]]
    led = Policy.for_year(2027, {"teams": teams})
    assert escalation_target(led, "design") == "dana.design"
    assert escalation_target(led, "operations") == "ops"
    assert escalation_target(led, "business_line") == "ops"  # a milestone team that is no capacity team
    # an event recorded before the field existed reads as ops (no team had a lead then)
    old = ev.parse_body("MilestoneOverdue", 1, {"key": "setup", "due": "2027-03-08", "team": "operations"})
    assert isinstance(old, ev.MilestoneOverdue) and old.escalate_to == "ops"
    new = ev.MilestoneOverdue(key="creative", due=date(2027, 3, 2), team="design", escalate_to="dana.design")
    assert ev.parse_body("MilestoneOverdue", 1, new.model_dump(mode="json", exclude={"type"})) == new


def test_moving_the_burst_moves_only_open_milestones():
    t = date(2027, 6, 15)
    ms = plan_milestones(POLICY, Tier.A, t, date(2027, 1, 1))
    ms[0] = ms[0].model_copy(update={"status": MilestoneStatus.DONE, "done_by": "yan.ops"})
    ms[1] = ms[1].model_copy(update={"status": MilestoneStatus.OVERDUE})
    moved, moves = move_milestones(POLICY, ms, Tier.A, t + timedelta(days=28), date(2027, 1, 1))
    assert [mv.key for mv in moves] == ["stock", "setup", "retro"]
    assert all((mv.to_due - mv.from_due).days == 28 for mv in moves)
    by_key = {m.key: m for m in moved}
    assert by_key["brief"].due == ms[0].due and by_key["creative"].due == ms[1].due
    assert by_key["retro"].due == t + timedelta(days=35)


def test_iso_weeks():
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert weeks_touched(date(2027, 11, 5), date(2027, 11, 9)) == ["2027-W44", "2027-W45"]
    assert weeks_touched(date(2027, 11, 9), date(2027, 11, 10)) == ["2027-W45"]
    assert weeks_touched(date(2027, 11, 9), date(2027, 11, 9)) == []
    assert len(weeks_of_year(2026)) == 53 and weeks_of_year(2027)[-1] == "2027-W52"


def test_team_demand_per_phase_and_week():
    phases = [Phase(phase=PhaseName.WARMUP, start=date(2027, 10, 24), end=date(2027, 11, 9)),
              Phase(phase=PhaseName.BURST, start=date(2027, 11, 9), end=date(2027, 11, 14)),
              Phase(phase=PhaseName.ENCORE, start=date(2027, 11, 14), end=date(2027, 11, 17))]
    d = team_demand(POLICY, Tier.S, phases)
    assert d[("design", "2027-W42")] == 15 and d[("design", "2027-W45")] == 15 and ("design", "2027-W46") not in d
    assert d[("operations", "2027-W45")] == 30  # warm-up Mon 8 Nov (10) + burst (20)
    assert d[("customer_service", "2027-W45")] == 40 and d[("tech_on_call", "2027-W45")] == 8
    b = team_demand(POLICY, Tier.B, [Phase(phase=PhaseName.BURST, start=date(2027, 3, 9), end=date(2027, 3, 10))])
    assert b == {("operations", "2027-W10"): 2, ("customer_service", "2027-W10"): 4}
    assert team_demand(POLICY, Tier.C, []) == {}


def test_a_week_full_for_a_team_names_the_team_and_the_week():
    adding = {("customer_service", "2027-W45"): 40}
    assert team_problems(POLICY, {("customer_service", "2027-W45"): 20}, adding) == []
    reasons = team_problems(POLICY, {("customer_service", "2027-W45"): 21}, adding)
    assert reasons == ["team customer_service is full in 2027-W45: 21 of 60 people-days taken, this campaign needs 40"]
    assert team_problems(POLICY, {}, {("nobody", "2027-W45"): 999}) == []  # unknown team: no limit


def test_week_loads_list_every_team_and_week_with_the_campaigns_behind():
    b = [Phase(phase=PhaseName.BURST, start=date(2027, 3, 9), end=date(2027, 3, 10))]
    rows = week_loads(POLICY, [("c1", Tier.B, b), ("c2", Tier.B, b)], weeks_of_year(2027))
    assert len(rows) == 4 * 52
    cs = next(r for r in rows if r.team == "customer_service" and r.week == "2027-W10")
    assert (cs.capacity, cs.demand, cs.campaigns) == (60, 8, ["c1", "c2"])


def test_policy_refuses_team_needs_of_unknown_teams():
    with pytest.raises(ValueError, match="unknown teams"):
        Policy.for_year(2027, {"team_needs": {"B": [{"team": "ghosts", "phase": "burst", "people_days": 1}]}})


TIGHT = Policy.for_year(2027, {"teams": [{"key": "design", "name": "design", "capacity": 20},
                                         {"key": "operations", "name": "operations", "capacity": 12},
                                         {"key": "customer_service", "name": "customer service", "capacity": 30},
                                         {"key": "tech_on_call", "name": "tech on call", "capacity": 10}]})
MONTHS = ["2027-03", "2027-05", "2027-09", "2027-11"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([Tier.S, Tier.A, Tier.B, Tier.C]), st.sampled_from(MONTHS)),
                max_size=25), st.sampled_from([POLICY, TIGHT]))
def test_whatever_the_order_no_week_passes_a_teams_capacity(requests, policy):
    """The live path's rule: accept a campaign only when no week of its teams would pass capacity."""
    load: dict = {}
    for tier, month in requests:
        choice = choose_burst_start(policy, tier, month, None, date(2027, 1, 4))
        if choice.burst_start is None:
            continue
        adding = team_demand(policy, tier, choice.phases)
        if not team_problems(policy, load, adding):
            load = add_loads(load, adding)
    capacity = {t.key: t.capacity for t in policy.teams}
    assert all(n <= capacity[team] for (team, _), n in load.items())


def _one_at_a_time(policy: Policy, requests: list[tuple[Tier, str]]) -> tuple[dict, list[tuple[dict, dict, list[str]]]]:
    """The live path's pure check, campaign after campaign (as reserve_month calls it through
    activities/teams.py): the load accepted, and each refusal with what it wanted, the load it
    met and its reasons."""
    load: dict = {}
    refused = []
    for tier, month in requests:
        choice = choose_burst_start(policy, tier, month, None, date(2027, 1, 4))
        if choice.burst_start is None:
            continue
        adding = team_demand(policy, tier, choice.phases)
        problems = team_problems(policy, load, adding)
        if problems:
            refused.append((adding, load, problems))
        else:
            load = add_loads(load, adding)
    return load, refused


@settings(max_examples=40, deadline=None)
@given(st.data(), st.lists(st.tuples(st.sampled_from([Tier.S, Tier.A, Tier.B, Tier.C]), st.sampled_from(MONTHS)),
                           min_size=1, max_size=25), st.sampled_from([POLICY, TIGHT]))
def test_any_order_of_one_set_of_campaigns_keeps_every_teams_week_within_capacity(data, requests, policy):
    """One random set of campaigns in several orders: whichever get in first, no ISO week of
    any team passes its capacity, and every refusal names exactly the team-weeks it would pass."""
    capacity = {t.key: t.capacity for t in policy.teams}
    for order in (requests, data.draw(st.permutations(requests)), requests[::-1]):
        load, refused = _one_at_a_time(policy, order)
        assert all(n <= capacity[team] for (team, _), n in load.items()), load
        for adding, before, reasons in refused:
            over = sorted((week, team) for (team, week), n in adding.items()
                          if team in capacity and n > 0 and before.get((team, week), 0) + n > capacity[team])
            assert [r.split(":")[0] for r in reasons] == [f"team {team} is full in {week}" for week, team in over]

"""Preparation and people: milestones worked back from the burst, and team capacity per ISO week.

Pure rules over the policy's numbers (DOMAIN.md "Preparation and people"), shared by the
workflow (milestone dates and their overdue instants), the reservation activity (a week
whose team demand would pass capacity is full for that team) and the API's views.

- A milestone is due `offset_days` from the burst start T, in the policy time zone; one
  whose date has already passed when the campaign is scheduled (a late or hot-topic
  campaign) is due the day it is scheduled: the work is still owed, at once. It becomes
  overdue when its due day ends (midnight after it, policy time zone).
- An overdue milestone escalates to its team's lead (the policy's teams), else to ops: the
  `MilestoneOverdue` event names the target, so a webhook subscriber knows whom to tell.
- A phase needs its people-days per week from a team in every ISO week it touches (B's
  one-day burst: in the week of its day). A week's demand is the sum over the campaigns
  holding a place; it may never pass the team's capacity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.approvals.people import ESCALATE_TO_OPS, Milestone, MilestoneMove, MilestoneStatus
from domain.campaign import Phase
from domain.dates import phase_start_instant
from domain.policy import Policy
from domain.tiers import Tier

# (team, ISO week "YYYY-Www") -> people-days
TeamLoad = dict[tuple[str, str], int]


# ---------------------------------------------------------------- milestones
def plan_milestones(policy: Policy, tier: Tier, burst_start: date, today: date) -> list[Milestone]:
    """The tier's milestones for a burst starting `burst_start`, none due before `today`."""
    out = [Milestone(key=s.key, name=s.name, team=s.team, due=max(burst_start + timedelta(days=s.offset_days), today))
           for s in policy.milestones.get(tier, [])]
    return sorted(out, key=lambda m: m.due)  # stable: the policy's order among equal dates


def overdue_at(policy: Policy, milestone: Milestone) -> datetime:
    """When an open milestone becomes overdue: the end of its due day, policy time zone."""
    return phase_start_instant(policy, milestone.due + timedelta(days=1))


def next_overdue(policy: Policy, milestones: Iterable[Milestone]) -> datetime | None:
    """The earliest instant an open milestone becomes overdue (None: none is open)."""
    return min((overdue_at(policy, m) for m in milestones if m.status == MilestoneStatus.OPEN), default=None)


def now_overdue(policy: Policy, milestones: Iterable[Milestone], now: datetime) -> list[Milestone]:
    """Open milestones whose due day has ended by `now`."""
    return [m for m in milestones if m.status == MilestoneStatus.OPEN and overdue_at(policy, m) <= now]


def escalation_target(policy: Policy, team: str) -> str:
    """Whom an overdue milestone of `team` escalates to: the team's lead, else ops."""
    lead = next((t.lead for t in policy.teams if t.key == team), None)
    return lead or ESCALATE_TO_OPS


def move_milestones(policy: Policy, current: list[Milestone], tier: Tier, burst_start: date,
                    today: date) -> tuple[list[Milestone], list[MilestoneMove]]:
    """The campaign moved to a new burst: its open milestones move with it (worked back from
    the new burst); done and overdue ones keep their dates. Returns the list and the moves."""
    fresh = {m.key: m.due for m in plan_milestones(policy, tier, burst_start, today)}
    moves: list[MilestoneMove] = []
    out: list[Milestone] = []
    for m in current:
        new_due = fresh.get(m.key)
        if m.status == MilestoneStatus.OPEN and new_due is not None and new_due != m.due:
            moves.append(MilestoneMove(key=m.key, from_due=m.due, to_due=new_due))
            m = m.model_copy(update={"due": new_due})
        out.append(m)
    return sorted(out, key=lambda m: m.due), moves


def describe_moves(moves: list[MilestoneMove]) -> str:
    return "milestones moved with the burst: " + ", ".join(
        f"{mv.key} {mv.from_due.isoformat()} -> {mv.to_due.isoformat()}" for mv in moves)


# ---------------------------------------------------------------- teams
def iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_touched(start: date, end: date) -> list[str]:
    """ISO weeks touched by the days [start, end)."""
    weeks: list[str] = []
    d = start
    while d < end:
        w = iso_week(d)
        if not weeks or weeks[-1] != w:
            weeks.append(w)
        d += timedelta(days=7 - d.weekday())  # the next Monday
    return weeks


def weeks_of_year(year: int) -> list[str]:
    """The ISO weeks of ISO year `year` (52 or 53)."""
    last = date(year, 12, 28).isocalendar()[1]  # 28 December is always in the year's last week
    return [f"{year}-W{w:02d}" for w in range(1, last + 1)]


def week_bounds(week: str) -> tuple[date, date]:
    """[Monday, next Monday) of an ISO week "YYYY-Www"."""
    monday = date.fromisocalendar(int(week[:4]), int(week[6:8]), 1)
    return monday, monday + timedelta(days=7)


def team_capacity(policy: Policy) -> dict[str, int]:
    """People-days per ISO week of each team the policy lists (a team it does not list has no
    limit): the live path's check and the planner's rows read it here."""
    return {t.key: t.capacity for t in policy.teams}


def team_demand(policy: Policy, tier: Tier, phases: Iterable[Phase]) -> TeamLoad:
    """People-days per (team, week) one campaign of `tier` with these phases needs."""
    load: TeamLoad = defaultdict(int)
    for phase in phases:
        needs = [n for n in policy.team_needs.get(tier, []) if n.phase == phase.phase and n.people_days > 0]
        for week in weeks_touched(phase.start, max(phase.end, phase.start + timedelta(days=1))):
            for n in needs:
                load[(n.team, week)] += n.people_days
    return dict(load)


def add_loads(*loads: TeamLoad) -> TeamLoad:
    total: TeamLoad = defaultdict(int)
    for load in loads:
        for key, n in load.items():
            total[key] += n
    return dict(total)


def team_problems(policy: Policy, existing: TeamLoad, adding: TeamLoad) -> list[str]:
    """Why `adding` does not fit beside `existing`: one reason per full team and week, naming
    both (empty: it fits). A team the policy does not list has no capacity limit."""
    capacity = team_capacity(policy)
    problems = []
    for (team, week), need in sorted(adding.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if team not in capacity or need <= 0:
            continue
        taken = existing.get((team, week), 0)
        if taken + need > capacity[team]:
            problems.append(f"team {team} is full in {week}: {taken} of {capacity[team]} people-days taken, "
                            f"this campaign needs {need}")
    return problems


class TeamWeekLoad(BaseModel):
    """One row of `GET /teams/load`."""

    model_config = ConfigDict(frozen=True)

    team: str
    week: str
    capacity: int
    demand: int
    campaigns: list[str]


def week_loads(policy: Policy, holders: Iterable[tuple[str, Tier, list[Phase]]],
               weeks: list[str]) -> list[TeamWeekLoad]:
    """Capacity, demand and the campaigns behind it per team and week (every team, every week)."""
    demand: TeamLoad = defaultdict(int)
    behind: dict[tuple[str, str], list[str]] = defaultdict(list)
    for campaign_id, tier, phases in holders:
        for key, n in team_demand(policy, tier, phases).items():
            demand[key] += n
            behind[key].append(campaign_id)
    return [TeamWeekLoad(team=t.key, week=w, capacity=t.capacity, demand=demand.get((t.key, w), 0),
                         campaigns=sorted(behind.get((t.key, w), [])))
            for t in policy.teams for w in weeks]

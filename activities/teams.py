"""Team capacity on the live path: a week whose team demand would pass capacity is full
for that team, like a month whose caps are reached.

Called by `reserve_month` inside its transaction, under the year lock, after balancing
accepted the month: the check reads the places held around it (store/teams.py), so two campaigns
reserving at once can never both take a team's last people-days. A refusal becomes the
same `MonthAlternativesOffered` a full month gives, with reasons naming team and week,
and alternatives where both the month's rules and the teams fit."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from activities.messages import ReserveMonth
from domain.approvals.preparation import TeamLoad, add_loads, team_demand, team_problems
from domain.balancing import BalancingDecision, YearCalendar, other_months
from domain.campaign import Phase
from domain.dates import burst_span, choose_burst_start, local_date
from domain.months import month_of_date
from domain.policy import Policy
from domain.tiers import Tier
from store import calendar, teams


async def check(conn: asyncpg.Connection, policy: Policy, year: int, inp: ReserveMonth,
                decision: BalancingDecision) -> BalancingDecision:
    """`decision` if its teams fit (or it was refused anyway); otherwise a refusal naming them.

    Under the year lock, so kept short: only the places whose phases come within a week of
    this campaign's can share one of its ISO weeks, so only those are read and summed; the
    whole year is read only for a refusal's alternatives."""
    r = inp.request
    phases = decision.phases or inp.phases
    if not decision.accepted or not policy.team_needs.get(r.tier):
        return decision
    adding = team_demand(policy, r.tier, phases)
    if not adding:
        return decision
    gone = {r.campaign_id, *decision.displaced}  # its own old place, and what an S displaces
    week = timedelta(days=7)
    near = await teams.holders_between(conn, min(p.start for p in phases) - week, max(p.end for p in phases) + week)
    load = add_loads(*(team_demand(policy, tier, ph) for cid, tier, ph in near if cid not in gone))
    problems = team_problems(policy, load, adding)
    if not problems:
        return decision
    everyone = add_loads(*(team_demand(policy, tier, ph) for cid, tier, ph in await teams.holders(conn, year)
                           if cid not in gone))
    year_cal = await calendar.load_year(conn, year)
    return BalancingDecision(accepted=False, month=r.month, counted_days=decision.counted_days,
                             alternatives=_alternatives(policy, year_cal, inp, everyone), reasons=problems)


def _alternatives(policy: Policy, year_cal: YearCalendar, inp: ReserveMonth, load: TeamLoad) -> list[str]:
    """Other months the balancing rules accept and where the dates the engine would pick fit the teams."""
    r = inp.request
    today = local_date(policy, inp.slot.at)
    taken = [] if r.tier == Tier.S else year_cal.bursts(exclude=r.campaign_id)

    def phases_in(month: str) -> list[Phase] | None:
        choice = choose_burst_start(policy, r.tier, month, None, today, r.hot_topic, taken)
        return choice.phases if choice.burst_start is not None else None

    def fits(month: str) -> bool:
        phases = phases_in(month)
        return phases is not None and not team_problems(policy, load, team_demand(policy, r.tier, phases))

    def burst_for(month: str) -> tuple[date, date] | None:
        return burst_span(phases_in(month) or [])

    others = other_months(policy, year_cal, r.model_copy(update={"burst_start": None, "burst_end": None}),
                          earliest_month=month_of_date(today), month_fits=fits,
                          burst_for=burst_for)
    if inp.requested_burst_start is not None and fits(r.month):  # only the owner's date was full: let
        others = [r.month, *others][: max(1, policy.max_alternatives)]  # the engine pick a day of the month
    return others

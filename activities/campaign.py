"""Campaign activities: persist events and decide what only the database can decide
(a month's capacity, free resource units) inside the transaction that appends."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
from temporalio import activity

from activities.messages import AllocateResources, EventSlot, ReserveMonth
from domain import events as ev
from domain.balancing import BalancingDecision, YearCalendar, balance, other_months
from domain.campaign import Phase, PhaseName
from domain.dates import DateChoice, burst_span, choose_burst_start, local_date
from domain.months import month_of_date, year_of
from domain.policy import Policy
from domain.scoring import BusinessLineContext
from domain.tiers import Tier
from store import bookings, calendar, eventstore, projections, reference


def _event(slot: EventSlot, body: ev.EventBody) -> ev.Event:
    return ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=slot.actor,
                    reason=slot.reason, body=body)


async def _append_and_project(conn: asyncpg.Connection, event: ev.Event) -> None:
    position = await eventstore.append(conn, event)
    if position is not None:  # None: a retry of an event already in the log
        await projections.apply(conn, event, position)


class CampaignActivities:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    @activity.defn
    async def load_policy(self, year: int) -> Policy:
        """Before the policy-overrides-only patch: kept for campaigns that replay through it."""
        return await reference.policy_for(self.pool, year)

    @activity.defn
    async def load_policy_overrides(self, year: int) -> dict:
        """The year's operator overrides (usually {}); the workflow builds the Policy from them."""
        return await reference.overrides_for(self.pool, year)

    @activity.defn
    async def load_business_line(self, business_line: str) -> BusinessLineContext:
        line = await reference.business_line(self.pool, business_line)
        if line is None:
            raise ValueError(f"unknown business line {business_line!r}")
        return line

    @activity.defn
    async def record_event(self, event: ev.Event) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await _append_and_project(conn, event)

    @activity.defn
    async def reserve_month(self, inp: ReserveMonth) -> BalancingDecision:
        """Decide the month under the year lock; the decision event and the calendar row
        commit together, so concurrent requests can never overfill a month or the year.
        With `spread`, the burst dates are chosen here too, with the month's reserved
        bursts in view, so two campaigns never take the same free day."""
        year = year_of(inp.request.month)
        policy = await reference.policy_for(self.pool, year)  # before the lock: keep it short
        async with self.pool.acquire() as conn, conn.transaction():
            await calendar.lock_year(conn, year)
            stored = await eventstore.event_at(conn, inp.slot.campaign_id, inp.slot.seq)
            if stored is not None:  # a retry after commit: the first decision stands
                return _decision_of(stored.to_event().body)
            year_cal = await calendar.load_year(conn, year)
            if inp.spread:
                decision = await _reserve_with_dates(conn, policy, year_cal, inp)
            else:  # the workflow chose the dates (campaigns started before the spreading patch)
                decision = _reserve(policy, year_cal, inp)
            body: ev.EventBody
            if decision.accepted:
                # the answer a retry rebuilds from the event (_decision_of): the reserved phases
                phases = decision.phases or inp.phases
                decision = decision.model_copy(update={"phases": phases, "burst_start": _burst_start(phases)})
                body = ev.MonthReserved(
                    month=decision.month, tier=inp.request.tier, category=inp.request.category,
                    counted_days=decision.counted_days, hot_topic=inp.request.hot_topic,
                    phases=phases, displaced=decision.displaced,
                )
            else:
                body = ev.MonthAlternativesOffered(
                    month=inp.request.month, alternatives=decision.alternatives, reasons=decision.reasons)
            await _append_and_project(conn, _event(inp.slot, body))
            return decision

    @activity.defn
    async def allocate_resources(self, inp: AllocateResources) -> ev.ResourcesAllocated:
        async with self.pool.acquire() as conn, conn.transaction():
            stored = await eventstore.event_at(conn, inp.slot.campaign_id, inp.slot.seq)
            if stored is not None:
                body = stored.to_event().body
                assert isinstance(body, ev.ResourcesAllocated), f"seq {inp.slot.seq} holds {body.type}"
                return body
            picked: list[ev.Booking] = []
            shortfall: list[ev.Shortfall] = []
            if inp.phases:  # a C campaign has nothing to book
                policy = await reference.policy_for(conn, inp.phases[0].start.year)
                picked, shortfall = await bookings.pick_units(conn, policy.needs(inp.tier), inp.phases)
            body = ev.ResourcesAllocated(bookings=picked, shortfall=shortfall)
            await _append_and_project(conn, _event(inp.slot, body))
            return body


def _burst_start(phases: list[Phase]) -> date | None:
    return next((p.start for p in phases if p.phase == PhaseName.BURST), None)


def _reserve(policy: Policy, year_cal: YearCalendar, inp: ReserveMonth) -> BalancingDecision:
    """Balance with the dates the workflow chose; alternatives where the tier's dates fit."""
    today = local_date(policy, inp.slot.at)
    r = inp.request
    return balance(policy, year_cal, r, earliest_month=month_of_date(today),
                   month_fits=lambda m: choose_burst_start(policy, r.tier, m, None, today, r.hot_topic)
                   .burst_start is not None)


async def _reserve_with_dates(conn: asyncpg.Connection, policy: Policy, year_cal: YearCalendar,
                              inp: ReserveMonth) -> BalancingDecision:
    """Pick (or check the owner's) burst dates among the month's reserved bursts, then balance
    with them: an S is judged on every month its burst touches. A date that does not fit
    offers other months, and the same month first when only the owner's date clashed."""
    today = local_date(policy, inp.slot.at)
    r = inp.request
    taken = [] if r.tier == Tier.S else year_cal.bursts(exclude=r.campaign_id)  # an S displaces them

    def dates(month: str, requested: date | None = None) -> DateChoice:
        return choose_burst_start(policy, r.tier, month, requested, today, r.hot_topic, taken)

    def burst_for(month: str) -> tuple[date, date] | None:
        choice = dates(month)
        return None if choice.burst_start is None else (burst_span(choice.phases) or (choice.burst_start,) * 2)

    earliest = month_of_date(today)
    choice = dates(r.month, inp.requested_burst_start)
    if choice.burst_start is None:
        others = other_months(policy, year_cal, r, earliest_month=earliest, burst_for=burst_for)
        if inp.requested_burst_start is not None and dates(r.month).burst_start is not None:
            others = [r.month, *others][: max(1, policy.max_alternatives)]  # let the engine pick a free day
        return BalancingDecision(accepted=False, month=r.month, counted_days=policy.rule(r.tier).counted_days,
                                 alternatives=others, reasons=choice.reasons)
    span = burst_span(choice.phases)
    if span is not None:
        r = r.model_copy(update={"burst_start": span[0], "burst_end": span[1]})
        if year_of(month_of_date(span[1] - timedelta(days=1))) != year_cal.year:
            # an S burst into January: lock next year too, and read its January under that lock
            await calendar.lock_year(conn, year_cal.year + 1)
            year_cal = await calendar.load_year(conn, year_cal.year)
    decision = balance(policy, year_cal, r, earliest_month=earliest, burst_for=burst_for)
    return decision.model_copy(update={"phases": choice.phases}) if decision.accepted else decision


def _decision_of(body: ev.EventBody) -> BalancingDecision:
    if isinstance(body, ev.MonthReserved):
        return BalancingDecision(accepted=True, month=body.month, counted_days=body.counted_days,
                                 displaced=body.displaced, burst_start=_burst_start(body.phases),
                                 phases=body.phases)
    if isinstance(body, ev.MonthAlternativesOffered):
        return BalancingDecision(accepted=False, month=body.month, counted_days=0,
                                 alternatives=body.alternatives, reasons=body.reasons)
    raise ValueError(f"not a month decision: {body.type}")

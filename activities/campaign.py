"""Campaign activities: persist events and decide what only the database can decide
(a month's capacity, free resource units) inside the transaction that appends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import asyncpg
from temporalio import activity

from activities import teams
from activities.appends import append_and_project
from activities.messages import (
    AllocateResources,
    EventSlot,
    ForecastHistory,
    LoadContext,
    ReserveMonth,
    ReviewContext,
    Schedule,
    Scheduled,
)
from domain import events as ev
from domain.balancing import BalancingDecision, BalancingRequest, YearCalendar, balance, other_months
from domain.campaign import Phase, PhaseName
from domain.dates import burst_span, choose_burst_start, local_date
from domain.months import month_of_date, year_of
from domain.policy import Policy
from domain.results.forecast import HistoryForecast, context_from_results, history_forecast
from domain.scoring import BusinessLineContext
from domain.tiers import Tier
from store import bookings, calendar, eventstore, reference, results


def _event(slot: EventSlot, body: ev.EventBody) -> ev.Event:
    return ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=slot.actor,
                    reason=slot.reason, body=body)


async def _append_and_project(conn: asyncpg.Connection, event: ev.Event) -> None:
    await append_and_project(conn, event)  # an EventConflict fails the activity without retries


class CampaignActivities:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    @activity.defn
    async def forecast_history(self, inp: ForecastHistory) -> HistoryForecast | None:
        """The line's past results as a forecast (same tier and season first, then wider)."""
        policy = await reference.policy_for(self.pool, int(inp.month[:4]))
        past = await results.past_results(self.pool, inp.business_line)
        return history_forecast(policy, inp.business_line, inp.tier, inp.month, past)

    @activity.defn
    async def load_context(self, inp: LoadContext) -> ReviewContext:
        """The year's overrides and the business line in one round trip (a local activity)."""
        overrides = await reference.overrides_for(self.pool, inp.year)
        flags = []
        if inp.category and inp.month:
            beside = await calendar.same_category_beside(self.pool, inp.category, inp.month)
            if beside:
                flags.append(f"category_adjacent_month: {inp.category} also runs in "
                             + ", ".join(f"{r['month']} ({r['campaign_id']})" for r in beside)
                             + ": categories are staggered between months")
        return ReviewContext(overrides=overrides, line=await _line_context(self.pool, inp.business_line), flags=flags)

    @activity.defn
    async def record_event(self, event: ev.Event) -> None:
        # no transaction of ours: `record` is one statement for most events, else opens one
        async with self.pool.acquire() as conn:
            await _append_and_project(conn, event)

    @activity.defn
    async def record_events(self, events: list[ev.Event]) -> None:
        """Several events of one stream that always go together, in one transaction (one
        event: as `record_event`, often a single statement)."""
        async with self.pool.acquire() as conn:
            if len(events) == 1:
                await _append_and_project(conn, events[0])
                return
            async with conn.transaction():
                for event in events:
                    await _append_and_project(conn, event)

    @activity.defn
    async def reserve_month(self, inp: ReserveMonth) -> BalancingDecision:
        """Decide the month inside the transaction that records the decision, so concurrent
        requests can never overfill a month or the year (`_reserve`)."""
        policy = await reference.policy_for(self.pool, year_of(inp.request.month))  # before the locks
        async with self.pool.acquire() as conn, conn.transaction():
            stored = await _stored_decision(conn, inp)
            return stored if stored is not None else await _reserve(conn, policy, inp)

    @activity.defn
    async def allocate_resources(self, inp: AllocateResources) -> ev.ResourcesAllocated:
        async with self.pool.acquire() as conn, conn.transaction():
            return await _allocate(conn, inp)

    @activity.defn
    async def schedule(self, inp: Schedule) -> Scheduled:
        """An approval's writes in one transaction (one local activity, one round of the
        pool): the events decided before it (the approval), the month's reservation under its
        locks (`_reserve`), then, once reserved, the resources (`_allocate`, its unit locks
        taken after the month and year locks, the order every writer keeps). A retry after
        the commit finds the reservation at its seq and answers what was stored (the same
        seqs: nothing is written twice)."""
        r = inp.reserve
        policy = await reference.policy_for(self.pool, year_of(r.request.month))  # before the locks
        async with self.pool.acquire() as conn, conn.transaction():
            decision = await _stored_decision(conn, r)
            if decision is None:
                for event in inp.before:
                    await _append_and_project(conn, event)
                decision = await _reserve(conn, policy, r)
            if not decision.accepted or inp.allocate is None:
                return Scheduled(decision=decision)
            allocated = await _allocate(conn, AllocateResources(
                slot=inp.allocate, tier=r.request.tier, phases=decision.phases), policy)
            return Scheduled(decision=decision, allocated=allocated)


async def _line_context(pool: asyncpg.Pool, business_line: str) -> BusinessLineContext:
    """The seeded context, with annual progress and month revenue from recorded results
    (actuals plus the revenue feed) when there are any."""
    line = await reference.business_line(pool, business_line)
    if line is None:
        raise ValueError(f"unknown business line {business_line!r}")
    policy = await reference.policy_for(pool, datetime.now(UTC).year)
    annual, month = await results.line_revenue(pool, business_line, local_date(policy, datetime.now(UTC)))
    return context_from_results(line, annual, month)


async def _stored_decision(conn: asyncpg.Connection, inp: ReserveMonth) -> BalancingDecision | None:
    """A retry after commit: the first decision stands (rebuilt from its event). Taken under
    the month locks, as the reservation itself."""
    await calendar.lock_months(conn, calendar.months_to_lock(inp.request.month))
    stored = await eventstore.event_at(conn, inp.slot.campaign_id, inp.slot.seq)
    return _decision_of(stored.to_event().body) if stored is not None else None


async def _reserve(conn: asyncpg.Connection, policy: Policy, inp: ReserveMonth) -> BalancingDecision:
    """The month's rules under the locks of the months it can touch (`_stored_decision`
    took them), then the year's budget, marketing budget and S cap under the year lock,
    taken last (a short section: the sums and the append). The place carries the campaign's
    promotion cost, so the money is released with it. The burst dates are chosen here too,
    among the month's reserved bursts. Appends MonthReserved or MonthAlternativesOffered."""
    year = year_of(inp.request.month)
    window = await calendar.load_window(conn, inp.request.month, money=policy.marketing_budget is not None)
    decision, request = _with_dates(policy, window, inp)
    if decision.accepted:  # the year's budget and S cap, on totals read under the year lock
        await calendar.lock_year(conn, year)
        totals = await calendar.year_totals(conn, year)
        money = await calendar.year_money(conn, year) if policy.marketing_budget is not None else None
        final = balance(policy, window.with_totals(*totals, used_money=money), request,
                        with_alternatives=False)
        decision = final.model_copy(update={"phases": decision.phases}) if final.accepted else final
        if decision.accepted and policy.team_needs.get(request.tier):  # team weeks cross months: here
            decision = await teams.check(conn, policy, year, inp, decision)
    if not decision.accepted:
        decision = await _with_alternatives(conn, policy, inp, request, decision)
    body: ev.EventBody
    if decision.accepted:
        # the answer a retry rebuilds from the event (_decision_of): the reserved phases
        phases = decision.phases or inp.phases
        decision = decision.model_copy(update={"phases": phases, "burst_start": _burst_start(phases)})
        body = ev.MonthReserved(
            month=decision.month, tier=inp.request.tier, category=inp.request.category,
            counted_days=decision.counted_days, hot_topic=inp.request.hot_topic,
            phases=phases, displaced=decision.displaced,
            cost=inp.request.cost if inp.request.tier != Tier.C else 0.0,
        )
    else:
        body = ev.MonthAlternativesOffered(
            month=inp.request.month, alternatives=decision.alternatives, reasons=decision.reasons)
    await _append_and_project(conn, _event(inp.slot, body))
    return decision


async def _allocate(conn: asyncpg.Connection, inp: AllocateResources,
                    policy: Policy | None = None) -> ev.ResourcesAllocated:
    """Book the tier's units for the phases (all or nothing for the required ones) and
    append ResourcesAllocated, in the caller's transaction; a retry answers the stored event."""
    stored = await eventstore.event_at(conn, inp.slot.campaign_id, inp.slot.seq)
    if stored is not None:
        body = stored.to_event().body
        assert isinstance(body, ev.ResourcesAllocated), f"seq {inp.slot.seq} holds {body.type}"
        return body
    picked: list[ev.Booking] = []
    shortfall: list[ev.Shortfall] = []
    if inp.phases:  # a C campaign has nothing to book
        year = inp.phases[0].start.year
        if policy is None or policy.year != year:
            policy = await reference.policy_for(conn, year)
        picked, shortfall = await bookings.pick_units(conn, policy.needs(inp.tier), inp.phases)
    body = ev.ResourcesAllocated(bookings=picked, shortfall=shortfall)
    await _append_and_project(conn, _event(inp.slot, body))
    return body


def _burst_start(phases: list[Phase]) -> date | None:
    return next((p.start for p in phases if p.phase == PhaseName.BURST), None)


def _with_dates(policy: Policy, window: YearCalendar, inp: ReserveMonth) -> tuple[BalancingDecision, BalancingRequest]:
    """Pick (or check the owner's) burst dates among the reserved bursts around the month,
    then judge the month with them: an S on every month its burst touches. When only the
    owner's date clashed, the same month is offered first (the engine then picks a day)."""
    today = local_date(policy, inp.slot.at)
    r = inp.request
    taken = [] if r.tier == Tier.S else window.bursts(exclude=r.campaign_id)  # an S displaces them
    choice = choose_burst_start(policy, r.tier, r.month, inp.requested_burst_start, today, r.hot_topic, taken)
    if choice.burst_start is None:
        free = choose_burst_start(policy, r.tier, r.month, None, today, r.hot_topic, taken).burst_start
        same = [r.month] if inp.requested_burst_start is not None and free is not None else []
        return BalancingDecision(accepted=False, month=r.month, counted_days=policy.rule(r.tier).counted_days,
                                 alternatives=same, reasons=choice.reasons), r
    if span := burst_span(choice.phases):
        r = r.model_copy(update={"burst_start": span[0], "burst_end": span[1]})
    decision = balance(policy, window, r, with_alternatives=False)
    return (decision.model_copy(update={"phases": choice.phases}) if decision.accepted else decision), r


async def _with_alternatives(conn: asyncpg.Connection, policy: Policy, inp: ReserveMonth, r: BalancingRequest,
                             refused: BalancingDecision) -> BalancingDecision:
    """Other months that would take the request, from the whole year read without their
    locks: an offer, not a reservation (the chosen month is judged again under its locks)."""
    full = await calendar.load_year(conn, year_of(r.month))
    today = local_date(policy, inp.slot.at)
    earliest = month_of_date(today)
    taken = [] if r.tier == Tier.S else full.bursts(exclude=r.campaign_id)

    def burst_for(month: str) -> tuple[date, date] | None:
        choice = choose_burst_start(policy, r.tier, month, None, today, r.hot_topic, taken)
        if choice.burst_start is None:
            return None
        return burst_span(choice.phases) or (choice.burst_start, choice.burst_start)

    others = other_months(policy, full, r, earliest_month=earliest, burst_for=burst_for)
    alternatives = [*refused.alternatives, *(m for m in others if m not in refused.alternatives)]
    return refused.model_copy(update={"alternatives": alternatives[: max(1, policy.max_alternatives)]
                                      if refused.alternatives else alternatives})


def _decision_of(body: ev.EventBody) -> BalancingDecision:
    if isinstance(body, ev.MonthReserved):
        return BalancingDecision(accepted=True, month=body.month, counted_days=body.counted_days,
                                 displaced=body.displaced, burst_start=_burst_start(body.phases),
                                 phases=body.phases)
    if isinstance(body, ev.MonthAlternativesOffered):
        return BalancingDecision(accepted=False, month=body.month, counted_days=0,
                                 alternatives=body.alternatives, reasons=body.reasons)
    raise ValueError(f"not a month decision: {body.type}")

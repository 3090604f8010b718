"""Campaign activities: persist events and decide what only the database can decide
(a month's capacity, free resource units) inside the transaction that appends."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from activities.messages import AllocateResources, EventSlot, ReserveMonth
from domain import events as ev
from domain.balancing import BalancingDecision, balance
from domain.dates import choose_burst_start, local_date
from domain.policy import Policy
from domain.scoring import BusinessLineContext
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
        commit together, so concurrent requests can never overfill a month or the year."""
        year = int(inp.request.month[:4])
        policy = await reference.policy_for(self.pool, year)  # before the lock: keep it short
        async with self.pool.acquire() as conn, conn.transaction():
            await calendar.lock_year(conn, year)
            stored = await eventstore.event_at(conn, inp.slot.campaign_id, inp.slot.seq)
            if stored is not None:  # a retry after commit: the first decision stands
                return _decision_of(stored.to_event().body)
            today = local_date(policy, inp.slot.at)
            r = inp.request
            decision = balance(  # alternatives: months not yet begun where the tier's dates still fit
                policy, await calendar.load_year(conn, year), r, earliest_month=today.strftime("%Y-%m"),
                month_fits=lambda m: choose_burst_start(policy, r.tier, m, None, today, r.hot_topic).burst_start
                is not None)
            body: ev.EventBody
            if decision.accepted:
                body = ev.MonthReserved(
                    month=decision.month, tier=inp.request.tier, category=inp.request.category,
                    counted_days=decision.counted_days, hot_topic=inp.request.hot_topic,
                    phases=inp.phases, displaced=decision.displaced,
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
            picked, shortfall = [], []
            if inp.phases:  # a C campaign has nothing to book
                policy = await reference.policy_for(conn, inp.phases[0].start.year)
                picked, shortfall = await bookings.pick_units(conn, policy.needs(inp.tier), inp.phases)
            body = ev.ResourcesAllocated(bookings=picked, shortfall=shortfall)
            await _append_and_project(conn, _event(inp.slot, body))
            return body


def _decision_of(body: ev.EventBody) -> BalancingDecision:
    if isinstance(body, ev.MonthReserved):
        return BalancingDecision(accepted=True, month=body.month, counted_days=body.counted_days,
                                 displaced=body.displaced)
    if isinstance(body, ev.MonthAlternativesOffered):
        return BalancingDecision(accepted=False, month=body.month, counted_days=0,
                                 alternatives=body.alternatives, reasons=body.reasons)
    raise ValueError(f"not a month decision: {body.type}")

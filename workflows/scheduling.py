"""Scheduling a decided campaign inside its workflow: find dates, reserve the month, book
resources; or offer other months and wait for the owner's choice.

The rules are pure (domain/dates.py, domain/balancing.py); the reservation and allocation
are one local activity that decides under the database's locks and appends, in one
transaction, the deferred approval, the reservation and the bookings at the seqs the
workflow assigned (`CampaignActivities.schedule`). Kept apart from workflows/campaign.py
so the workflow file holds the campaign's life and this one the month and its bookings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.campaign import CampaignActivities
    from activities.messages import ReserveMonth, Schedule, Scheduled
    from domain import events as ev
    from domain.approvals.people import SYSTEM
    from domain.balancing import BalancingDecision, BalancingRequest, reservation_cost
    from domain.campaign import CampaignRequest, Phase
    from domain.dates import choose_burst_start
    from domain.policy import Policy
    from domain.status import Status
    from domain.tiers import Tier
    from workflows.handoff import Handoff
    from workflows.messages import Approve, CampaignState, Displaced
    from workflows.milestones import MilestoneKeeper
    from workflows.recorder import EventLog, step


class _Host(Protocol):
    state: CampaignState
    request: CampaignRequest
    handoff: Handoff
    log: EventLog
    prep: MilestoneKeeper

    @property
    def _policy(self) -> Policy: ...

    def _today(self) -> date: ...

    def _check_interrupts(self) -> None: ...

    def _set_status(self, status: Status, pending: str | None = None) -> None: ...

    async def _wait(self, condition: Callable[[], bool], timeout: timedelta) -> bool: ...

    async def _expire(self, stage: str, reason: str) -> bool: ...


async def schedule(wf: _Host) -> bool:
    """Find a month and dates, reserve them, allocate resources. False: it ended."""
    s, h = wf.state, wf.handoff
    assert s.tier is not None, "scheduled before a tier was decided"
    while True:
        requested = wf.request.burst_start if s.month == wf.request.month and not h.month_chosen else None
        choice = choose_burst_start(wf._policy, s.tier, s.month, requested, wf._today(), wf.request.hot_topic)
        if choice.burst_start is not None:
            wf._check_interrupts()
            decision, allocated = await _reserve(wf, choice.phases, requested)
            if decision.accepted:
                if decision.phases or decision.burst_start:  # picked under the lock among the month's bursts
                    choice = choice.model_copy(update={"burst_start": decision.burst_start or choice.burst_start,
                                                       "phases": decision.phases})
                s.month, s.burst_start, s.phases = decision.month, choice.burst_start, choice.phases
                s.alternatives, s.reasons = [], []
                for displaced in decision.displaced:
                    await _notify_displaced(wf, displaced)
                if allocated is not None:
                    s.bookings, s.shortfall = allocated.bookings, allocated.shortfall
                wf.prep.on_scheduled(s.tier, s.burst_start, wf._today())
                wf._set_status(Status.SCHEDULED)
                h.balancing_rounds += 1
                return True
            s.alternatives, s.reasons = decision.alternatives, decision.reasons
        else:
            s.alternatives, s.reasons = [], choice.reasons
            await wf.log.record(ev.MonthAlternativesOffered(
                month=s.month, alternatives=[], reasons=choice.reasons), SYSTEM, "; ".join(choice.reasons))
        if not await _await_month_choice(wf):
            return False


async def _await_month_choice(wf: _Host) -> bool:
    h = wf.handoff
    h.chosen_month = None
    wf._set_status(Status.AWAITING_MONTH_CHOICE, pending="month_choice")
    h.balancing_rounds += 1
    window = timedelta(hours=wf._policy.month_choice_window_hours)
    if not await wf._wait(lambda: h.chosen_month is not None, window):
        return await wf._expire("month_choice", f"no month chosen within {window}")
    choice = h.chosen_month
    assert choice is not None
    await wf.log.record(ev.MonthChosen(month=choice.month), choice.actor.name)
    h.month_chosen = True
    wf.state.month = choice.month
    wf.state.burst_start = None
    return True


async def _reserve(wf: _Host, phases: list[Phase], requested: date | None
                   ) -> tuple[BalancingDecision, ev.ResourcesAllocated | None]:
    """Reserve the month and, once reserved, book the tier's resources (not a C's), with the
    deferred approval before them: one local activity, one transaction."""
    s, d = wf.state, wf.handoff.decision
    assert s.tier is not None
    before = wf.log.take_pending()
    slot = wf.log.next_slot(SYSTEM)
    book = wf.log.slot_after(slot) if s.tier != Tier.C else None
    reserve = ReserveMonth(slot=slot, phases=phases, requested_burst_start=requested, request=BalancingRequest(
        campaign_id=s.campaign_id, month=s.month, tier=s.tier, category=s.category,
        hot_topic=s.hot_topic, category_reason=wf.request.category_reason,
        a_override=isinstance(d, Approve) and d.a_override,
        s_half_override=isinstance(d, Approve) and d.s_half_override,
        cost=reservation_cost(wf.request, s.forecast)))
    done: Scheduled = await step(CampaignActivities.schedule, Schedule(before=before, reserve=reserve, allocate=book))
    wf.log.appended(before)
    wf.log.remember(slot, "MonthReserved" if done.decision.accepted else "MonthAlternativesOffered")
    if book is not None and done.allocated is not None:
        wf.log.take(book)
        wf.log.remember(book, done.allocated.type)
    return done.decision, done.allocated


async def _notify_displaced(wf: _Host, campaign_id: str) -> None:
    try:
        await workflow.get_external_workflow_handle(campaign_id).signal(
            "displaced", Displaced(by_campaign_id=wf.state.campaign_id, month=wf.state.month))
    except Exception as err:  # noqa: BLE001 - it has ended meanwhile: nothing left to move
        workflow.logger.warning("could not notify displaced campaign %s: %s", campaign_id, err)

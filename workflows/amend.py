"""Amending a running campaign (the owner's `amend` update), kept out of campaign.py.

The update handler only hands the change to the workflow's main loop (`pending`), like the
decisions do, so events keep the seq order the workflow assigns. The loop meets it in
`CampaignWorkflow._wait`, whatever it waits for:

- not material: `apply_in_place` records `CampaignAmended` and the wait goes on (same
  deadline): in review, scheduled or awaiting a month;
- material: the wait is interrupted and `rereview` runs: `CampaignAmended` + a new
  `ReviewScored` (one append), back in review with a fresh SLA. A scheduled campaign keeps
  its place and bookings meanwhile; a rejection or expiry releases them (their projections
  do); an approval that keeps month, date and tier (and does not raise the promotion cost)
  keeps them, any other gives them back (`PlaceReleased`) and reserves again through the
  usual path (alternatives when full; `marketing_budget` when the raised cost does not fit).

Once the warm-up has started: 409.
"""

from __future__ import annotations

from typing import Protocol

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import events as ev
    from domain.amend import AmendError, Amendment, amend_request
    from domain.approvals.people import SYSTEM
    from domain.balancing import MARKETING_BUDGET, reservation_cost
    from domain.campaign import CampaignRequest
    from domain.lines import BusinessLineContext
    from domain.policy import Policy
    from domain.status import Status
    from domain.tiers import Tier
    from workflows import review as review_flow
    from workflows import review_money as money
    from workflows.handoff import Handoff, invalid_state
    from workflows.messages import Amend, AmendResult, CampaignState
    from workflows.recorder import EventLog



class _Host(Protocol):
    """What the amendment steps use of the campaign workflow (workflows/campaign.py), named
    here so this helper does not import the workflow that imports it."""

    state: CampaignState
    request: CampaignRequest
    line: BusinessLineContext | None
    handoff: Handoff
    log: EventLog

    @property
    def _policy(self) -> Policy: ...

    async def _await_decision(self, proposed: Tier) -> bool: ...

    async def _schedule(self) -> bool: ...

    async def _run_phases(self) -> None: ...

    def _set_status(self, status: Status, pending: str | None = None) -> None: ...


AMENDABLE = (Status.IN_REVIEW, Status.SCHEDULED, Status.AWAITING_MONTH_CHOICE)


def _amendment(wf: _Host, inp: Amend) -> Amendment:
    s = wf.state
    refused_money = s.status == Status.AWAITING_MONTH_CHOICE and any(r.startswith(MARKETING_BUDGET) for r in s.reasons)
    return amend_request(wf._policy, wf.request, inp.changes, s.tier or s.proposed_tier, refused_money=refused_money)


def validate(wf: _Host, inp: Amend) -> None:
    s = wf.state
    if inp.actor.role != "business_line" or inp.actor.business_line != s.business_line:
        raise ApplicationError(f"only the owning business line {s.business_line} may amend its campaign",
                               type="forbidden", non_retryable=True)
    if s.status not in AMENDABLE:
        raise invalid_state(f"campaign is {s.status.value}; only a campaign in review, awaiting a month or "
                             "scheduled (before its warm-up starts) can be amended")
    h = wf.handoff
    if h.cancel is not None or h.amend is not None:
        raise invalid_state("a cancellation or another amendment is pending")
    if h.decision is not None and not (h.decision_recorded and s.status != Status.IN_REVIEW):
        raise invalid_state("a decision is being recorded; amend once the campaign is scheduled")
    try:
        _amendment(wf, inp)
    except AmendError as err:
        raise ApplicationError(str(err), type="invalid_request", non_retryable=True) from None


async def handle(wf: _Host, inp: Amend) -> AmendResult:
    """The update: hand the change to the main loop, answer once it is recorded."""
    h = wf.handoff
    done = h.amends_done
    h.amend, h.amend_refusal = inp, None
    await workflow.wait_condition(
        lambda: h.amends_done > done or h.amend_refusal is not None or wf.state.status.is_final)
    if h.amends_done == done:
        raise invalid_state(h.amend_refusal or f"campaign is {wf.state.status.value}")
    return AmendResult(**wf.state.model_dump(), material=h.amend_material)


def refuse_if_too_late(wf: _Host, status: Status) -> None:
    """The campaign moved on (warm-up started) before the loop met the amendment."""
    if wf.handoff.amend is not None and status not in AMENDABLE:
        wf.handoff.amend, wf.handoff.amend_refusal = None, f"campaign is {status.value}; too late to amend"


async def _record(wf: _Host, inp: Amend, a: Amendment, month: str, extra: list) -> None:
    body = ev.CampaignAmended(changes=a.changes, material=a.material, reasons=a.reasons,
                              stage=wf.state.status.value, request=a.request, month=month, money=wf.state.money)
    await wf.log.record_all([(body, inp.actor.name, inp.reason), *extra])


def _take(wf: _Host, a: Amendment) -> None:
    s = wf.state
    wf.request = a.request
    s.name, s.requested_tier = a.request.name, a.request.requested_tier
    money.on_amended(wf)  # the forecast and money of the new request, at the current tier


async def apply_in_place(wf: _Host) -> bool:
    """A pending amendment met in a wait. True: handled (not material, or refused), the wait
    goes on; False: material, the caller interrupts the wait and `rereview` runs."""
    h = wf.handoff
    inp = h.amend
    assert inp is not None
    try:
        a = _amendment(wf, inp)
    except AmendError as err:  # the state moved since the validator ran
        h.amend, h.amend_refusal = None, str(err)
        return True
    if a.material:
        return False
    h.amend = None
    _take(wf, a)
    await _record(wf, inp, a, wf.state.month, [])
    h.amend_material = False
    h.amends_done += 1
    return True


async def rereview(wf: _Host) -> None:
    """A material amendment: back to review (the same review as a fresh request's:
    workflows/review.py), then keep, move or give back the place."""
    h = wf.handoff
    inp = h.amend
    assert inp is not None
    h.amend = None
    s = wf.state
    a = _amendment(wf, inp)
    held = s.status == Status.SCHEDULED
    held_at = (s.month, s.burst_start, s.tier)
    held_cost = reservation_cost(wf.request, s.forecast)  # what the place holds of the marketing budget
    _take(wf, a)
    if not held:
        s.month, s.burst_start, s.alternatives, s.reasons = a.request.month, a.request.burst_start, [], []
    r, scored = await review_flow.score(wf)
    h.decision, h.decision_recorded, h.month_chosen, s.escalated = None, False, False, False
    s.status, s.pending = Status.IN_REVIEW, "approval"
    await _record(wf, inp, a, s.month, [(scored, SYSTEM, s.revenue_flag)])
    h.amend_material = True
    h.amends_done += 1
    if r.approved_without_review:
        review_flow.approve_c(wf)
    else:
        wf._set_status(Status.IN_REVIEW, pending="approval")
        if not await wf._await_decision(r.score.proposed_tier):
            s.bookings, s.phases = [], []  # rejected or expired: the projection released them
            return
    if held and (s.month, s.tier) == (held_at[0], held_at[2]) and wf.request.month == s.month \
            and wf.request.burst_start in (None, held_at[1]) \
            and reservation_cost(wf.request, s.forecast) <= held_cost + 0.005:  # a higher cost: judged again
        wf._set_status(Status.SCHEDULED)
        h.balancing_rounds += 1
        await wf._run_phases()
        return
    if held:
        await wf.log.record(ev.PlaceReleased(month=s.month), SYSTEM, "amended: reserved again")
        s.bookings, s.phases, s.shortfall = [], [], []
        s.month, s.burst_start = wf.request.month, None
    if await wf._schedule():
        await wf._run_phases()

"""CampaignWorkflow: one promotion campaign from submission to its encore.

submitted -> tier review (score, approve / downgrade / reject, SLA escalation and
expiry; C skips review) -> month balancing (reserve, or offer other months and wait for
the owner's choice) -> resource allocation -> warm-up -> burst -> encore -> completed.
Cancel is possible at any point before the end and releases everything held.

Orchestration only: rules come from domain/, every write is an activity that appends
one event at the seq this workflow assigns (so retries never write twice). This file
holds the campaign's life and its message handlers; one concern per helper beside it:
the review (review.py, around domain/review.py), the validators (decisions.py), the
month and bookings (scheduling.py), the event numbering (recorder.py), what handlers hand
to the loop (handoff.py), amendments, milestones, the results window and the money steps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import messages as am
    from activities.approvals import ApprovalActivities
    from activities.campaign import CampaignActivities
    from activities.messages import LoadContext
    from domain import events as ev
    from domain.approvals.people import SYSTEM
    from domain.campaign import CampaignRequest
    from domain.dates import local_date, phase_start_instant
    from domain.lines import BusinessLineContext
    from domain.policy import Policy
    from domain.status import Status
    from domain.tiers import Tier
    from workflows import amend as amend_flow
    from workflows import decisions, scheduling
    from workflows import review as review_flow
    from workflows import review_money as money
    from workflows import search_attributes as sa
    from workflows.handoff import Handoff, Interrupted
    from workflows.messages import (
        Actor,
        ActualsAnswer,
        Amend,
        AmendResult,
        Approve,
        CampaignInput,
        CampaignState,
        Cancel,
        ChooseMonth,
        Displaced,
        Downgrade,
        MarkMilestoneDone,
        PlannedCampaign,
        RecordActuals,
        Reject,
    )
    from workflows.milestones import MilestoneKeeper
    from workflows.recorder import EventLog, step
    from workflows.results_window import ResultsKeeper


@workflow.defn
class CampaignWorkflow:
    @workflow.init
    def __init__(self, inp: CampaignInput) -> None:
        self.request: CampaignRequest = inp.request
        self.owner: Actor = inp.owner
        self.policy: Policy | None = None
        self.line: BusinessLineContext | None = None  # the review's context, kept for a re-review
        self.state = CampaignState.initial(workflow.info().workflow_id, inp.request, inp.owner.name)
        self.log = EventLog(self.state)  # numbers and appends the stream's events
        self.handoff = Handoff()  # what the handlers hand to the main loop
        self.search = sa.Upserter()
        self.results_keeper = ResultsKeeper(self)  # actuals, then the outcome
        self.prep = MilestoneKeeper(self)  # the milestones once scheduled

    # ---------------------------------------------------------------- the life
    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignState:
        # one workflow task to `in_review`: the context, the history and the appends are local activities
        ctx = await step(CampaignActivities.load_context, LoadContext(
            year=self.request.year, business_line=self.request.business_line,
            category=self.request.category, month=self.request.month))
        self.state.flags = ctx.flags
        self.policy = Policy.for_year(self.request.year, ctx.overrides)
        self.line = ctx.line
        try:
            reviewed = await (self._approve_planned(inp.planned) if inp.planned is not None else self._review())
            if reviewed and await self._schedule():
                await self._run_phases()
        except Interrupted:
            await self._compensate()
        await self.log.flush()
        self.search.upsert(self.state)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _review(self) -> bool:
        s = self.state
        r, scored = await review_flow.score(self)
        if not r.approved_without_review:
            # In review from the moment the read model says so: a decision sent as soon as
            # ReviewScored is visible is accepted (and recorded after it).
            s.status, s.pending = Status.IN_REVIEW, "approval"
        await self.log.record_all([  # one append for what always goes together
            (ev.CampaignSubmitted(request=self.request, owner=self.owner.name), self.owner.name, None),
            (scored, SYSTEM, s.revenue_flag)])
        self.handoff.review_recorded = True
        if r.approved_without_review:
            review_flow.approve_c(self)
            return True
        return await self._await_decision(r.score.proposed_tier)

    async def _await_decision(self, proposed: Tier) -> bool:
        """In review: wait for a decision (SLA: escalate, then expire) and record it."""
        s, h = self.state, self.handoff
        self._set_status(Status.IN_REVIEW, pending="approval")
        tier = decisions.decision_tier(self)
        sla = timedelta(hours=self._policy.hot_topic_sla_hours if self.request.hot_topic
                        else self._policy.rule(tier).approval_sla_hours)
        if not await self._wait(lambda: h.decision is not None, sla):
            s.escalated = True
            # to the away approvers' delegates, else the leaders (domain/approvals/assignment.py)
            to: list[str] = await step(ApprovalActivities.escalation_targets, am.EscalationQuery(
                campaign_id=s.campaign_id, business_line=s.business_line, tier=tier,
                at=workflow.now(), overrides_year=self.request.year))
            await self.log.record(ev.ApprovalEscalated(stage="approval", to=to), SYSTEM,
                                  f"no decision within the {sla} approval SLA")
            if not await self._wait(lambda: h.decision is not None, sla):
                return await self._expire("approval", f"no decision within twice the {sla} approval SLA")

        d = h.decision
        if isinstance(d, Reject):
            await self.log.record(ev.CampaignRejected(**d.names()), d.actor.name, d.reason)
            h.decision_recorded = True
            self._set_status(Status.REJECTED)
            return False
        if isinstance(d, Downgrade):
            self.log.defer(ev.CampaignDowngraded(from_tier=tier, to_tier=d.to_tier, **d.names(),
                                                 **money.at_tier(self, d.to_tier, d.margin_override)),
                           d.actor.name, d.reason)
            s.tier = d.to_tier
        else:
            assert isinstance(d, Approve)
            # appended with the scheduling that follows, in its transaction (workflows/recorder.py)
            self.log.defer(ev.CampaignApproved(tier=tier, **d.names(), **money.at_tier(self, tier, d.margin_override)),
                           d.actor.name, money.approval_reason(self, d, tier, proposed))
            s.tier = tier
        h.decision_recorded = True
        return True

    async def _approve_planned(self, planned: PlannedCampaign) -> bool:
        """A published plan's campaign: approved by the plan at its tier, month and dates."""
        s = self.state
        s.tier, s.proposed_tier, s.score = planned.tier, planned.tier, planned.score
        s.month, s.burst_start = planned.month, planned.burst_start
        self.handoff.review_recorded = True  # nothing to score: `scored` answers once it is scheduled
        why = f"planned by {planned.plan_id}, published by {planned.approved_by}"
        why += f": {planned.reason}" if planned.reason else ""
        approved = ev.CampaignApproved(tier=planned.tier, **money.at_tier(self, planned.tier))
        # Submitted goes with the approval (no review to record it with), both with the scheduling
        self.log.defer(ev.CampaignSubmitted(request=self.request, owner=self.owner.name), self.owner.name)
        self.log.defer(approved, planned.approved_by, why)
        self.handoff.decision_recorded = True
        return True

    async def _schedule(self) -> bool:
        """Reserve a month and book resources (workflows/scheduling.py). False: it ended."""
        return await scheduling.schedule(self)

    async def _run_phases(self) -> None:
        await self.log.flush()  # a deferred approval never waits unrecorded (a held place kept)
        await self.prep.record_plan()
        for phase in self.state.phases:
            await self._sleep_until(phase.start)
            await self.log.record(ev.PhaseStarted(phase=phase.phase), SYSTEM)
            self._set_status(Status(phase.phase.value))
            await self._sleep_until(phase.end)
            await self.log.record(ev.PhaseEnded(phase=phase.phase), SYSTEM)
        await self.log.record(ev.CampaignCompleted(), SYSTEM)
        self._set_status(Status.COMPLETED)
        await self.prep.settle()
        await self.results_keeper.window()

    async def _compensate(self) -> None:
        """Cancelled: the event's projection releases the calendar place and every booking.
        Displaced by an S: release, then offer other months and carry on from there.
        Materially amended: back to review (workflows/amend.py)."""
        h = self.handoff
        if h.cancel is None and h.amend is not None:
            try:
                await amend_flow.rereview(self)
            except Interrupted:
                await self._compensate()
            return
        if h.cancel is not None:
            c = h.cancel
            await self.log.record(ev.CampaignCancelled(stage=self.state.status.value), c.actor.name, c.reason)
            self.prep.close()
            self.state.bookings = []
            self._set_status(Status.CANCELLED)
            return
        d = h.displaced_by
        assert d is not None
        h.displaced_by = None
        await self.log.record(ev.DisplacedBySCampaign(by_campaign_id=d.by_campaign_id, month=d.month), SYSTEM,
                              f"{d.month} became an S month")
        self.state.bookings, self.state.phases = [], []
        try:
            if await self._schedule():
                await self._run_phases()
        except Interrupted:
            await self._compensate()

    async def _expire(self, stage: str, reason: str) -> bool:
        await self.log.record(ev.RequestExpired(stage=stage), SYSTEM, reason)
        self.prep.close()
        self._set_status(Status.EXPIRED)
        return False

    async def _record(self, body: ev.EventBody, actor: str, reason: str | None = None) -> None:
        """For the helpers that record through their host (milestones, results window)."""
        await self.log.record(body, actor, reason)

    # ---------------------------------------------------------------- waiting
    async def _wait(self, condition: Callable[[], bool], timeout: timedelta) -> bool:
        """Wait for `condition` up to `timeout` (a durable timer). Raises Interrupted on
        cancel or displacement; returns False on timeout. An amendment met here is applied
        in place when it is not material (the wait goes on to the same deadline), and
        interrupts the wait when it is (workflows/amend.py)."""
        deadline = workflow.now() + timeout
        while True:
            remaining = deadline - workflow.now()
            try:
                await workflow.wait_condition(
                    lambda: condition() or self._interrupted() or self.handoff.amend is not None, timeout=remaining)
            except TimeoutError:
                return False
            self._check_interrupts()
            if self.handoff.amend is None or condition():
                return True
            await self._meet_amendment()
            if deadline <= workflow.now():
                return False

    async def _meet_amendment(self) -> None:
        """An amendment met in a wait: applied in place when not material, else it interrupts
        the wait (workflows/amend.py). Every wait of the workflow calls this."""
        if self.handoff.amend is not None and not await amend_flow.apply_in_place(self):
            raise Interrupted()

    async def _sleep_until(self, day: date) -> None:
        # the phase wait, also keeping the milestones' timers
        await self.prep.wait_until(phase_start_instant(self._policy, day))
        self._check_interrupts()

    def _interrupted(self) -> bool:
        return self.handoff.cancel is not None or (
            self.handoff.displaced_by is not None
            and self.state.status in (Status.SCHEDULED, Status.WARMUP, Status.BURST, Status.ENCORE))

    def _check_interrupts(self) -> None:
        if self._interrupted():
            raise Interrupted()

    # ---------------------------------------------------------------- helpers
    @property
    def _policy(self) -> Policy:
        assert self.policy is not None
        return self.policy

    def _today(self) -> date:
        return local_date(self._policy, workflow.now())

    def _set_status(self, status: Status, pending: str | None = None) -> None:
        self.state.status, self.state.pending = status, pending
        amend_flow.refuse_if_too_late(self, status)
        self.search.upsert(self.state)

    # ---------------------------------------------------------------- queries
    @workflow.query
    def state_query(self) -> CampaignState:
        return self.state

    @workflow.update
    async def scored(self) -> CampaignState:
        """Answer once the request is scored and recorded: in review with its score and
        proposed tier, or past review (C), or ended. `POST /campaigns` starts the workflow
        with this update, so the submitter sees what an approver will see."""
        await workflow.wait_condition(lambda: self.state.status.is_final or (
            self.handoff.review_recorded and self.state.status != Status.SUBMITTED))
        return self.state

    # ---------------------------------------------------------------- decisions (updates, workflows/decisions.py)
    async def _until_decided(self) -> CampaignState:
        # Answer once the decision has an outcome: scheduled, offered other months, or ended.
        await workflow.wait_condition(lambda: self.state.status.is_final or (
            self.handoff.decision_recorded and self.state.status in (Status.SCHEDULED, Status.AWAITING_MONTH_CHOICE)))
        return self.state

    @workflow.update
    async def approve(self, inp: Approve) -> CampaignState:
        self.handoff.decision = inp
        return await self._until_decided()

    @approve.validator
    def _validate_approve(self, inp: Approve) -> None:
        decisions.approve(self, inp)

    @workflow.update
    async def downgrade(self, inp: Downgrade) -> CampaignState:
        self.handoff.decision = inp
        return await self._until_decided()

    @downgrade.validator
    def _validate_downgrade(self, inp: Downgrade) -> None:
        decisions.downgrade(self, inp)

    @workflow.update
    async def reject(self, inp: Reject) -> CampaignState:
        self.handoff.decision = inp
        return await self._until_decided()

    @reject.validator
    def _validate_reject(self, inp: Reject) -> None:
        decisions.reject(self, inp)

    @workflow.update
    async def amend(self, inp: Amend) -> AmendResult:
        return await amend_flow.handle(self, inp)

    @amend.validator
    def _validate_amend(self, inp: Amend) -> None:
        amend_flow.validate(self, inp)

    @workflow.update
    async def choose_month(self, inp: ChooseMonth) -> CampaignState:
        self.handoff.chosen_month = inp
        rounds = self.handoff.balancing_rounds
        await workflow.wait_condition(lambda: self.handoff.balancing_rounds > rounds or self.state.status.is_final)
        return self.state

    @choose_month.validator
    def _validate_choose_month(self, inp: ChooseMonth) -> None:
        decisions.choose_month(self, inp)

    @workflow.update
    async def cancel(self, inp: Cancel) -> CampaignState:
        self.handoff.cancel = inp
        await workflow.wait_condition(lambda: self.state.status.is_final)
        return self.state

    @cancel.validator
    def _validate_cancel(self, inp: Cancel) -> None:
        decisions.cancel(self, inp)

    # ---------------------------------------------------------------- results and milestones (updates)
    @workflow.update
    async def record_actuals(self, inp: RecordActuals) -> ActualsAnswer:
        return await self.results_keeper.record(inp)

    @record_actuals.validator
    def _validate_record_actuals(self, inp: RecordActuals) -> None:
        self.results_keeper.validate(inp)

    @workflow.update
    async def milestone_done(self, inp: MarkMilestoneDone) -> CampaignState:
        await self.prep.done(inp)
        return self.state

    @milestone_done.validator
    def _validate_milestone_done(self, inp: MarkMilestoneDone) -> None:
        self.prep.validate_done(inp)

    # ---------------------------------------------------------------- signals (CLI, peers)
    def _signal(self, validate: Callable[[], None], field: str, inp: object) -> None:
        # Signals cannot be refused to the sender: an invalid one is logged and ignored.
        try:
            validate()
        except ApplicationError as err:
            workflow.logger.warning("signal ignored: %s", err)
            return
        setattr(self.handoff, field, inp)

    @workflow.signal
    def approve_signal(self, inp: Approve) -> None:
        self._signal(lambda: decisions.approve(self, inp), "decision", inp)

    @workflow.signal
    def downgrade_signal(self, inp: Downgrade) -> None:
        self._signal(lambda: decisions.downgrade(self, inp), "decision", inp)

    @workflow.signal
    def reject_signal(self, inp: Reject) -> None:
        self._signal(lambda: decisions.reject(self, inp), "decision", inp)

    @workflow.signal
    def choose_month_signal(self, inp: ChooseMonth) -> None:
        self._signal(lambda: decisions.choose_month(self, inp), "chosen_month", inp)

    @workflow.signal
    def cancel_signal(self, inp: Cancel) -> None:
        self._signal(lambda: decisions.cancel(self, inp), "cancel", inp)

    @workflow.signal
    def displaced(self, inp: Displaced) -> None:
        if not self.state.status.is_final:
            self.handoff.displaced_by = inp

"""CampaignWorkflow: one promotion campaign from submission to its encore.

submitted -> tier review (score, approve / downgrade / reject, SLA escalation and
expiry; C skips review) -> month balancing (reserve, or offer other months and wait for
the owner's choice) -> resource allocation -> warm-up -> burst -> encore -> completed.
Cancel is possible at any point before the end and releases everything held.

Orchestration only: rules come from domain/, every write is an activity that appends
one event at the seq this workflow assigns (so retries never write twice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import messages as am
    from activities.approvals import ApprovalActivities
    from activities.campaign import CampaignActivities
    from activities.messages import AllocateResources, EventSlot, ForecastHistory, LoadContext, ReserveMonth
    from domain import events as ev
    from domain.balancing import BalancingDecision, BalancingRequest, reservation_cost
    from domain.campaign import CampaignRequest, Phase
    from domain.dates import choose_burst_start, local_date, phase_start_instant
    from domain.lines import BusinessLineContext
    from domain.policy import Policy
    from domain.results.forecast import check_forecast, weigh_forecast_check
    from domain.scoring import score_request
    from domain.tiers import Tier
    from workflows import amend as amend_flow
    from workflows import review_money as money
    from workflows import search_attributes as sa
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
        HistoryItem,
        MarkMilestoneDone,
        PlannedCampaign,
        RecordActuals,
        Reject,
        Status,
    )
    from workflows.milestones import MilestoneKeeper
    from workflows.results_window import ResultsKeeper

SYSTEM = "promoflow"
# Every step is one short transaction or read (local activities: one marker each instead of
# three events and a workflow task); a lost worker's attempt is retried after 10 s (safe:
# appends are idempotent, the seq is assigned here).
_STEP: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=10),
    retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)),
)


class _Interrupted(Exception):
    """Raised out of a wait when the campaign is cancelled or displaced."""


def _invalid_state(message: str) -> ApplicationError:
    return ApplicationError(message, type="invalid_state", non_retryable=True)


def _forbidden(message: str, code: str = "forbidden") -> ApplicationError:
    return ApplicationError(message, type=code, non_retryable=True)


@workflow.defn
class CampaignWorkflow:
    @workflow.init
    def __init__(self, inp: CampaignInput) -> None:
        req = inp.request
        self.request: CampaignRequest = req
        self.owner: Actor = inp.owner
        self.policy: Policy | None = None
        self.seq = 0
        self.state = CampaignState.initial(workflow.info().workflow_id, req, inp.owner)
        self.decision: Approve | Downgrade | Reject | None = None
        self.decision_recorded = False
        self.chosen_month: ChooseMonth | None = None
        self.cancel_request: Cancel | None = None
        self.displaced_by: Displaced | None = None
        self.balancing_rounds = 0  # counts month outcomes (scheduled / new offer): choose_month waits for one
        self.month_chosen = False  # after a month choice the engine picks the date: the owner's one was refused
        self.review_recorded = False  # ReviewScored is in the log: `scored` may answer
        self.search_attributes: tuple[str, ...] | None = None  # the last upserted values
        self.results_keeper = ResultsKeeper(self)  # actuals, then the outcome
        self.prep = MilestoneKeeper(self)  # the milestones once scheduled
        self.line: BusinessLineContext | None = None  # the review's context, kept for a re-review
        self.amend_pending: Amend | None = None
        self.amend_refusal: str | None = None
        self.amend_material = False
        self.amends_done = 0

    # ---------------------------------------------------------------- the life
    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignState:
        # one local activity; Submitted is recorded with the review
        ctx = await workflow.execute_local_activity_method(
            CampaignActivities.load_context,
            LoadContext(year=self.request.year, business_line=self.request.business_line,
                        category=self.request.category, month=self.request.month), **_STEP)
        self.state.flags = ctx.flags
        self.policy = Policy.for_year(self.request.year, ctx.overrides)
        try:
            if inp.planned is not None:
                reviewed = await self._approve_planned(inp.planned)
            else:
                reviewed = await self._review(ctx.line)
            if reviewed and await self._schedule():
                await self._run_phases()
        except _Interrupted:
            await self._compensate()
        self._upsert_search_attributes()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _review(self, line: BusinessLineContext) -> bool:
        self.line = line
        review = score_request(self._policy, line, self.request)
        s = self.state
        history = await workflow.execute_activity_method(
            CampaignActivities.forecast_history, ForecastHistory(
                business_line=self.request.business_line, tier=self.request.requested_tier or review.proposed_tier,
                month=self.request.month), **_STEP)
        check = check_forecast(self._policy, self.request.forecast, history) if history is not None else None
        s.forecast_check = check.model_dump(mode="json") if check is not None else None
        s.score_source = line.source
        review = weigh_forecast_check(self._policy, review, check, self.request)
        s.score, s.proposed_tier = review.score, review.proposed_tier
        if not review.revenue.reachable:
            s.revenue_flag = (f"revenue target {review.revenue.revenue_target:,.0f} exceeds the forecast "
                              f"{review.revenue.forecast_sales:,.0f} (traffic x order value x conversion)")
        leadership = self._leadership_decides()
        money_fields = money.on_review(self, review, leadership)
        if review.proposed_tier != Tier.C or leadership:
            # In review from the moment the read model says so: a decision sent as soon as
            # ReviewScored is visible is accepted (and recorded after it). Search attributes
            # follow below, after the record, where they always were (command order).
            s.status, s.pending = Status.IN_REVIEW, "approval"
        scored = ev.ReviewScored(
            score=review.score, factors=review.factors, proposed_tier=review.proposed_tier,
            forecast_sales=review.revenue.forecast_sales, revenue_target=review.revenue.revenue_target,
            target_reachable=review.revenue.reachable, leadership_decides=leadership,
            source=line.source, forecast_check=s.forecast_check, flags=s.flags, **money_fields)
        await self._record_all([  # one append for what always goes together
            (ev.CampaignSubmitted(request=self.request, owner=self.owner.name), self.owner.name, None),
            (scored, SYSTEM, s.revenue_flag)])
        self.review_recorded = True
        if review.proposed_tier == Tier.C and not leadership:  # C: recorded only, no review, no company resources
            s.tier = Tier.C
            await self._record(ev.CampaignApproved(tier=Tier.C, **money.at_tier(self, Tier.C)), SYSTEM,
                               "C tier: recorded only, no review")
            return True
        return await self._await_decision(review.proposed_tier)

    async def _await_decision(self, proposed: Tier) -> bool:
        """In review: wait for a decision (SLA: escalate, then expire) and record it."""
        s = self.state
        self._set_status(Status.IN_REVIEW, pending="approval")
        sla = timedelta(hours=self._policy.hot_topic_sla_hours if self.request.hot_topic
                        else self._policy.rule(self._decision_tier()).approval_sla_hours)
        if not await self._wait(lambda: self.decision is not None, sla):
            s.escalated = True
            # to the away approvers' delegates, else the leaders (domain/assignment.py)
            to: list[str] = await workflow.execute_local_activity_method(
                ApprovalActivities.escalation_targets, am.EscalationQuery(
                    campaign_id=s.campaign_id, business_line=s.business_line, tier=self._decision_tier(),
                    at=workflow.now(), overrides_year=self.request.year), **_STEP)
            await self._record(ev.ApprovalEscalated(stage="approval", to=to), SYSTEM,
                               f"no decision within the {sla} approval SLA")
            if not await self._wait(lambda: self.decision is not None, sla):
                return await self._expire("approval", f"no decision within twice the {sla} approval SLA")

        d = self.decision
        if isinstance(d, Reject):
            await self._record(ev.CampaignRejected(**d.names()), d.actor.name, d.reason)
            self.decision_recorded = True
            self._set_status(Status.REJECTED)
            return False
        if isinstance(d, Downgrade):
            await self._record(ev.CampaignDowngraded(from_tier=self._decision_tier(), to_tier=d.to_tier, **d.names(),
                                                     **money.at_tier(self, d.to_tier, d.margin_override)),
                               d.actor.name, d.reason)
            s.tier = d.to_tier
        else:
            assert isinstance(d, Approve)
            tier = self._decision_tier()
            await self._record(ev.CampaignApproved(tier=tier, **d.names(),
                                                   **money.at_tier(self, tier, d.margin_override)),
                               d.actor.name, money.approval_reason(self, d, tier, proposed))
            s.tier = tier
        self.decision_recorded = True
        return True

    async def _approve_planned(self, planned: PlannedCampaign) -> bool:
        """A published plan's campaign: approved by the plan at its tier, month and dates."""
        s = self.state
        s.tier, s.proposed_tier, s.score = planned.tier, planned.tier, planned.score
        s.month, s.burst_start = planned.month, planned.burst_start
        self.review_recorded = True  # nothing to score: `scored` answers once it is scheduled
        why = f"planned by {planned.plan_id}, published by {planned.approved_by}"
        why += f": {planned.reason}" if planned.reason else ""
        approved = ev.CampaignApproved(tier=planned.tier, **money.at_tier(self, planned.tier))
        await self._record_all([  # Submitted goes with the approval (no review to record it with)
            (ev.CampaignSubmitted(request=self.request, owner=self.owner.name), self.owner.name, None),
            (approved, planned.approved_by, why)])
        self.decision_recorded = True
        return True

    async def _schedule(self) -> bool:
        """Find a month and dates, reserve them, allocate resources. False: it ended."""
        s = self.state
        assert s.tier is not None, "scheduled before a tier was decided"
        while True:
            requested = self.request.burst_start if s.month == self.request.month and not self.month_chosen else None
            choice = choose_burst_start(self._policy, s.tier, s.month, requested, self._today(), self.request.hot_topic)
            if choice.burst_start is not None:
                self._check_interrupts()
                decision = await self._reserve(choice.phases, requested)
                if decision.accepted:
                    if decision.phases or decision.burst_start:  # picked under the lock among the month's bursts
                        choice = choice.model_copy(update={"burst_start": decision.burst_start or choice.burst_start,
                                                           "phases": decision.phases})
                    s.month, s.burst_start, s.phases = decision.month, choice.burst_start, choice.phases
                    s.alternatives, s.reasons = [], []
                    for displaced in decision.displaced:
                        await self._notify_displaced(displaced)
                    if s.tier != Tier.C:
                        await self._allocate()
                    self.prep.on_scheduled(s.tier, s.burst_start, self._today())
                    self._set_status(Status.SCHEDULED)
                    self.balancing_rounds += 1
                    return True
                s.alternatives, s.reasons = decision.alternatives, decision.reasons
            else:
                s.alternatives, s.reasons = [], choice.reasons
                await self._record(ev.MonthAlternativesOffered(
                    month=s.month, alternatives=[], reasons=choice.reasons), SYSTEM, "; ".join(choice.reasons))
            if not await self._await_month_choice():
                return False

    async def _await_month_choice(self) -> bool:
        self.chosen_month = None
        self._set_status(Status.AWAITING_MONTH_CHOICE, pending="month_choice")
        self.balancing_rounds += 1
        window = timedelta(hours=self._policy.month_choice_window_hours)
        if not await self._wait(lambda: self.chosen_month is not None, window):
            return await self._expire("month_choice", f"no month chosen within {window}")
        choice = self.chosen_month
        assert choice is not None
        await self._record(ev.MonthChosen(month=choice.month), choice.actor.name)
        self.month_chosen = True
        self.state.month = choice.month
        self.state.burst_start = None
        return True

    async def _run_phases(self) -> None:
        await self.prep.record_plan()
        for phase in self.state.phases:
            await self._sleep_until(phase.start)
            await self._record(ev.PhaseStarted(phase=phase.phase), SYSTEM)
            self._set_status(Status(phase.phase.value))
            await self._sleep_until(phase.end)
            await self._record(ev.PhaseEnded(phase=phase.phase), SYSTEM)
        await self._record(ev.CampaignCompleted(), SYSTEM)
        self._set_status(Status.COMPLETED)
        await self.prep.settle()
        await self.results_keeper.window()

    async def _compensate(self) -> None:
        """Cancelled: the event's projection releases the calendar place and every booking.
        Displaced by an S: release, then offer other months and carry on from there."""
        if self.cancel_request is None and self.amend_pending is not None:
            try:
                await amend_flow.rereview(self)
            except _Interrupted:
                await self._compensate()
            return
        if self.cancel_request is not None:
            c = self.cancel_request
            await self._record(ev.CampaignCancelled(stage=self.state.status.value), c.actor.name, c.reason)
            self.prep.close()
            self.state.bookings = []
            self._set_status(Status.CANCELLED)
            return
        d = self.displaced_by
        assert d is not None
        self.displaced_by = None
        await self._record(ev.DisplacedBySCampaign(by_campaign_id=d.by_campaign_id, month=d.month), SYSTEM,
                           f"{d.month} became an S month")
        self.state.bookings, self.state.phases = [], []
        try:
            if await self._schedule():
                await self._run_phases()
        except _Interrupted:
            await self._compensate()

    # ---------------------------------------------------------------- steps
    async def _reserve(self, phases: list[Phase], requested: date | None) -> BalancingDecision:
        s = self.state
        slot = self._next_slot(SYSTEM)
        decision = await self._step(
            CampaignActivities.reserve_month,
            ReserveMonth(slot=slot, phases=phases, requested_burst_start=requested,
                         request=BalancingRequest(
                campaign_id=s.campaign_id, month=s.month, tier=s.tier, category=s.category,
                hot_topic=s.hot_topic, category_reason=self.request.category_reason,
                a_override=isinstance(self.decision, Approve) and self.decision.a_override,
                s_half_override=isinstance(self.decision, Approve) and self.decision.s_half_override,
                cost=reservation_cost(self.request, s.forecast))))
        self._remember(slot, "MonthReserved" if decision.accepted else "MonthAlternativesOffered")
        return decision

    async def _allocate(self) -> None:
        s = self.state
        slot = self._next_slot(SYSTEM)
        allocated = await self._step(CampaignActivities.allocate_resources,
                                     AllocateResources(slot=slot, tier=s.tier, phases=s.phases))
        self._remember(slot, allocated.type)
        s.bookings, s.shortfall = allocated.bookings, allocated.shortfall

    async def _step(self, fn: Any, arg: Any) -> Any:
        """A reservation or allocation step: a local activity (approve -> scheduled in one task)."""
        return await workflow.execute_local_activity_method(fn, arg, **_STEP)

    async def _notify_displaced(self, campaign_id: str) -> None:
        try:
            await workflow.get_external_workflow_handle(campaign_id).signal(
                CampaignWorkflow.displaced, Displaced(by_campaign_id=self.state.campaign_id, month=self.state.month))
        except Exception as err:  # noqa: BLE001 - it has ended meanwhile: nothing left to move
            workflow.logger.warning("could not notify displaced campaign %s: %s", campaign_id, err)

    async def _expire(self, stage: str, reason: str) -> bool:
        await self._record(ev.RequestExpired(stage=stage), SYSTEM, reason)
        self.prep.close()
        self._set_status(Status.EXPIRED)
        return False

    async def _record(self, body: ev.EventBody, actor: str, reason: str | None = None) -> None:
        await self._record_all([(body, actor, reason)])

    async def _record_all(self, items: list[tuple[ev.EventBody, str, str | None]]) -> None:
        """Append events in one transaction, as a local activity."""
        slots = [self._next_slot(actor, reason) for _, actor, reason in items]
        events = [ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=slot.actor,
                           reason=slot.reason, body=body) for slot, (body, _, _) in zip(slots, items, strict=True)]
        await workflow.execute_local_activity_method(CampaignActivities.record_events, events, **_STEP)
        for slot, event in zip(slots, events, strict=True):
            self._remember(slot, event.body.type)

    def _remember(self, slot: EventSlot, event_type: str) -> None:
        self.state.history.append(HistoryItem(seq=slot.seq, type=event_type, at=slot.at, actor=slot.actor,
                                              reason=slot.reason))

    def _next_slot(self, actor: str, reason: str | None = None) -> EventSlot:
        """Assign the next seq: the workflow owns the stream's numbering."""
        self.seq += 1
        return EventSlot(campaign_id=self.state.campaign_id, seq=self.seq, at=workflow.now(), actor=actor,
                         reason=reason)

    # ---------------------------------------------------------------- waiting
    async def _wait(self, condition: Callable[[], bool], timeout: timedelta) -> bool:
        """Wait for `condition` up to `timeout` (a durable timer). Raises _Interrupted on
        cancel or displacement; returns False on timeout. An amendment met here is applied
        in place when it is not material (the wait goes on to the same deadline), and
        interrupts the wait when it is (workflows/amend.py)."""
        deadline = workflow.now() + timeout
        while True:
            remaining = deadline - workflow.now()
            try:
                await workflow.wait_condition(
                    lambda: condition() or self._interrupted() or self.amend_pending is not None, timeout=remaining)
            except TimeoutError:
                return False
            self._check_interrupts()
            if self.amend_pending is None or condition():
                return True
            await self._meet_amendment()
            if deadline <= workflow.now():
                return False

    async def _meet_amendment(self) -> None:
        """An amendment met in a wait: applied in place when not material, else it interrupts
        the wait (workflows/amend.py). Every wait of the workflow calls this."""
        if self.amend_pending is not None and not await amend_flow.apply_in_place(self):
            raise _Interrupted()

    async def _sleep_until(self, day) -> None:
        # the phase wait, also keeping the milestones' timers
        await self.prep.wait_until(phase_start_instant(self._policy, day))
        self._check_interrupts()

    def _interrupted(self) -> bool:
        return self.cancel_request is not None or (
            self.displaced_by is not None
            and self.state.status in (Status.SCHEDULED, Status.WARMUP, Status.BURST, Status.ENCORE))

    def _check_interrupts(self) -> None:
        if self._interrupted():
            raise _Interrupted()

    # ---------------------------------------------------------------- helpers
    def _leadership_decides(self) -> bool:
        """An S request is decided by leadership whatever the score proposes."""
        return self.request.requested_tier == Tier.S

    def _decision_tier(self) -> Tier:
        """The tier an approval gives, and whose authority a decision needs."""
        return Tier.S if self._leadership_decides() else (self.state.proposed_tier or Tier.C)

    @property
    def _policy(self) -> Policy:
        assert self.policy is not None
        return self.policy

    def _today(self):
        return local_date(self._policy, workflow.now())

    def _set_status(self, status: Status, pending: str | None = None) -> None:
        self.state.status, self.state.pending = status, pending
        amend_flow.refuse_if_too_late(self, status)
        self._upsert_search_attributes()

    def _upsert_search_attributes(self) -> None:
        s = self.state
        values = (s.status.value, (s.tier or s.proposed_tier or s.requested_tier or Tier.C).value, s.month)
        if values == self.search_attributes:
            return  # nothing changed, no command
        self.search_attributes = values
        workflow.upsert_search_attributes([
            sa.CAMPAIGN_STATUS.value_set(s.status.value),
            sa.CAMPAIGN_TIER.value_set((s.tier or s.proposed_tier or s.requested_tier or Tier.C).value),
            sa.CAMPAIGN_MONTH.value_set(s.month),
            sa.BUSINESS_LINE.value_set(s.business_line),
            sa.CATEGORY.value_set(s.category),
        ])

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
            self.review_recorded and self.state.status != Status.SUBMITTED))
        return self.state

    # ---------------------------------------------------------------- decisions (updates)
    def _check_approver(self, actor: Actor, tier: Tier, on_behalf_of: Actor | None = None) -> None:
        if self.state.status != Status.IN_REVIEW or self.decision is not None or self.amend_pending is not None:
            raise _invalid_state(f"campaign is {self.state.status.value}"
                                 + (", already decided" if self.decision is not None else "")
                                 + "; a decision needs a campaign in review")
        authority = on_behalf_of or actor  # a delegate decides with the delegator's authority
        if authority.role not in self._policy.rule(tier).approver_roles:
            raise _forbidden(f"a {authority.role} may not decide a {tier.value}-tier campaign")
        for who in (actor, on_behalf_of):  # the delegate's own line too
            if who is not None and who.business_line is not None and who.business_line == self.state.business_line:
                raise _forbidden(f"{who.name} belongs to {who.business_line} and may not decide its campaigns",
                                 "separation_of_duties")

    async def _until_decided(self) -> None:
        # Answer once the decision has an outcome: scheduled, offered other months, or ended.
        await workflow.wait_condition(lambda: self.state.status.is_final or (
            self.decision_recorded and self.state.status in (Status.SCHEDULED, Status.AWAITING_MONTH_CHOICE)))

    @workflow.update
    async def approve(self, inp: Approve) -> CampaignState:
        self.decision = inp
        await self._until_decided()
        return self.state

    @approve.validator
    def _validate_approve(self, inp: Approve) -> None:
        self._check_approver(inp.actor, self._decision_tier(), inp.on_behalf_of)
        money.validate_overrides(self, inp.actor, inp.on_behalf_of, self._decision_tier(), reason=inp.reason,
                                 margin_override=inp.margin_override, s_half_override=inp.s_half_override)

    @workflow.update
    async def downgrade(self, inp: Downgrade) -> CampaignState:
        self.decision = inp
        await self._until_decided()
        return self.state

    @downgrade.validator
    def _validate_downgrade(self, inp: Downgrade) -> None:
        proposed = self._decision_tier()
        if self.state.status == Status.IN_REVIEW and not inp.to_tier.is_below(proposed):
            raise ApplicationError(f"a downgrade must go below the proposed tier {proposed.value}, "
                                   f"not to {inp.to_tier.value}", type="invalid_tier", non_retryable=True)
        # Approvers may downgrade an S (only approving one takes a leader): an S downgrade
        # needs the authority of an A decision, any other the authority of its own tier.
        self._check_approver(inp.actor, Tier.A if proposed == Tier.S else proposed, inp.on_behalf_of)
        money.validate_overrides(self, inp.actor, inp.on_behalf_of, inp.to_tier, reason=inp.reason,
                                 margin_override=inp.margin_override)

    @workflow.update
    async def reject(self, inp: Reject) -> CampaignState:
        self.decision = inp
        await self._until_decided()
        return self.state

    @reject.validator
    def _validate_reject(self, inp: Reject) -> None:
        self._check_approver(inp.actor, self._decision_tier(), inp.on_behalf_of)

    @workflow.update
    async def amend(self, inp: Amend) -> AmendResult:
        return await amend_flow.handle(self, inp)

    @amend.validator
    def _validate_amend(self, inp: Amend) -> None:
        amend_flow.validate(self, inp)

    @workflow.update
    async def choose_month(self, inp: ChooseMonth) -> CampaignState:
        self.chosen_month = inp
        rounds = self.balancing_rounds
        await workflow.wait_condition(lambda: self.balancing_rounds > rounds or self.state.status.is_final)
        return self.state

    @choose_month.validator
    def _validate_choose_month(self, inp: ChooseMonth) -> None:
        s = self.state
        if inp.actor.business_line != s.business_line:
            raise _forbidden(f"only the owning business line {s.business_line} may choose the month")
        if s.status != Status.AWAITING_MONTH_CHOICE or self.chosen_month is not None:
            raise _invalid_state(f"campaign is {s.status.value}; no month choice is pending")
        if inp.month not in s.alternatives:
            raise _invalid_state(f"{inp.month} was not offered; choose one of {', '.join(s.alternatives) or 'none'}")

    @workflow.update
    async def cancel(self, inp: Cancel) -> CampaignState:
        self.cancel_request = inp
        await workflow.wait_condition(lambda: self.state.status.is_final)
        return self.state

    @cancel.validator
    def _validate_cancel(self, inp: Cancel) -> None:
        s = self.state
        if inp.actor.role != "ops" and inp.actor.business_line != s.business_line:
            raise _forbidden("only the owning business line or ops may cancel a campaign")
        if s.status.is_final or self.cancel_request is not None:
            raise _invalid_state(f"campaign is already {s.status.value}" +
                                 (" (cancel pending)" if self.cancel_request is not None else ""))

    # ---------------------------------------------------------------- results (update)
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
    def _signal(self, validate: Callable[[], None], accept: Callable[[], None]) -> None:
        # Signals cannot be refused to the sender: an invalid one is logged and ignored.
        try:
            validate()
        except ApplicationError as err:
            workflow.logger.warning("signal ignored: %s", err)
            return
        accept()

    @workflow.signal
    def approve_signal(self, inp: Approve) -> None:
        self._signal(lambda: self._validate_approve(inp), lambda: setattr(self, "decision", inp))

    @workflow.signal
    def downgrade_signal(self, inp: Downgrade) -> None:
        self._signal(lambda: self._validate_downgrade(inp), lambda: setattr(self, "decision", inp))

    @workflow.signal
    def reject_signal(self, inp: Reject) -> None:
        self._signal(lambda: self._validate_reject(inp), lambda: setattr(self, "decision", inp))

    @workflow.signal
    def choose_month_signal(self, inp: ChooseMonth) -> None:
        self._signal(lambda: self._validate_choose_month(inp), lambda: setattr(self, "chosen_month", inp))

    @workflow.signal
    def cancel_signal(self, inp: Cancel) -> None:
        self._signal(lambda: self._validate_cancel(inp), lambda: setattr(self, "cancel_request", inp))

    @workflow.signal
    def displaced(self, inp: Displaced) -> None:
        if not self.state.status.is_final:
            self.displaced_by = inp

"""The campaign's results window (issue #13): after
its last phase the campaign stays open for actuals, then records its outcome.

Kept beside the workflow as a helper it owns (like the milestones), so the workflow file
holds the campaign's life and this one the bookkeeping of its actuals."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Protocol

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.approvals.people import SYSTEM
    from domain.approvals.roles import owner_or_ops
    from domain.policy import Policy
    from domain.results import events as results_ev
    from domain.results.actuals import ActualRow, check_rows, errors_message, own_days, split_batch
    from domain.results.outcome import compute_outcome
    from domain.status import Status
    from domain.tiers import Tier
    from workflows.messages import ActualsAnswer, CampaignState, RecordActuals



class _Host(Protocol):
    state: CampaignState
    request: Any
    policy: Policy | None

    @property
    def _policy(self) -> Policy: ...

    async def _record(self, body: Any, actor: str, reason: str | None = None) -> None: ...

    async def _sleep_until(self, day: date) -> None: ...

    def _today(self) -> date: ...


class ResultsKeeper:
    def __init__(self, host: _Host) -> None:
        self.host = host
        self.actuals: dict[date, ActualRow] = {}
        self.busy = False  # one batch at a time: each is split against what is recorded
        self.closed = False

    async def window(self) -> None:
        """Wait the policy's results window after the last phase for actuals (the
        `record_actuals` update), then record the outcome and close."""
        host, policy = self.host, self.host._policy
        span = own_days(host.state.phases)
        if span is None:  # nothing ran on any day: no window, no outcome
            return
        await host._sleep_until(span[1] + timedelta(days=policy.results.results_window_days))
        self.closed = True
        await workflow.wait_condition(lambda: not self.busy)
        rows = sorted(self.actuals.values(), key=lambda r: r.date)
        outcome = compute_outcome(policy, host.request.forecast, host.state.phases,
                                  policy.rule(host.state.tier or Tier.C).counted_days, rows,
                                  host.request.money, host.request.mechanics)
        await host._record(results_ev.CampaignOutcome(outcome=outcome, days=(span[1] - span[0]).days), SYSTEM,
                           f"results window of {policy.results.results_window_days} days closed")
        host.state.outcome_recorded = True

    async def record(self, inp: RecordActuals) -> ActualsAnswer:
        await workflow.wait_condition(lambda: not self.busy)
        self.busy = True
        try:
            new, changed = split_batch(self.actuals, inp.rows)
            if new:
                await self.host._record(results_ev.ActualsRecorded(rows=new), inp.actor.name)
            if changed:
                await self.host._record(results_ev.ActualsCorrected(corrections=changed), inp.actor.name)
            self.actuals.update({r.date: r for r in new})
            self.actuals.update({c.new.date: c.new for c in changed})
        finally:
            self.busy = False
        return ActualsAnswer(campaign_id=self.host.state.campaign_id, recorded=len(new), corrected=len(changed),
                             unchanged=len(inp.rows) - len(new) - len(changed))

    def validate(self, inp: RecordActuals) -> None:
        s = self.host.state
        if not owner_or_ops(inp.actor, s.business_line):
            raise ApplicationError("only the owning business line or ops may record actuals",
                                   type="forbidden", non_retryable=True)
        if s.outcome_recorded:
            raise ApplicationError("the results window is closed", type="results_closed", non_retryable=True)
        if self.closed:  # the outcome is being recorded: this workflow still owns the stream's seqs
            raise ApplicationError("the results window is closing: the outcome is being recorded",
                                   type="results_closing", non_retryable=True)
        if self.host.policy is None or s.status in (Status.REJECTED, Status.CANCELLED, Status.EXPIRED) or not s.phases:
            raise ApplicationError(f"campaign is {s.status.value} without phases; no day takes actuals",
                                   type="invalid_state", non_retryable=True)
        errors = check_rows(self.host._policy, inp.rows, s.phases, self.host._today())
        if errors:
            raise ApplicationError(errors_message(errors), [e.model_dump() for e in errors],
                                   type="invalid_actuals", non_retryable=True)

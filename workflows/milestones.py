"""A scheduled campaign's milestones inside its workflow.

Kept out of `campaign.py` so the workflow file stays about the campaign's life. The
workflow owns one `MilestoneKeeper`; the keeper records every change as an event through
the workflow's own `_record` (so every append still gets its seq from the one place that
numbers the stream):

- once scheduled, the tier's milestones are computed (domain/approvals/preparation.py) into the
  state before the status says scheduled, then `MilestonesPlanned` is recorded; a campaign
  scheduled again after a move records `MilestonesMoved` for its open ones instead;
- while the workflow waits for a phase, the same wait is a durable timer on the next
  milestone's end of day: an open milestone passing it becomes `MilestoneOverdue`, naming
  whom it escalates to (the team's lead from the policy, else ops);
- `mark done` requests (an update) are queued by the handler and recorded by the waiting
  loop, one writer at a time, then answered;
- after the encore the workflow stays until its last milestones (the retrospective) are
  done or overdue; cancel and expiry close the pending ones.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import events as ev
    from domain.approvals.people import SYSTEM, Milestone, MilestoneStatus
    from domain.approvals.preparation import (
        describe_moves,
        escalation_target,
        move_milestones,
        next_overdue,
        now_overdue,
        plan_milestones,
    )
    from domain.approvals.roles import owner_or_ops
    from domain.policy import Policy
    from domain.status import Status
    from domain.tiers import Tier
    from workflows.handoff import Handoff
    from workflows.messages import CampaignState, MarkMilestoneDone



class _Host(Protocol):
    state: CampaignState
    handoff: Handoff  # the owner's amendment waiting to be met (workflows/amend.py)

    @property
    def _policy(self) -> Policy: ...

    async def _record(self, body: Any, actor: str, reason: str | None = None) -> None: ...

    def _interrupted(self) -> bool: ...

    def _check_interrupts(self) -> None: ...

    async def _meet_amendment(self) -> None: ...


class MilestoneKeeper:
    def __init__(self, host: _Host) -> None:
        self.host = host
        self.to_record: ev.EventBody | None = None  # planned or moved, recorded by the waiting loop
        self.pending: dict[str, MarkMilestoneDone] = {}  # done requests, by key, in arrival order
        self.accepting = False  # a plan is held and the workflow still waits for its milestones

    @property
    def milestones(self) -> list[Milestone]:
        return self.host.state.milestones

    # ------------------------------------------------------------ plan and move
    def on_scheduled(self, tier: Tier, burst_start: date | None, today: date) -> None:
        """Synchronously, before the status says scheduled: the state shows the milestones
        as soon as anyone sees the campaign scheduled."""
        if burst_start is None:
            return
        policy = self.host._policy
        if not self.milestones:
            planned = plan_milestones(policy, tier, burst_start, today)
            self.host.state.milestones = planned
            self.to_record = ev.MilestonesPlanned(burst_start=burst_start, milestones=planned) if planned else None
        else:
            moved, moves = move_milestones(policy, self.milestones, tier, burst_start, today)
            self.host.state.milestones = moved
            self.to_record = ev.MilestonesMoved(burst_start=burst_start, moves=moves) if moves else None
        self.accepting = bool(self.milestones)

    async def record_plan(self) -> None:
        body, self.to_record = self.to_record, None
        if isinstance(body, ev.MilestonesPlanned):
            await self.host._record(body, SYSTEM, f"{len(body.milestones)} milestones worked back from the burst "
                                                  f"{body.burst_start.isoformat()}")
        elif isinstance(body, ev.MilestonesMoved):
            await self.host._record(body, SYSTEM, describe_moves(body.moves))

    # ------------------------------------------------------------ waiting
    async def wait_until(self, target: datetime) -> None:
        """Wait for `target` as the workflow's phase wait does, meanwhile recording done
        requests and milestones passing their due day. Raises the host's interruption."""
        policy = self.host._policy
        while True:
            await self._flush()
            now = workflow.now()
            late = now_overdue(policy, self.milestones, now)
            if late:
                for m in late:
                    await self._overdue(m)
                continue
            if now >= target:
                return
            nxt = next_overdue(policy, self.milestones)
            wake = target if nxt is None else min(target, nxt)
            try:
                await workflow.wait_condition(
                    lambda: bool(self.pending) or self.host._interrupted() or self.host.handoff.amend is not None,
                    timeout=wake - now)
            except TimeoutError:
                pass
            self.host._check_interrupts()
            await self.host._meet_amendment()  # the owner's amendment, as in every wait

    async def settle(self) -> None:
        """After the encore: stay until no milestone is open (done, or overdue at its day's end)."""
        while (nxt := next_overdue(self.host._policy, self.milestones)) is not None:
            await self.wait_until(nxt)
        await self._flush()
        self.accepting = False

    def close(self) -> None:
        """Cancelled or expired: nothing is owed any more (the event's projection closes the rows)."""
        self.host.state.milestones = [m.model_copy(update={"status": MilestoneStatus.CLOSED}) if m.is_pending else m
                                      for m in self.milestones]
        self.accepting = False
        self.pending.clear()

    async def _overdue(self, m: Milestone) -> None:
        self._set(m.key, status=MilestoneStatus.OVERDUE)
        # escalate_to only adds to the appended event's payload: the commands stay the same
        # (one append, same order), so running histories replay as before
        body = ev.MilestoneOverdue(key=m.key, due=m.due, team=m.team,
                                   escalate_to=escalation_target(self.host._policy, m.team))
        await self.host._record(body, SYSTEM, f"{m.name} was due {m.due.isoformat()} ({m.team})")

    async def _flush(self) -> None:
        while self.pending:
            key = next(iter(self.pending))
            req = self.pending[key]
            self._set(key, status=MilestoneStatus.DONE, done_by=req.actor.name, done_at=workflow.now())
            await self.host._record(ev.MilestoneDone(key=key), req.actor.name, req.comment)
            del self.pending[key]

    def _set(self, key: str, **changes: Any) -> None:
        self.host.state.milestones = [m.model_copy(update=changes) if m.key == key else m for m in self.milestones]

    # ------------------------------------------------------------ the update
    def validate_done(self, inp: MarkMilestoneDone) -> None:
        s = self.host.state
        if not owner_or_ops(inp.actor, s.business_line):
            raise ApplicationError("only the owning business line or ops may mark a milestone done",
                                   type="forbidden", non_retryable=True)
        m = next((m for m in self.milestones if m.key == inp.key), None)
        if not self.milestones:
            raise ApplicationError(f"campaign is {s.status.value} and holds no plan with milestones",
                                   type="invalid_state", non_retryable=True)
        if m is None:
            raise ApplicationError(f"campaign has no milestone {inp.key!r}; it has "
                                   f"{', '.join(x.key for x in self.milestones)}", type="not_found",
                                   non_retryable=True)
        if m.status == MilestoneStatus.DONE or inp.key in self.pending:
            raise ApplicationError(f"milestone {inp.key} is already done", type="invalid_state", non_retryable=True)
        if m.status == MilestoneStatus.CLOSED or not self.accepting or not (
                s.status.is_live or s.status == Status.COMPLETED):
            raise ApplicationError(f"campaign is {s.status.value}; it holds no plan to mark done",
                                   type="invalid_state", non_retryable=True)

    async def done(self, inp: MarkMilestoneDone) -> None:
        self.pending[inp.key] = inp
        await workflow.wait_condition(lambda: inp.key not in self.pending)
        m = next(m for m in self.milestones if m.key == inp.key)
        if m.status != MilestoneStatus.DONE:  # closed meanwhile (cancelled)
            raise ApplicationError(f"campaign is {self.host.state.status.value}; milestone {inp.key} was closed",
                                   type="invalid_state", non_retryable=True)

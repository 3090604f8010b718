"""The campaign workflow's event recording: the one place that numbers the stream.

Every event gets its seq and time here, is appended by the `record_events` local activity
(one transaction for what always goes together; a retry appends the same events again,
which is a no-op) and is remembered in the state's history. The scheduling step takes its
slots here too and appends its events inside its transaction. A decision that scheduling
always follows (an approval) is `defer`red: numbered now, appended by the next write (the
scheduling transaction, or `record_all`), so an approval costs one local activity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.campaign import CampaignActivities
    from activities.messages import EventSlot
    from domain import events as ev
    from domain.campaign_state import CampaignState, HistoryItem

# Every step is one short transaction or read, as a local activity (one marker each instead
# of three events and a workflow task); a lost worker's attempt is retried after 10 s (safe:
# appends are idempotent, the seq is assigned here).
STEP: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=10),
    retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)),
)


async def step(fn: Any, arg: Any) -> Any:
    """One step of the campaign (a read, a reservation, an allocation) as a local activity."""
    return await workflow.execute_local_activity_method(fn, arg, **STEP)


class EventLog:
    def __init__(self, state: CampaignState) -> None:
        self.state = state
        self.seq = 0
        self.pending: list[ev.Event] = []  # numbered, not yet appended: they go with the next write

    def next_slot(self, actor: str, reason: str | None = None) -> EventSlot:
        """Assign the next seq: the workflow owns the stream's numbering."""
        self.seq += 1
        return EventSlot(campaign_id=self.state.campaign_id, seq=self.seq, at=workflow.now(), actor=actor,
                         reason=reason)

    def slot_after(self, slot: EventSlot) -> EventSlot:
        """The seq after `slot`, not taken yet (`take` it once the step used it)."""
        return slot.model_copy(update={"seq": slot.seq + 1, "reason": None})

    def take(self, slot: EventSlot) -> None:
        assert slot.seq == self.seq + 1, f"seq {slot.seq} is not the next one ({self.seq + 1})"
        self.seq = slot.seq

    def defer(self, body: ev.EventBody, actor: str, reason: str | None = None) -> None:
        """Number an event now and append it with the next write, in its transaction."""
        slot = self.next_slot(actor, reason)
        self.pending.append(ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=slot.actor,
                                     reason=slot.reason, body=body))

    def take_pending(self) -> list[ev.Event]:
        """The deferred events, for a step that appends them in its transaction (then `appended`)."""
        events, self.pending = self.pending, []
        return events

    def appended(self, events: list[ev.Event]) -> None:
        for event in events:
            self.state.history.append(HistoryItem(seq=event.seq, type=event.body.type, at=event.at,
                                                  actor=event.actor, reason=event.reason))

    async def flush(self) -> None:
        """Append what is still deferred (no command when nothing is)."""
        if self.pending:
            await self.record_all([])

    def remember(self, slot: EventSlot, event_type: str) -> None:
        self.state.history.append(HistoryItem(seq=slot.seq, type=event_type, at=slot.at, actor=slot.actor,
                                              reason=slot.reason))

    async def record(self, body: ev.EventBody, actor: str, reason: str | None = None) -> None:
        await self.record_all([(body, actor, reason)])

    async def record_all(self, items: list[tuple[ev.EventBody, str, str | None]]) -> None:
        """Append events in one transaction, as a local activity (the deferred ones first)."""
        before = self.take_pending()
        slots = [self.next_slot(actor, reason) for _, actor, reason in items]
        events = before + [ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=slot.actor,
                                    reason=slot.reason, body=body)
                           for slot, (body, _, _) in zip(slots, items, strict=True)]
        await workflow.execute_local_activity_method(CampaignActivities.record_events, events, **STEP)
        self.appended(events)

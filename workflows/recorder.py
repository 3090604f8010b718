"""The campaign workflow's event recording: the one place that numbers the stream.

Every event gets its seq and time here, is appended by the `record_events` local activity
(one transaction for what always goes together; a retry appends the same events again,
which is a no-op) and is remembered in the state's history. The reservation and allocation
steps take a slot here too and append their own event inside their transaction."""

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

    def next_slot(self, actor: str, reason: str | None = None) -> EventSlot:
        """Assign the next seq: the workflow owns the stream's numbering."""
        self.seq += 1
        return EventSlot(campaign_id=self.state.campaign_id, seq=self.seq, at=workflow.now(), actor=actor,
                         reason=reason)

    def remember(self, slot: EventSlot, event_type: str) -> None:
        self.state.history.append(HistoryItem(seq=slot.seq, type=event_type, at=slot.at, actor=slot.actor,
                                              reason=slot.reason))

    async def record(self, body: ev.EventBody, actor: str, reason: str | None = None) -> None:
        await self.record_all([(body, actor, reason)])

    async def record_all(self, items: list[tuple[ev.EventBody, str, str | None]]) -> None:
        """Append events in one transaction, as a local activity."""
        slots = [self.next_slot(actor, reason) for _, actor, reason in items]
        events = [ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=slot.actor,
                           reason=slot.reason, body=body) for slot, (body, _, _) in zip(slots, items, strict=True)]
        await workflow.execute_local_activity_method(CampaignActivities.record_events, events, **STEP)
        for slot, event in zip(slots, events, strict=True):
            self.remember(slot, event.body.type)

"""The activities' append: `projections.record`, with a conflict made a non-retryable failure.

Every activity appends its event at the seq its workflow assigned, and a retry of the same
event is a no-op (store/eventstore.py). A *different* event at that seq (`EventConflict`)
means another writer took the stream's seq: retrying can never succeed, and retried forever
it would stop the campaign silently. So it fails the activity at once
(`ApplicationError(type="EventConflict", non_retryable=True)`): the bug surfaces in the
workflow, naming both events.
"""

from __future__ import annotations

import asyncpg
from temporalio.exceptions import ApplicationError

from domain import events as ev
from store import eventstore, projections


async def append_and_project(conn: asyncpg.Connection, event: ev.Event) -> None:
    try:
        await projections.record(conn, event)  # None: a retry of an event already in the log
    except eventstore.EventConflict as err:
        raise ApplicationError(str(err), type="EventConflict", non_retryable=True) from err

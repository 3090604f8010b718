"""The append-only log: idempotent, gapless appends and ordered reads.

Identity of an event is (campaign_id, seq); the workflow assigns seq. Appending the
same event again is a no-op (activities run at least once); a different event at a
taken seq is an `EventConflict` naming both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from pydantic_core import to_json

from domain.events import Event, parse_body, schema_version
from store import outbox


class EventConflict(RuntimeError):
    """A different event already holds (campaign_id, seq)."""

    def __init__(self, new: Event, existing: StoredEvent):
        self.new, self.existing = new, existing
        super().__init__(
            f"{new.campaign_id} seq {new.seq}: cannot append {new.type} by {new.actor}, "
            f"seq is taken by {existing.type} by {existing.actor} at {existing.at.isoformat()}"
        )


class SeqGap(RuntimeError):
    """seq would leave a hole in the stream (seq - 1 does not exist)."""


@dataclass(frozen=True)
class StoredEvent:
    position: int
    campaign_id: str
    seq: int
    type: str
    schema_version: int
    data: dict[str, Any]
    actor: str
    reason: str | None
    at: datetime

    def to_event(self) -> Event:
        body = parse_body(self.type, self.schema_version, self.data)
        return Event(campaign_id=self.campaign_id, seq=self.seq, at=self.at, actor=self.actor,
                     reason=self.reason, body=body)


_COLUMNS = "position, campaign_id, seq, type, schema_version, data, actor, reason, at"


def _stored(row: asyncpg.Record) -> StoredEvent:
    return StoredEvent(**dict(row))


# One statement, one round trip: the event (gapless, idempotent on (campaign_id, seq)) and
# its webhook outbox rows (store/outbox.py) together.
_APPEND_HEAD = """
    WITH ev AS (
        INSERT INTO events (campaign_id, seq, type, schema_version, data, actor, reason, at)
        SELECT $1, $2, $3, $4, $5::text::jsonb, $6, $7, $8
        WHERE $2 = 1 OR EXISTS (SELECT 1 FROM events WHERE campaign_id = $1 AND seq = $2 - 1)
        ON CONFLICT (campaign_id, seq) DO NOTHING
        RETURNING position),""" + outbox.ENQUEUE_CTE.format(
    event_id="$9", type="$3::text", campaign_id="$1::text", payload="$10::text")
_APPEND = _APPEND_HEAD + """
    SELECT position FROM ev"""


async def append(conn: asyncpg.Connection, event: Event, then: tuple[str, list[Any]] | None = None) -> int | None:
    """Append inside the caller's transaction. Returns the new global position, or None
    when this event is already in the log (a retry: nothing to do).

    "This event" is the same seq with the same type, data, actor and reason; its time may
    differ. A local activity's retry after a lost workflow task is decided again in a new
    task, at a new `workflow.now()`: the same event, decided a little later. The first
    time stands in the log.

    `then` is an extra data-modifying statement over the CTE `ev` (parameters from $11),
    run in the same statement: it takes effect only when the event was inserted."""
    sql, extra = _APPEND, []
    if then is not None:  # the event's fold, in the same statement (projections.record)
        sql, extra = f"{_APPEND_HEAD},\n    folded AS ({then[0]})\n    SELECT position FROM ev", then[1]
    # the data dumped once and both JSON texts encoded by pydantic-core (`json_text`), sent as text
    data = event.data()
    data_json = json_text(data)
    position = await conn.fetchval(
        sql, event.campaign_id, event.seq, event.type, schema_version(event.type), data_json,
        event.actor, event.reason, event.at, outbox.event_id(event), json_text(outbox.payload(event, data)), *extra)
    if position is not None:
        return position
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS}, (type = $3 AND data = $4::text::jsonb AND actor = $5
                   AND reason IS NOT DISTINCT FROM $6) AS same
            FROM events WHERE campaign_id = $1 AND seq = $2""",
        event.campaign_id, event.seq, event.type, data_json, event.actor, event.reason,
    )
    if row is None:
        raise SeqGap(f"{event.campaign_id}: seq {event.seq} would leave a gap (seq {event.seq - 1} is missing)")
    if row["same"]:
        return None
    raise EventConflict(event, StoredEvent(**{k: row[k] for k in row.keys() if k != "same"}))


# Many events of many streams in one statement (`append_many`): the same gapless rule as
# `_APPEND` (seq 1, or seq - 1 already in the log or earlier in this batch) and the same
# outbox rows (the `ENQUEUE_CTE` above, fed one row per inserted event; the payload is
# `outbox.payload` sent without its data, which is added here from the event's own data,
# so the big part crosses the wire and is parsed once). No ON CONFLICT: a taken
# (campaign_id, seq) raises, and a row the gap rule holds back is missing from what the
# statement returns; either way the caller rolls back.
_APPEND_MANY = """
    WITH batch AS (
        SELECT campaign_id, seq, type, schema_version, data::jsonb AS data, actor, reason, at, event_id, head, n
        FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                    $8::timestamptz[], $9::text[], $10::text[]) WITH ORDINALITY
            AS t(campaign_id, seq, type, schema_version, data, actor, reason, at, event_id, head, n)),
    inserted AS (
        INSERT INTO events (campaign_id, seq, type, schema_version, data, actor, reason, at)
        SELECT b.campaign_id, b.seq, b.type, b.schema_version, b.data, b.actor, b.reason, b.at
        FROM batch b
        LEFT JOIN LATERAL (  -- an index probe per row (LIMIT keeps it from hashing the whole log)
            SELECT true AS found FROM events e WHERE e.campaign_id = b.campaign_id AND e.seq = b.seq - 1 LIMIT 1
        ) prev ON true
        WHERE b.seq = 1 OR prev.found
           OR EXISTS (SELECT 1 FROM batch p WHERE p.campaign_id = b.campaign_id AND p.seq = b.seq - 1)
        ORDER BY b.n
        RETURNING position, campaign_id, seq),
    ev AS (SELECT i.position, b.* FROM inserted i JOIN batch b USING (campaign_id, seq)),""" + \
    outbox.ENQUEUE_CTE.format(event_id="ev.event_id", type="ev.type", campaign_id="ev.campaign_id",
                              payload="(ev.head::jsonb || jsonb_build_object('data', ev.data))") + """
    SELECT n, position FROM ev ORDER BY n"""


async def append_many(conn: asyncpg.Connection, events: Sequence[Event]) -> list[int | None]:
    """Append events of many streams in one statement inside the caller's transaction, with
    their webhook outbox rows; positions follow the order given. Returns each event's
    position, None where the gap rule held it back (the caller must roll back then).
    A taken (campaign_id, seq) raises asyncpg.UniqueViolationError: unlike `append` this
    is for writers that just chose the seqs under the stream's lock, not for retries."""
    if not events:
        return []
    columns: list[list[Any]] = [[] for _ in range(10)]
    for e in events:
        head = outbox.envelope(e)
        data = data_text(e)
        for col, value in zip(columns, (e.campaign_id, e.seq, e.type, schema_version(e.type), data, e.actor,
                                        e.reason, e.at, head["event_id"], json_text(head)), strict=True):
            col.append(value)
    rows = await conn.fetch(_APPEND_MANY, *columns)
    positions: list[int | None] = [None] * len(events)
    for r in rows:
        positions[r["n"] - 1] = r["position"]
    return positions


# Bodies whose every float is validated finite (`allow_inf_nan=False` on each model in them,
# tests/store/test_eventstore.py checks it): pydantic-core writes their data as JSON straight
# from the models, in about half the time of a dump then an encoding. Other bodies go through
# `json_text`, which writes a non-finite float as Infinity, so that jsonb refuses it; straight
# from a model it would be written as null and stored.
ONE_PASS = frozenset({"ActualsRecorded", "ActualsCorrected", "CampaignOutcome"})


def data_text(event: Event) -> str:
    """`event.data()` as JSON text for a jsonb parameter."""
    if event.type in ONE_PASS:
        return event.body.model_dump_json(exclude={"type"})
    return json_text(event.data())


def json_text(value: Any) -> str:
    """JSON for a jsonb parameter sent as text: the same jsonb as the pool's codec
    (`json.dumps`) gives, NaN and infinities included (refused alike), in a fraction of
    its time (pydantic-core's encoder); only spacing and escapes differ, which jsonb drops."""
    return to_json(value).decode()


async def last_seqs(conn: asyncpg.Connection | asyncpg.Pool, campaign_ids: Sequence[str]) -> dict[str, int]:
    """The last seq of each of these streams (absent: no events)."""
    rows = await conn.fetch("SELECT campaign_id, max(seq) AS seq FROM events WHERE campaign_id = ANY($1::text[]) "
                            "GROUP BY campaign_id", list(campaign_ids))
    return {r["campaign_id"]: r["seq"] for r in rows}


async def read_types(conn: asyncpg.Connection | asyncpg.Pool, campaign_ids: Sequence[str],
                     types: Sequence[str]) -> dict[str, list[StoredEvent]]:
    """The events of these types of each of these streams, each stream in seq order."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM events WHERE campaign_id = ANY($1::text[]) "
                            "AND type = ANY($2::text[]) ORDER BY campaign_id, seq", list(campaign_ids), list(types))
    out: dict[str, list[StoredEvent]] = {}
    for r in rows:
        out.setdefault(r["campaign_id"], []).append(_stored(r))
    return out


async def event_at(conn: asyncpg.Connection, campaign_id: str, seq: int) -> StoredEvent | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM events WHERE campaign_id = $1 AND seq = $2", campaign_id, seq)
    return _stored(row) if row else None


async def amended_month(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: str, before_seq: int) -> str | None:
    """The request month of the campaign's last CampaignAmended before `before_seq` (None: never amended)."""
    return await conn.fetchval(
        "SELECT data->'request'->>'month' FROM events WHERE campaign_id = $1 AND seq < $2 AND type = 'CampaignAmended' "
        "ORDER BY seq DESC LIMIT 1", campaign_id, before_seq)


async def read_stream(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: str) -> list[StoredEvent]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM events WHERE campaign_id = $1 ORDER BY seq", campaign_id)
    return [_stored(r) for r in rows]


async def read_all(
    conn: asyncpg.Connection | asyncpg.Pool, after: tuple[int, int] = (0, 0), limit: int = 1000,
    *, below_xmin: bool = True,
) -> list[tuple[tuple[int, int], StoredEvent]]:
    """The whole log in commit-safe order, for tailing readers and rebuilds.

    Only rows written by transactions below the snapshot's xmin are returned: every
    transaction that could still commit a row with a lower position is then finished,
    so a reader that resumes after the last (tx, position) it saw never skips a late
    commit. (The alternative, one global append lock, would serialize every campaign.)
    A caller that holds a lock excluding appends (the rebuild) passes below_xmin=False.
    """
    rows = await conn.fetch(
        f"""SELECT tx::text::bigint AS txid, {_COLUMNS} FROM events
            WHERE (NOT $4 OR tx < pg_snapshot_xmin(pg_current_snapshot()))
              AND (tx::text::bigint, position) > ($1, $2)
            ORDER BY tx, position LIMIT $3""",
        after[0], after[1], limit, below_xmin,
    )
    return [((r["txid"], r["position"]), _stored({k: r[k] for k in r.keys() if k != "txid"})) for r in rows]

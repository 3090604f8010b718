"""The planning season's SQL: the plan-intents projection (folded from the plan streams by
`store.projections.apply`), the stored solutions, and the reads the API and activities need."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from domain.events import Event
from domain.planning import events as pe
from domain.planning import season


def year_of_stream(stream: str) -> int:
    return int(stream.removeprefix("plan-"))


async def apply(conn: asyncpg.Connection, event: Event) -> None:
    """Fold one plan event into the plan projections (inside the appending transaction)."""
    body = event.body
    year = year_of_stream(event.campaign_id)
    match body:
        case pe.IntentsSubmitted(intents=intents):
            await conn.executemany(
                """INSERT INTO plan_intents (year, intent_id, request_id, business_line, intent, submitted_seq,
                       submitted_at, submitted_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
                   ON CONFLICT (year, intent_id) DO NOTHING""",
                [(year, it.key, it.request_id, it.business_line, it.model_dump(mode="json"), event.seq, event.at,
                  event.actor) for it in intents])
        case pe.IntentsPublished(campaigns=campaigns, closed=closed):
            await conn.executemany(
                "UPDATE plan_intents SET status = 'published', campaign_id = $3 WHERE year = $1 AND intent_id = $2",
                [(year, c.intent_id, c.campaign_id) for c in campaigns])
            await conn.executemany(
                "UPDATE plan_intents SET status = 'cut', closed_reason = $3 WHERE year = $1 AND intent_id = $2",
                [(year, c.intent_id, c.reason) for c in closed])


# ---------------------------------------------------------------------- intents
async def intents(conn: asyncpg.Connection | asyncpg.Pool, year: int,
                  business_line: str | None = None, *, limit: int | None = None,
                  offset: int = 0) -> list[dict[str, Any]]:
    """The year's intents in the order they came (`limit` None: all of them)."""
    rows = await conn.fetch(
        """SELECT intent_id, request_id, business_line, intent, submitted_seq, submitted_at, submitted_by, status,
                  campaign_id, closed_reason
           FROM plan_intents WHERE year = $1 AND ($2::text IS NULL OR business_line = $2)
           ORDER BY submitted_seq, intent_id LIMIT $3 OFFSET $4""", year, business_line, limit, offset)
    return [dict(r) for r in rows]


async def known_intent_ids(conn: asyncpg.Connection | asyncpg.Pool, year: int, ids: list[str]) -> set[str]:
    """Which of `ids` the season holds already."""
    rows = await conn.fetch("SELECT intent_id FROM plan_intents WHERE year = $1 AND intent_id = ANY($2::text[])",
                            year, ids)
    return {r["intent_id"] for r in rows}


async def count_intents(conn: asyncpg.Connection | asyncpg.Pool, year: int, business_line: str | None = None) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM plan_intents WHERE year = $1 AND ($2::text IS NULL OR business_line = $2)",
        year, business_line)


# ---------------------------------------------------------------------- solutions
async def save_solution(conn: asyncpg.Connection, *, solution_id: str, year: int, kind: str, name: str | None,
                        solution: dict[str, Any], inputs: dict[str, Any], at: datetime) -> None:
    """Idempotent: a retried solve keeps the first stored solution."""
    await conn.execute(
        """INSERT INTO plan_solutions (solution_id, year, kind, name, summary, decisions, inputs, created_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8) ON CONFLICT (solution_id) DO NOTHING""",
        solution_id, year, kind, name, solution["summary"], solution["decisions"], inputs, at)


async def solution(conn: asyncpg.Connection | asyncpg.Pool, solution_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT solution_id, year, kind, name, summary, decisions, inputs, created_at FROM plan_solutions "
        "WHERE solution_id = $1", solution_id)
    return dict(row) if row else None


async def campaign_states(conn: asyncpg.Connection | asyncpg.Pool,
                          campaign_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """(status, tier) of each planned campaign in the read model, 'scheduled' only with its
    bookings (a campaign whose tier books nothing, C, is scheduled once reserved)."""
    rows = await conn.fetch(
        """SELECT c.campaign_id, c.status, c.tier,
                  EXISTS (SELECT 1 FROM bookings b WHERE b.campaign_id = c.campaign_id) AS booked,
                  EXISTS (SELECT 1 FROM calendar_entries e WHERE e.campaign_id = c.campaign_id) AS placed
           FROM campaigns c WHERE c.campaign_id = ANY($1::text[])""", campaign_ids)
    out = {}
    for r in rows:
        status = r["status"]
        if status == "scheduled" and (not r["placed"] or (r["tier"] != "C" and not r["booked"])):
            status = season.RESERVING
        out[r["campaign_id"]] = (status, r["tier"])
    return out


async def published_campaign_ids(conn: asyncpg.Connection | asyncpg.Pool, year: int) -> list[str]:
    """The campaigns the year's published intents became (from IntentsPublished)."""
    rows = await conn.fetch("SELECT campaign_id FROM plan_intents WHERE status = 'published' "
                            "AND campaign_id IS NOT NULL AND year = $1 ORDER BY campaign_id", year)
    return [r["campaign_id"] for r in rows]


def dumps(value: Any) -> str:
    return json.dumps(value)

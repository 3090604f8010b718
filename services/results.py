"""Results written where no workflow owns the campaign's stream any more (its results window
closed, it was imported, or it is past retention): the use cases open the one transaction
each write needs and hand it to store/results.py, which checks and appends inside it. The
live path (a running workflow's results window) goes through the workflow's update instead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from domain.campaign import CampaignRequest, Phase
from domain.results.actuals import ActualRow
from domain.tiers import Tier
from store import results


async def record_direct(pool: asyncpg.Pool, campaign_id: str, rows: list[ActualRow], actor: str, now: datetime, *,
                        after_outcome: bool) -> results.ActualsResult | None:
    """One campaign's batch in one transaction (`after_outcome`: only once its outcome is in
    the log, the hand-off from a workflow that has just closed its window)."""
    async with pool.acquire() as conn, conn.transaction():
        return await results.record_actuals_direct(conn, campaign_id, rows, actor, now, after_outcome=after_outcome)


async def record_batch(pool: asyncpg.Pool, items: Sequence[tuple[str, list[ActualRow]]], actor: str,
                       now: datetime) -> list[results.ActualsResult | None]:
    """Many campaigns' batches in one transaction: all or nothing (a failure rolls all back)."""
    async with pool.acquire() as conn, conn.transaction():
        return await results.record_actuals_batch(conn, items, actor, now)


async def import_campaign(pool: asyncpg.Pool, campaign_id: str, request: CampaignRequest, tier: Tier,
                          phases: list[Phase], rows: list[ActualRow], actor: str, now: datetime) -> bool:
    """A campaign that already ran, as its events, in one transaction. False: it exists."""
    async with pool.acquire() as conn, conn.transaction():
        return await results.import_campaign(conn, campaign_id, request, tier, phases, rows, actor, now)

"""`projections.record`: an event whose fold is only its campaign's row is written with its
fold and its webhook outbox rows in one statement, outside any transaction; a retry folds
nothing again, a conflict or a gap writes nothing; other events take the append + `apply`
path. (tests/store/test_rebuild.py checks the folds equal `apply`'s over a whole history.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import events as ev
from domain.tiers import Tier
from store import projections, subscriptions
from store.eventstore import EventConflict, SeqGap
from tests.store.helpers import AT, event, submitted


def scored(cid: str, seq: int = 2, score: float = 0.6) -> ev.Event:
    return event(cid, seq, ev.ReviewScored(score=score, factors={}, proposed_tier=Tier.B, forecast_sales=1e6,
                                            revenue_target=1e6, target_reachable=True))


async def test_a_row_only_event_is_one_statement_and_a_retry_folds_nothing(pool):
    await subscriptions.subscribe(pool, subscription_id="s-1", url="http://127.0.0.1:9/hook", events=["ReviewScored"],
                           secret_enc="12345678", created_by="t", now=datetime.now(UTC))
    assert projections.campaign_row_change(submitted("r-1")) is None  # a new row: the append + apply path
    assert projections.campaign_row_change(scored("r-1")) == ("in_review", {"score": 0.6, "proposed_tier": "B"})
    async with pool.acquire() as conn:
        assert isinstance(await projections.record(conn, submitted("r-1")), int)
        assert not conn.is_in_transaction()
        assert isinstance(await projections.record(conn, scored("r-1")), int)
        row = await conn.fetchrow("SELECT status, score, proposed_tier, last_seq, updated_at FROM campaigns "
                                  "WHERE campaign_id = 'r-1'")
        assert (row["status"], row["score"], row["proposed_tier"], row["last_seq"]) == ("in_review", 0.6, "B", 2)
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE event_id = 'r-1:2'") == 1

        later = scored("r-1").model_copy(update={"at": AT + timedelta(minutes=5)})
        assert await projections.record(conn, later) is None  # the same event, decided later: a retry
        assert await conn.fetchval("SELECT updated_at FROM campaigns WHERE campaign_id = 'r-1'") == row["updated_at"]

        with pytest.raises(EventConflict):
            await projections.record(conn, scored("r-1", score=0.9))
        with pytest.raises(SeqGap):
            await projections.record(conn, event("r-1", 5, ev.CampaignApproved(tier=Tier.B)))
        after = await conn.fetchrow("SELECT status, score, last_seq FROM campaigns WHERE campaign_id = 'r-1'")
        assert (after["status"], after["score"], after["last_seq"]) == ("in_review", 0.6, 2)
        assert await conn.fetchval("SELECT count(*) FROM events WHERE campaign_id = 'r-1'") == 2
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries") == 1

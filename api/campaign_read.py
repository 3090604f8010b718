"""A campaign's state from the log, for campaigns whose workflow is gone (imported, or past
the server's retention): `GET /campaigns/{id}` answers from here instead of 404.

The state is the campaign fold of its stream (domain/campaign_fold.py), the same fold the
results code uses and the SQL projections are tested against; nothing waits for an
answer any more (`pending` None: no workflow is left to take one).
"""

from __future__ import annotations

import asyncpg

from domain.campaign_fold import fold
from store.eventstore import read_stream
from workflows.messages import CampaignState


async def state_from_log(pool: asyncpg.Pool, campaign_id: str) -> CampaignState | None:
    stream = await read_stream(pool, campaign_id)
    if not stream or stream[0].type != "CampaignSubmitted":
        return None
    state = fold(stored.to_event() for stored in stream)
    assert state is not None
    return CampaignState.model_validate({**state.api_fields(), "pending": None})

"""A campaign's state from the log, for campaigns whose workflow is gone (imported, or past
the server's retention): `GET /campaigns/{id}` answers from here instead of 404.

The fold mirrors what the workflow keeps in its state, event by event; the status comes
from the read model's `campaigns` row (the same projection the lists use).
"""

from __future__ import annotations

import asyncpg

from domain import events as ev
from store import reads
from store.eventstore import read_stream
from workflows.messages import Actor, CampaignState, HistoryItem, Status


async def state_from_log(pool: asyncpg.Pool, campaign_id: str) -> CampaignState | None:
    stream = await read_stream(pool, campaign_id)
    if not stream or stream[0].type != "CampaignSubmitted":
        return None
    first = stream[0].to_event().body
    assert isinstance(first, ev.CampaignSubmitted)
    owner = Actor(name=first.owner, role="business_line", business_line=first.request.business_line)
    s = CampaignState.initial(campaign_id, first.request, owner)
    for stored in stream:
        body = stored.to_event().body
        s.history.append(HistoryItem(seq=stored.seq, type=stored.type, at=stored.at, actor=stored.actor,
                                     reason=stored.reason))
        match body:
            case ev.ReviewScored():
                s.score, s.proposed_tier = body.score, body.proposed_tier
                s.forecast_check, s.score_source = body.forecast_check, body.source
            case ev.CampaignApproved(tier=tier) | ev.CampaignDowngraded(to_tier=tier):
                s.tier = tier
            case ev.MonthReserved():
                s.month, s.tier, s.phases = body.month, body.tier, list(body.phases)
                s.burst_start = next((p.start for p in body.phases if p.phase.value == "burst"), None)
                s.alternatives = []
            case ev.MonthAlternativesOffered():
                s.alternatives, s.reasons = list(body.alternatives), list(body.reasons)
            case ev.MonthChosen(month=month):
                s.month = month
            case ev.ResourcesAllocated():
                s.bookings, s.shortfall = list(body.bookings), list(body.shortfall)
            case ev.ApprovalEscalated():
                s.escalated = True
            case ev.CampaignOutcome():
                s.outcome_recorded = True
            case ev.CampaignCancelled() | ev.DisplacedBySCampaign():
                s.bookings = []
    status = await reads.campaign_status(pool, campaign_id)
    s.status = Status(status) if status else s.status
    s.pending = None
    return s

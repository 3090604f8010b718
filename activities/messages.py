"""Typed inputs of the activities (serialized by the pydantic data converter)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from domain import events as ev
from domain.balancing import BalancingDecision, BalancingRequest
from domain.campaign import Phase
from domain.lines import BusinessLineContext
from domain.tiers import Tier


class EventSlot(BaseModel):
    """Where and when the activity's one event goes: identity (campaign, seq) and time."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    seq: int
    at: datetime
    actor: str
    reason: str | None = None


class ReserveMonth(BaseModel):
    slot: EventSlot
    request: BalancingRequest
    phases: list[Phase]
    # the dates are picked under the year lock, with the month's reserved bursts in view
    # (the workflow's `phases` were chosen without them); `requested_burst_start`: the
    # owner's date, checked against those bursts instead of picked.
    requested_burst_start: date | None = None


class LoadContext(BaseModel):
    """What a review needs from the database: the year's policy overrides and the line."""

    year: int
    business_line: str
    # the request's category and month: the same category beside it is a review flag
    category: str | None = None
    month: str | None = None


class ReviewContext(BaseModel):
    overrides: dict
    line: BusinessLineContext
    # flags for the reviewer (e.g. `category_adjacent_month: ...`): shown, never blocking
    flags: list[str] = []


class AllocateResources(BaseModel):
    slot: EventSlot
    tier: Tier
    phases: list[Phase]


class ForecastHistory(BaseModel):
    business_line: str
    tier: Tier | None
    month: str


class EscalationQuery(BaseModel):
    """Who an escalated campaign waits for (activities: delegations active at `at`)."""

    campaign_id: str
    business_line: str
    tier: Tier
    at: datetime
    overrides_year: int


class Schedule(BaseModel):
    """An approval's scheduling in one transaction (`CampaignActivities.schedule`): the
    events decided before it (`before`, e.g. CampaignApproved, at their seqs), the month's
    reservation at `reserve.slot`, and, once reserved, the resources at `allocate`'s seq
    (None: nothing to book, a C). One transaction, so a retry finds it all or nothing."""

    before: list[ev.Event] = []
    reserve: ReserveMonth
    allocate: EventSlot | None = None


class Scheduled(BaseModel):
    decision: BalancingDecision
    allocated: ev.ResourcesAllocated | None = None  # None: refused, or nothing to book

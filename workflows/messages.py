"""Typed input, decisions and state of the campaign workflow."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.amend import AmendChanges
from domain.campaign import CampaignRequest, Phase
from domain.events import Booking, Shortfall
from domain.status import Status
from domain.tiers import Tier


class Actor(BaseModel):
    """Who acts, as the API authenticated them (the CLI passes the same fields)."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: str
    business_line: str | None = None


class CampaignInput(BaseModel):
    request: CampaignRequest
    owner: Actor


class Approve(BaseModel):
    actor: Actor
    on_behalf_of: Actor | None = None  # a delegate decides with this principal's authority
    comment: str | None = None
    # The promotion team's special case: this A may be the month's second A (policy cap).
    a_override: bool = False


class Downgrade(BaseModel):
    actor: Actor
    on_behalf_of: Actor | None = None  # a delegate decides with this principal's authority
    to_tier: Tier
    reason: str = Field(min_length=1)


class Reject(BaseModel):
    actor: Actor
    on_behalf_of: Actor | None = None  # a delegate decides with this principal's authority
    reason: str = Field(min_length=1)


class ChooseMonth(BaseModel):
    actor: Actor
    month: str


class Cancel(BaseModel):
    actor: Actor
    reason: str = Field(min_length=1)


class EscalationQuery(BaseModel):
    """Who an escalated campaign waits for (activities: delegations active at `at`)."""

    campaign_id: str
    business_line: str
    tier: Tier
    at: datetime
    overrides_year: int


class Amend(BaseModel):
    """The owner changes the request (workflows/amend.py decides what that means)."""

    actor: Actor
    changes: AmendChanges
    reason: str = Field(min_length=1)


class Displaced(BaseModel):
    """Sent by an S campaign that took this campaign's month."""

    by_campaign_id: str
    month: str


class HistoryItem(BaseModel):
    seq: int
    type: str
    at: datetime
    actor: str
    reason: str | None = None


class CampaignState(BaseModel):
    """What `GET /campaigns/{id}` returns (shared/API.md)."""

    campaign_id: str
    request_id: str
    name: str
    business_line: str
    category: str
    owner: str
    status: Status
    requested_tier: Tier | None
    proposed_tier: Tier | None = None
    tier: Tier | None = None
    score: float | None = None
    month: str
    burst_start: date | None = None
    hot_topic: bool = False
    alternatives: list[str] = []
    reasons: list[str] = []
    escalated: bool = False
    revenue_flag: str | None = None
    phases: list[Phase] = []
    bookings: list[Booking] = []
    shortfall: list[Shortfall] = []
    pending: str | None = None
    history: list[HistoryItem] = []

    @classmethod
    def initial(cls, campaign_id: str, req: CampaignRequest, owner: Actor) -> CampaignState:
        return cls(
            campaign_id=campaign_id, request_id=req.request_id, name=req.name, business_line=req.business_line,
            category=req.category, owner=owner.name, status=Status.SUBMITTED, requested_tier=req.requested_tier,
            month=req.month, burst_start=req.burst_start, hot_topic=req.hot_topic,
        )


class AmendResult(CampaignState):
    """`POST /campaigns/{id}/amend`: the state after the change, and whether it was material."""

    material: bool

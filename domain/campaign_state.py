"""A campaign as the API shows it (`GET /campaigns/{id}`, shared/API.md): the campaign
workflow's state and query answer, and the first part of the campaign fold
(domain/campaign_fold.py `CampaignFold` extends it), so both name the same fields once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.approvals.people import Milestone
from domain.campaign import CampaignRequest, Forecast, Phase
from domain.events import Booking, Shortfall
from domain.money import Money
from domain.status import Status
from domain.tiers import Tier


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
    flags: list[str] = Field(default=[], description="review flags, never blocking (category_adjacent_month: ...)")
    phases: list[Phase] = []
    bookings: list[Booking] = []
    shortfall: list[Shortfall] = []
    pending: str | None = None
    milestones: list[Milestone] = []  # by due date
    history: list[HistoryItem] = []
    # results (issue #13): the forecast against the line's history (shared/API.md), where the
    # review's line figures came from ("seeded" or "results"), whether the outcome is recorded
    forecast_check: dict[str, Any] | None = None
    score_source: str | None = None
    outcome_recorded: bool = False
    # money (DOMAIN.md "Money"): the forecast as asked, the forecast at the current tier (a
    # downgrade scales its traffic), and the money of the latter
    forecast_asked: Forecast | None = None
    forecast: Forecast | None = None
    money: Money | None = None
    standards: dict[str, Any] | None = Field(default=None, description="per tier: each entry standard met, "
                                                                       "not met or not stated")

    @classmethod
    def initial(cls, campaign_id: str, req: CampaignRequest, owner: str) -> CampaignState:
        return cls(
            campaign_id=campaign_id, request_id=req.request_id, name=req.name, business_line=req.business_line,
            category=req.category, owner=owner, status=Status.SUBMITTED, requested_tier=req.requested_tier,
            month=req.month, burst_start=req.burst_start, hot_topic=req.hot_topic,
            forecast_asked=req.forecast, forecast=req.forecast, money=req.money,
        )

"""Typed input, decisions and state of the campaign workflow."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.amend import AmendChanges
from domain.approvals.people import Milestone
from domain.campaign import CampaignRequest, Forecast, Phase
from domain.events import Booking, Shortfall
from domain.money import Money
from domain.results.actuals import ActualRow
from domain.status import Status
from domain.tiers import Tier


class Actor(BaseModel):
    """Who acts, as the API authenticated them (the CLI passes the same fields).

    `name` is what people read (events' `actor`, answers); `actor_id` is who it is, what
    authority, delegations and assignments match: `<issuer>|<sub>` for a single sign-on
    principal (whose name may change between tokens, or be another's too), the name itself
    for a principal of the tokens file (unique there). Payloads without it (histories
    recorded before it existed) read it as the name."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: str
    business_line: str | None = None
    actor_id: str = ""

    @model_validator(mode="before")
    @classmethod
    def _id_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("actor_id") and isinstance(data.get("name"), str):
            return {**data, "actor_id": data["name"]}
        return data


class _Decision(BaseModel):
    """What approve, downgrade and reject share: who decides, for whom."""

    actor: Actor
    on_behalf_of: Actor | None = None  # a delegate decides with this principal's authority

    def names(self) -> dict[str, str | None]:
        """Who, as the decision's event records it: the delegator (None: the actor's own
        decision) by name, and both by identity."""
        by = self.on_behalf_of
        return {"on_behalf_of": by.name if by else None, "actor_id": self.actor.actor_id,
                "on_behalf_of_id": by.actor_id if by else None}


class PlannedCampaign(BaseModel):
    """A campaign of a published year plan: approved already, at this tier, month and dates."""

    plan_id: str
    tier: Tier
    month: str
    burst_start: date | None = None
    approved_by: str  # the leader who published the plan
    score: float | None = None
    reason: str | None = None  # the plan's decision reason


class CampaignInput(BaseModel):
    request: CampaignRequest
    owner: Actor
    # set by a plan's publish: no review, approved by the plan
    planned: PlannedCampaign | None = None


class Approve(_Decision):
    comment: str | None = None
    # The promotion team's special case: this A may be the month's second A (policy cap).
    a_override: bool = False
    # A leader's S beyond its half-year's cap (policy `s_per_half`); `reason` says why (recorded).
    s_half_override: bool = False
    reason: str | None = None
    # A leader's approval under the margin floor (DOMAIN.md "Money"); `reason` says why (recorded).
    margin_override: bool = False


class Downgrade(_Decision):
    to_tier: Tier
    reason: str = Field(min_length=1)
    margin_override: bool = False  # as Approve's; the downgrade's reason says why


class Reject(_Decision):
    reason: str = Field(min_length=1)


class ChooseMonth(BaseModel):
    actor: Actor
    month: str


class Cancel(BaseModel):
    actor: Actor
    reason: str = Field(min_length=1)


class MarkMilestoneDone(BaseModel):
    """`POST /campaigns/{id}/milestones/{key}/done`: the owner or ops."""

    actor: Actor
    key: str
    comment: str | None = Field(default=None, max_length=1000)


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
    def initial(cls, campaign_id: str, req: CampaignRequest, owner: Actor) -> CampaignState:
        return cls(
            campaign_id=campaign_id, request_id=req.request_id, name=req.name, business_line=req.business_line,
            category=req.category, owner=owner.name, status=Status.SUBMITTED, requested_tier=req.requested_tier,
            month=req.month, burst_start=req.burst_start, hot_topic=req.hot_topic,
            forecast_asked=req.forecast, forecast=req.forecast, money=req.money,
        )


class RecordActuals(BaseModel):
    """A batch of daily actuals for the campaign (owner or ops)."""

    actor: Actor
    rows: list[ActualRow]


class ActualsAnswer(BaseModel):
    campaign_id: str
    recorded: int = Field(description="new days")
    corrected: int = Field(description="days whose figures changed (the old ones stay in the log)")
    unchanged: int = Field(description="rows equal to what was recorded: nothing to do")
    outcome_recorded: bool = False


class AmendResult(CampaignState):
    """`POST /campaigns/{id}/amend`: the state after the change, and whether it was material."""

    material: bool

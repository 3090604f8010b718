"""The API's typed bodies: what the routes accept and what they answer (shared/API.md).

Response models describe the read model's rows as they are today, field for field, so
OpenAPI documents them and the calendar page works on types instead of dicts. The
campaign state itself is `workflows.messages.CampaignState` (the workflow's query).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.balancing import BudgetSummary, MoneySummary
from domain.campaign import Phase, PhaseName
from domain.events import LoggedEvent
from domain.money import Money
from domain.months import Month
from domain.status import Status
from domain.tiers import Tier


# ---------------------------------------------------------------------- requests
class ApproveBody(BaseModel):
    comment: str | None = Field(default=None, max_length=2000)
    a_override: bool = Field(default=False, description="allow this A as the month's second A (special case)")
    s_half_override: bool = Field(default=False, description="a leader approves an S past its half-year's cap "
                                                             "(policy s_per_half); needs a reason")
    reason: str | None = Field(default=None, max_length=2000, description="why, with an override")
    margin_override: bool = Field(default=False, description="a leader approves a campaign under the margin "
                                                             "floor (margin_below_floor); needs a reason")


class DowngradeBody(BaseModel):
    to_tier: Tier
    reason: str = Field(min_length=1, max_length=2000)
    margin_override: bool = Field(default=False, description="a leader runs it under the margin floor; the "
                                                             "reason says why")


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ChooseMonthBody(BaseModel):
    month: Month = Field(description="YYYY-MM, one of the offered alternatives")


# ---------------------------------------------------------------------- responses
class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    checks: dict[str, str] = Field(description='per dependency "ok" or "unavailable"; per known background part '
                                               '"ok" or "down"')
    down: list[str] = Field(default_factory=list, description="what is not ok (empty when status is ok)")


class CampaignSummary(BaseModel):
    """One row of `GET /campaigns` (the read model's `campaigns` projection)."""

    campaign_id: str
    request_id: str
    name: str
    business_line: str
    category: str
    owner: str
    requested_tier: Tier | None
    proposed_tier: Tier | None
    tier: Tier | None
    status: Status
    month: str
    hot_topic: bool
    score: float | None
    submitted_at: datetime
    updated_at: datetime
    money: Money | None = Field(default=None, description="the forecast's money (DOMAIN.md Money), at the "
                                                          "campaign's current tier")


class CampaignList(BaseModel):
    items: list[CampaignSummary]
    total: int
    limit: int
    offset: int


class CampaignEvent(LoggedEvent):
    """One event of a campaign's log, in order."""


class BookingRow(BaseModel):
    campaign_id: str
    resource: str
    unit: int
    phase: PhaseName
    start: date
    end: date = Field(description="exclusive")
    status: Literal["held", "active", "released"]


class CalendarEntry(BaseModel):
    """A campaign holding a place in a month (the `calendar_entries` projection)."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    month: str
    tier: Tier
    category: str
    counted_days: int
    hot_topic: bool
    phases: list[Phase]
    name: str | None
    business_line: str | None
    status: Status | None


class PendingRequest(BaseModel):
    """A request that wants the month and has no place yet (in review, or offered other months)."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    name: str
    business_line: str
    tier: Tier | None = Field(description="the proposed tier, else the requested one")
    status: Status


class PendingMilestone(BaseModel):
    """An open or overdue milestone of a campaign (`GET /milestones`, the calendar page)."""

    campaign_id: str
    campaign_name: str
    business_line: str
    key: str
    name: str
    team: str
    due: date
    status: Literal["open", "overdue"]


class CalendarMonth(BaseModel):
    model_config = ConfigDict(frozen=True)

    month: str
    counted_days: int
    s_month: bool
    campaigns: list[CalendarEntry]
    pending: list[PendingRequest] = Field(default=[], description="requests wanting the month, not placed yet")


class CalendarYear(BaseModel):
    """`GET /calendar/{year}`: the year's months, their campaigns, the budget."""

    model_config = ConfigDict(frozen=True)

    year: int
    budget: BudgetSummary
    months: list[CalendarMonth]
    money: MoneySummary = Field(default=MoneySummary(), description="the marketing budget in yuan: budget (null: "
                                "unlimited), used, left (null when unlimited), the hot-topic reserve")


# ---------------------------------------------------------------------- the planning season
class OpenPlanBody(BaseModel):
    intake_closes: date | None = Field(default=None, description="the last day of the intake (policy time zone)")


class IntentsBody(BaseModel):
    intents: list[Any] = Field(description="intents: a POST /campaigns body plus `months`; at most 1,000 a call "
                                           "and 20,000 a season (else 413)")


class IntentResult(BaseModel):
    request_id: str | None
    intent_id: str | None
    status: Literal["created", "exists", "invalid"]
    error: dict[str, Any] | None = None


class IntentResults(BaseModel):
    results: list[IntentResult]


class IntentItem(BaseModel):
    intent_id: str
    request_id: str
    business_line: str
    name: str
    category: str
    requested_tier: Tier | None
    months: list[str]
    score: float | None
    proposed_tier: Tier | None
    status: Literal["open", "published", "cut"]
    campaign_id: str | None
    closed_reason: str | None
    submitted_by: str
    submitted_at: datetime
    intent: dict[str, Any]


class IntentList(BaseModel):
    items: list[IntentItem]
    total: int
    limit: int = 100
    offset: int = 0


class SChoiceBody(BaseModel):
    intent_id: str = Field(min_length=1, max_length=300)
    month: Month


class FixSBody(BaseModel):
    campaigns: list[SChoiceBody] = Field(max_length=12)


class PinBody(BaseModel):
    intent_id: str = Field(min_length=1, max_length=300)
    month: Month | None = None
    tier: Tier | None = None
    cut: bool = False


class ScenarioBody(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w .:-]+$")
    settings: dict[str, Any] | None = Field(default=None, description="over the plan's settings, key by key")
    pins: list[PinBody] | None = Field(default=None, description="instead of the plan's pins")


class PlanSolutionBody(BaseModel):
    summary: dict[str, Any]
    decisions: list[dict[str, Any]]


class ScenarioAnswer(BaseModel):
    name: str
    summary: dict[str, Any]


class SolutionView(BaseModel):
    name: str
    solution_id: str | None
    summary: dict[str, Any]
    months: dict[str, dict[str, Any]]
    forecast_sales: float
    settings: dict[str, Any] | None = None
    pins: list[dict[str, Any]] | None = None
    differences: dict[str, list[dict[str, Any]]] | None = None


class ScenarioComparison(BaseModel):
    plan: SolutionView | None
    scenarios: list[SolutionView]

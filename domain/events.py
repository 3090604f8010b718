"""Domain events: every step of a campaign's life, with who did it, when and why, and the
registry of every event type the log holds.

An event is an `Event` envelope (campaign, seq, time, actor, reason) around one typed
body from the discriminated union `EventBody`. The workflow assigns `seq` and `at`
(workflow time), so a retried activity appends exactly the same event again.
Stored events carry a schema version; `upcast` lifts old payloads to the current shape.

The campaign's own events are defined here; each other subject owns its events
(`domain.planning.events`: the year plan; `domain.results.events`: actuals and outcome;
`domain.approvals.events`: delegations; `domain.reference_events`: policy, business lines,
webhooks). `EventBody` is the registry: the one place listing every event type, the union
the store parses with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.approvals.events import DelegationGranted, DelegationRevoked
from domain.approvals.people import ESCALATE_TO_OPS, Milestone, MilestoneMove
from domain.campaign import CampaignRequest, Forecast, Phase, PhaseName
from domain.money import Money
from domain.planning.events import (
    IntakeClosed,
    IntentPinned,
    IntentsPublished,
    IntentsSubmitted,
    IntentUnpinned,
    PlanOpened,
    PlanPublished,
    PlanSettingsChanged,
    PlanSolved,
    PublishStarted,
    ScenarioSolved,
    SFixed,
)
from domain.reference_events import BusinessLineChanged, PolicyOverridden, WebhookSubscribed, WebhookUnsubscribed
from domain.results.events import ActualsCorrected, ActualsRecorded, CampaignOutcome
from domain.tiers import Tier


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Booking(BaseModel):
    """One unit of one resource held for one phase; dates start-inclusive, end-exclusive."""

    model_config = ConfigDict(frozen=True)

    resource: str
    unit: int
    phase: PhaseName
    start: date
    end: date


class Shortfall(BaseModel):
    model_config = ConfigDict(frozen=True)

    resource: str
    phase: PhaseName
    wanted: int
    got: int
    required: bool


class CampaignSubmitted(_Body):
    type: Literal["CampaignSubmitted"] = "CampaignSubmitted"
    request: CampaignRequest
    owner: str


class ReviewScored(_Body):
    type: Literal["ReviewScored"] = "ReviewScored"
    score: float
    factors: dict[str, float]
    proposed_tier: Tier
    forecast_sales: float
    revenue_target: float
    target_reachable: bool
    # an S request goes to leadership whatever the score proposes (even C): S is their choice
    leadership_decides: bool = False
    # where the line's annual progress and month revenue came from: "seeded" or "results"
    source: str = "seeded"
    # the forecast against the line's history (domain.results.forecast.ForecastCheck), when there is one
    forecast_check: dict[str, Any] | None = None
    # what the reviewer should see, never blocking (e.g. "category_adjacent_month: ...")
    flags: list[str] = []
    # money (DOMAIN.md "Money"): m' below the category's floor, with the numbers (approval
    # then needs a leader's margin_override); the entry standards per tier and figure
    margin_below_floor: str | None = None
    standards: dict[str, Any] | None = None


class ApprovalEscalated(_Body):
    type: Literal["ApprovalEscalated"] = "ApprovalEscalated"
    stage: Literal["approval", "month_choice"] = "approval"
    # who it now waits for: delegates of the away approvers, else "role:leader" (empty before approvals)
    to: list[str] = []


# A decision's envelope `actor` is the decider's name; `actor_id` / `on_behalf_of_id` are
# who they are (shared/API.md "Who did it"): `<issuer>|<sub>` for single sign-on, the name
# for the tokens file. None in events recorded before (read the names then) and in a
# published plan's approval.
class CampaignApproved(_Body):
    type: Literal["CampaignApproved"] = "CampaignApproved"
    tier: Tier
    on_behalf_of: str | None = None  # a delegate decided in this principal's place (the actor)
    actor_id: str | None = None
    on_behalf_of_id: str | None = None
    # the forecast at this tier (traffic scaled below the tier asked) and its money: the list
    # reads them from here, a rebuild never recomputes them (None: recorded before)
    forecast: Forecast | None = None
    money: Money | None = None
    margin_override: bool = False  # a leader approved under the margin floor (the reason says why)


class CampaignDowngraded(_Body):
    type: Literal["CampaignDowngraded"] = "CampaignDowngraded"
    from_tier: Tier
    to_tier: Tier
    on_behalf_of: str | None = None
    actor_id: str | None = None
    on_behalf_of_id: str | None = None
    forecast: Forecast | None = None  # as CampaignApproved
    money: Money | None = None
    margin_override: bool = False


class CampaignRejected(_Body):
    type: Literal["CampaignRejected"] = "CampaignRejected"
    on_behalf_of: str | None = None
    actor_id: str | None = None
    on_behalf_of_id: str | None = None


class RequestExpired(_Body):
    type: Literal["RequestExpired"] = "RequestExpired"
    stage: Literal["approval", "month_choice"]


class MonthReserved(_Body):
    """A place in the month's capacity and the yearly budget, decided under the year lock."""

    type: Literal["MonthReserved"] = "MonthReserved"
    month: str
    tier: Tier
    category: str
    counted_days: int
    hot_topic: bool
    phases: list[Phase]
    displaced: list[str] = []
    # the promotion cost C reserved from the year's marketing budget with the place (0: a C
    # campaign, or recorded before the marketing budget)
    cost: float = 0


class MonthAlternativesOffered(_Body):
    type: Literal["MonthAlternativesOffered"] = "MonthAlternativesOffered"
    month: str
    alternatives: list[str]
    reasons: list[str]


class MonthChosen(_Body):
    type: Literal["MonthChosen"] = "MonthChosen"
    month: str


class DisplacedBySCampaign(_Body):
    type: Literal["DisplacedBySCampaign"] = "DisplacedBySCampaign"
    by_campaign_id: str
    month: str


class ResourcesAllocated(_Body):
    type: Literal["ResourcesAllocated"] = "ResourcesAllocated"
    bookings: list[Booking]
    shortfall: list[Shortfall] = []


class PhaseStarted(_Body):
    type: Literal["PhaseStarted"] = "PhaseStarted"
    phase: PhaseName


class PhaseEnded(_Body):
    type: Literal["PhaseEnded"] = "PhaseEnded"
    phase: PhaseName


class CampaignCompleted(_Body):
    type: Literal["CampaignCompleted"] = "CampaignCompleted"


class CampaignCancelled(_Body):
    type: Literal["CampaignCancelled"] = "CampaignCancelled"
    stage: str


class MilestonesPlanned(_Body):
    """The tier's milestones, worked back from the reserved burst."""

    type: Literal["MilestonesPlanned"] = "MilestonesPlanned"
    burst_start: date
    milestones: list[Milestone]


class MilestonesMoved(_Body):
    """The campaign moved to a new burst: its open milestones moved with it."""

    type: Literal["MilestonesMoved"] = "MilestonesMoved"
    burst_start: date
    moves: list[MilestoneMove]


class MilestoneDone(_Body):
    """Marked done: who and when are the envelope's actor and time, a comment its reason."""

    type: Literal["MilestoneDone"] = "MilestoneDone"
    key: str


class MilestoneOverdue(_Body):
    """An open milestone passed its due day. `escalate_to`: the team's lead, else "ops"
    (domain.approvals.preparation.escalation_target); events recorded before it existed read as "ops"
    (no team had a lead then)."""

    type: Literal["MilestoneOverdue"] = "MilestoneOverdue"
    key: str
    due: date
    team: str
    escalate_to: str = ESCALATE_TO_OPS


class CampaignAmended(_Body):
    """The owner changed the request (`changes`: field -> {"from", "to"}); `material` sends it
    back to review (a ReviewScored follows). `month` is the campaign's month after it."""

    type: Literal["CampaignAmended"] = "CampaignAmended"
    changes: dict[str, dict[str, Any]]
    material: bool
    reasons: list[str] = []
    stage: str
    request: CampaignRequest
    month: str
    money: Money | None = None  # the new request's money at the campaign's tier (None: recorded before)


class PlaceReleased(_Body):
    """An amended campaign gives back its month's place and bookings before it is reserved again."""

    type: Literal["PlaceReleased"] = "PlaceReleased"
    month: str


EventBody = Annotated[
    CampaignSubmitted
    | ReviewScored
    | ApprovalEscalated
    | CampaignApproved
    | CampaignDowngraded
    | CampaignRejected
    | RequestExpired
    | MonthReserved
    | MonthAlternativesOffered
    | MonthChosen
    | DisplacedBySCampaign
    | ResourcesAllocated
    | PhaseStarted
    | PhaseEnded
    | CampaignCompleted
    | CampaignCancelled
    # results in the campaign's stream (domain.results.events)
    | ActualsRecorded
    | ActualsCorrected
    | CampaignOutcome
    # the campaign's own again
    | MilestonesPlanned
    | MilestonesMoved
    | MilestoneDone
    | MilestoneOverdue
    # the year plan's stream (domain.planning.events)
    | PlanOpened
    | IntentsSubmitted
    | IntakeClosed
    | SFixed
    | PlanSettingsChanged
    | IntentPinned
    | IntentUnpinned
    | PlanSolved
    | ScenarioSolved
    | PublishStarted
    | IntentsPublished
    | PlanPublished
    # the campaign's own again
    | CampaignAmended
    | PlaceReleased
    # a delegation's stream (domain.approvals.events)
    | DelegationGranted
    | DelegationRevoked
    # the reference data's streams (domain.reference_events)
    | PolicyOverridden
    | BusinessLineChanged
    | WebhookSubscribed
    | WebhookUnsubscribed,
    Field(discriminator="type"),
]
_BODY = TypeAdapter(EventBody)


class Event(BaseModel):
    """The envelope: identity (campaign_id, seq) plus who, when and why."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    seq: int = Field(ge=1)
    at: datetime
    actor: str
    reason: str | None = None
    body: EventBody

    @property
    def type(self) -> str:
        return self.body.type

    def data(self) -> dict[str, Any]:
        """The JSON payload as stored (without the discriminator, which is its own column)."""
        return self.body.model_dump(mode="json", exclude={"type"})


class LoggedEvent(BaseModel):
    """One event as a log lists it (a campaign's events, a policy's history): the envelope's
    who, when and why, its type and its payload as stored."""

    seq: int
    type: str
    at: datetime
    actor: str
    reason: str | None
    data: dict[str, Any]


# Schema evolution: bump a type's version when its payload changes shape, and add an
# upcaster from the old version. Stored rows keep the version they were written with.
SCHEMA_VERSION: dict[str, int] = {}
_UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    # ("ResourcesAllocated", 1): lambda d: {**d, "shortfall": []},  # example: v1 had no shortfall
}


def schema_version(event_type: str) -> int:
    return SCHEMA_VERSION.get(event_type, 1)


def upcast(event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Lift a stored payload from `version` to the current schema of its type."""
    while version < schema_version(event_type):
        data = _UPCASTERS[(event_type, version)](data)
        version += 1
    return data


def parse_body(event_type: str, version: int, data: dict[str, Any]) -> EventBody:
    return _BODY.validate_python({**upcast(event_type, version, data), "type": event_type})

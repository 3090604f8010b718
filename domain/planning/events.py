"""Events of a year's plan (stream `plan-<year>` in the same log as the campaigns).

The `YearPlanWorkflow` assigns each event's seq; its activities append them. The intents
live here (as `IntentsSubmitted` batches), not in the workflow's history or state: the
workflow keeps only which intent belongs to which line.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.planning.model import Intent, Settings, Summary
from domain.tiers import Tier


class _PlanBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SChoice(BaseModel):
    """Leadership's S: this intent is S in this month (step 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intent_id: str = Field(min_length=1, max_length=300)
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class PlanPin(BaseModel):
    """Ops fixed this intent for the next solve: its month, its tier, or cut."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intent_id: str = Field(min_length=1, max_length=300)
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    tier: Tier | None = None
    cut: bool = False


class PublishedIntent(BaseModel):
    model_config = ConfigDict(frozen=True)

    intent_id: str
    campaign_id: str
    tier: Tier
    month: str


class ClosedIntent(BaseModel):
    model_config = ConfigDict(frozen=True)

    intent_id: str
    reason: str


class PlanOpened(_PlanBody):
    type: Literal["PlanOpened"] = "PlanOpened"
    year: int
    intake_closes: date | None = None


class IntentsSubmitted(_PlanBody):
    type: Literal["IntentsSubmitted"] = "IntentsSubmitted"
    intents: list[Intent]  # each with its intent_id set


class IntakeClosed(_PlanBody):
    type: Literal["IntakeClosed"] = "IntakeClosed"
    by: Literal["ops", "timer", "publish"]


class SFixed(_PlanBody):
    type: Literal["SFixed"] = "SFixed"
    campaigns: list[SChoice]


class PlanSettingsChanged(_PlanBody):
    type: Literal["PlanSettingsChanged"] = "PlanSettingsChanged"
    settings: Settings


class IntentPinned(_PlanBody):
    type: Literal["IntentPinned"] = "IntentPinned"
    pin: PlanPin


class IntentUnpinned(_PlanBody):
    type: Literal["IntentUnpinned"] = "IntentUnpinned"
    intent_id: str


class PlanSolved(_PlanBody):
    """A solve of the plan itself; the decisions are in `plan_solutions` under solution_id."""

    type: Literal["PlanSolved"] = "PlanSolved"
    solution_id: str
    summary: Summary


class ScenarioSolved(_PlanBody):
    type: Literal["ScenarioSolved"] = "ScenarioSolved"
    name: str
    solution_id: str
    summary: Summary


class PublishStarted(_PlanBody):
    type: Literal["PublishStarted"] = "PublishStarted"
    solution_id: str


class IntentsPublished(_PlanBody):
    """Every placed intent's campaign started (approved by the plan), every cut intent closed."""

    type: Literal["IntentsPublished"] = "IntentsPublished"
    solution_id: str
    campaigns: list[PublishedIntent]
    closed: list[ClosedIntent]
    policy_overrides: dict


class PlanPublished(_PlanBody):
    type: Literal["PlanPublished"] = "PlanPublished"
    campaigns: int
    scheduled: int
    cut: int


PLAN_BODIES = (PlanOpened, IntentsSubmitted, IntakeClosed, SFixed, PlanSettingsChanged, IntentPinned,
               IntentUnpinned, PlanSolved, ScenarioSolved, PublishStarted, IntentsPublished, PlanPublished)
PLAN_EVENT_TYPES = frozenset(b.model_fields["type"].default for b in PLAN_BODIES)


def plan_stream(year: int) -> str:
    return f"plan-{year}"

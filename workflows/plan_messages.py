"""Typed input, updates and state of the year-plan workflow (`plan-<year>`)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.planning.events import PlanPin, SChoice
from domain.planning.model import Intent, Settings, Summary
from workflows.messages import Actor


class PlanStatus(StrEnum):
    INTAKE = "intake"
    INTAKE_CLOSED = "intake_closed"
    SOLVED = "solved"
    PUBLISHING = "publishing"
    PUBLISHED = "published"


class ScenarioRecord(BaseModel):
    name: str
    solution_id: str
    summary: Summary
    settings: Settings
    pins: list[PlanPin]
    by: str


class PublishProgress(BaseModel):
    solution_id: str
    by: str
    campaigns: int = 0        # placed intents, each a campaign
    started: int = 0          # campaigns started now (the others existed: a repeated publish)
    scheduled: int = 0        # settled as their tier should: S/A/B scheduled with bookings, C also completed
    cut: int = 0              # cut intents closed with their reason
    problems: list[str] = []  # campaigns that settled otherwise than their tier should


class PlanCarry(BaseModel):
    """Everything the workflow holds, handed to the next run by continue-as-new."""

    year: int
    seq: int = 0
    opened_by: Actor
    intake_open: bool = True
    intake_closes: date | None = None
    lines: dict[str, str] = {}   # intent_id -> business line (the intents themselves are events)
    s_fixed: list[SChoice] = []
    settings: Settings = Settings()
    pins: list[PlanPin] = []
    solution: Summary | None = None
    solution_id: str | None = None
    stale: bool = False          # something changed since the last solve
    scenarios: dict[str, ScenarioRecord] = {}
    publish: PublishProgress | None = None
    publish_pending: bool = False
    published: bool = False
    runs: int = 1                # this run's number (continue-as-new counts up)


class YearPlanInput(BaseModel):
    year: int
    opened_by: Actor
    intake_closes: date | None = None
    carry: PlanCarry | None = None
    # continue-as-new once the history holds this many events (or the server suggests it)
    max_history_events: int = Field(default=5000, ge=100)
    max_history_bytes: int = Field(default=4_000_000, ge=100_000)
    solve_time_limit: float = Field(default=60.0, gt=0)


class PlanView(BaseModel):
    """`GET /plans/{year}` (shared/API.md) plus what helps a person follow the season."""

    year: int
    status: PlanStatus
    intents: int
    s_fixed: list[SChoice]
    settings: Settings
    pins: list[PlanPin]
    solution: Summary | None
    solution_id: str | None
    stale: bool
    intake_closes: date | None
    scenarios: list[str]
    publish: PublishProgress | None
    published: bool
    history_events: int = 0
    runs: int = 1


# ------------------------------------------------------------------ updates
class SubmitIntents(BaseModel):
    actor: Actor
    intents: list[Intent]   # validated, intent_id set


class IntakeResult(BaseModel):
    intent_id: str
    request_id: str
    status: Literal["created", "exists"]


class CloseIntake(BaseModel):
    actor: Actor


class FixS(BaseModel):
    actor: Actor
    campaigns: list[SChoice]


class SetSettings(BaseModel):
    actor: Actor
    settings: Settings


class ChangePin(BaseModel):
    actor: Actor
    pin: PlanPin


class Unpin(BaseModel):
    actor: Actor
    intent_id: str


class Solve(BaseModel):
    actor: Actor


class RunScenario(BaseModel):
    actor: Actor
    name: str = Field(min_length=1, max_length=100)
    settings: Settings | None = None   # None: the plan's
    pins: list[PlanPin] | None = None  # None: the plan's


class Publish(BaseModel):
    actor: Actor


class PublishAccepted(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: PlanStatus
    publish: PublishProgress | None

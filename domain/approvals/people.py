"""The shapes of preparation and people: milestone and team specs, a campaign's milestones.

Kept apart from `preparation.py` (the rules) so the policy and the events can name these
types without importing the rules, and the numbers themselves stay in `policy.py`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.campaign import PhaseName

_KEY = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SYSTEM = "promoflow"  # the actor of what the engine records itself (events' `actor`; one name, everywhere)
ESCALATE_TO_OPS = "ops"  # whom an overdue milestone of a team without a lead (or of no listed team) goes to


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MilestoneSpec(_Frozen):
    """One preparation step of a tier: due `offset_days` from the burst start (T), owned by `team`."""

    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1)
    team: str = Field(pattern=_KEY)
    offset_days: int = Field(ge=-400, le=400, description="days from the burst start; negative: before it")


class TeamSpec(_Frozen):
    """A team whose people the campaigns share: `capacity` people-days per ISO week."""

    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1)
    capacity: int = Field(ge=0, description="people-days per ISO week")
    lead: str | None = Field(default=None, min_length=1,
                             description="who the team's overdue milestones escalate to (a principal's name); "
                                         "none: ops")


class TeamNeed(_Frozen):
    """People-days per ISO week a tier's phase needs from a team, in every week the phase touches."""

    team: str = Field(pattern=_KEY)
    phase: PhaseName
    people_days: int = Field(ge=0)


class MilestoneStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    OVERDUE = "overdue"
    CLOSED = "closed"  # the campaign was cancelled or expired: nobody needs it any more


class Milestone(BaseModel):
    """One milestone of one campaign, as the workflow state and the events carry it."""

    key: str
    name: str
    team: str
    due: date
    status: MilestoneStatus = MilestoneStatus.OPEN
    done_by: str | None = None
    done_at: datetime | None = None

    @property
    def is_pending(self) -> bool:
        """Still waiting for someone: open, or overdue (it can still be marked done)."""
        return self.status in (MilestoneStatus.OPEN, MilestoneStatus.OVERDUE)


class MilestoneMove(BaseModel):
    """An open milestone moved with its campaign's burst."""

    model_config = ConfigDict(frozen=True)

    key: str
    from_due: date
    to_due: date

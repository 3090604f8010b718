"""Events of results: a campaign's daily actuals, their corrections and its outcome.

They live in the campaign's own stream (the workflow's results window appends them while it
runs, the results service after the hand-off); the store's union of every event type is
built in `domain/events.py` from this module. Type names and JSON are the log's: never rename.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.results.actuals import ActualRow, Correction
from domain.results.outcome import Outcome


class _ResultsBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActualsRecorded(_ResultsBody):
    """Daily actuals of days not recorded before (one accepted batch)."""

    type: Literal["ActualsRecorded"] = "ActualsRecorded"
    rows: list[ActualRow]


class ActualsCorrected(_ResultsBody):
    """Days whose figures changed: the old figures stay in the log next to the new ones."""

    type: Literal["ActualsCorrected"] = "ActualsCorrected"
    corrections: list[Correction]


class CampaignOutcome(_ResultsBody):
    """Forecast against actual, the LMDI split, fatigue and gross profit (domain.results.outcome).
    Recorded when the results window closes, and again when late actuals change it."""

    type: Literal["CampaignOutcome"] = "CampaignOutcome"
    outcome: Outcome
    days: int = Field(ge=0, description="the campaign's own days, warm-up through the end")


RESULTS_BODIES = (ActualsRecorded, ActualsCorrected, CampaignOutcome)

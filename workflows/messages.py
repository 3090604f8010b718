"""Typed input, decisions and state of the campaign workflow."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.amend import AmendChanges
from domain.campaign import CampaignRequest
from domain.campaign_state import CampaignState
from domain.results.actuals import ActualRow
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

"""The year's policy (shared/API.md "Policy and reference data"): read by every role,
changed by ops and leaders, every change an event with who and why (services/policy.py
does the checking and the recording; this module translates HTTP)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_role
from api.deps import AppDeps, CurrentActor
from domain.approvals.roles import Role
from services import policy
from services.policy import History, PolicyView

router = APIRouter(prefix="/policy", tags=["policy"])
Year = Annotated[int, Path(ge=2000, le=2100, description="the policy's year")]


class PolicyChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(description="a JSON merge patch of the year's overrides, flat policy keys "
                                                "(`yearly_budget_days`, `month_caps`, ...); null restores a default")
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/{year}", response_model=PolicyView)
async def get_policy(year: Year, actor: CurrentActor, d: AppDeps) -> PolicyView:
    return await policy.view(d.pool, year)


@router.patch("/{year}", response_model=PolicyView)
async def change_policy(year: Year, body: PolicyChange, actor: CurrentActor, d: AppDeps) -> PolicyView:
    require_role(actor, Role.OPS, Role.LEADER)
    return await policy.change(d.pool, year, body.changes, body.reason, actor.name, actor.actor_id or None)


@router.get("/{year}/history", response_model=History)
async def policy_history(year: Year, actor: CurrentActor, d: AppDeps) -> History:
    return await policy.history(d.pool, year)

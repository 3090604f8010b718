"""The business lines' context (shared/API.md "Policy and reference data"): read by every
role, the strategic weight and annual target changed by ops, every change an event with who
and why (services/lines.py does the checking and the recording; this module translates)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.auth import require_role
from api.deps import AppDeps, CurrentActor
from domain.approvals.roles import Role
from services import lines
from services.lines import LineList, LineView

router = APIRouter(prefix="/business-lines", tags=["business lines"])


class LineChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(description="`strategic_weight` (0..1) and/or `annual_target` (yuan)")
    reason: str = Field(min_length=1, max_length=2000)


@router.get("", response_model=LineList)
async def list_lines(actor: CurrentActor, d: AppDeps) -> LineList:
    return await lines.listed(d.pool)


@router.patch("/{line}", response_model=LineView)
async def change_line(line: str, body: LineChange, actor: CurrentActor, d: AppDeps) -> LineView:
    require_role(actor, Role.OPS)
    return await lines.change(d.pool, line, body.changes, body.reason, actor.name, actor.actor_id or None)

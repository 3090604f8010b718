"""Preparation and people (shared/API.md): a campaign's milestones and marking one done
(the workflow's update), the ops view of pending milestones across campaigns, and the
teams' load per ISO week. Milestones of one campaign come from its workflow (the truth,
current right after an update); the lists across campaigns from the read model."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import READERS, may_see, require_role
from api.deps import AppDeps, CurrentActor
from api.models import PendingMilestone
from api.paging import Page, Paged
from domain.approvals.people import Milestone
from domain.approvals.preparation import TeamWeekLoad
from services import campaigns
from services import workflows as wf
from store import milestones, reference, teams

router = APIRouter(tags=["preparation"])


class MilestoneList(BaseModel):
    items: list[Milestone]


class DoneBody(BaseModel):
    comment: str | None = Field(default=None, max_length=1000)


class PendingList(Paged):
    items: list[PendingMilestone]


class TeamLoadList(BaseModel):
    items: list[TeamWeekLoad]


@router.get("/campaigns/{campaign_id}/milestones", response_model=MilestoneList)
async def campaign_milestones(campaign_id: str, actor: CurrentActor, d: AppDeps) -> MilestoneList:
    state = await wf.campaign_state(d, campaign_id)
    may_see(actor, state.business_line)
    return MilestoneList(items=sorted(state.milestones, key=lambda m: m.due))


@router.post("/campaigns/{campaign_id}/milestones/{key}/done", response_model=MilestoneList)
async def mark_done(campaign_id: str, key: str, actor: CurrentActor, d: AppDeps,
                    body: DoneBody | None = None) -> MilestoneList:
    """Owner or ops; the workflow's validator refuses what does not fit (409, 403, 404)."""
    return MilestoneList(items=await campaigns.milestone_done(d, actor, campaign_id, key,
                                                             body.comment if body else None))


@router.get("/milestones", response_model=PendingList)
async def pending_milestones(actor: CurrentActor, d: AppDeps, page: Page, team: str | None = None,
                             status: Literal["open", "overdue"] | None = None,
                             due_before: date | None = None) -> PendingList:
    require_role(actor, *READERS)
    rows = await milestones.pending(d.pool, team=team, status=status, due_before=due_before, limit=page.limit,
                                    offset=page.offset)
    total = await milestones.count_pending(d.pool, team=team, status=status, due_before=due_before)
    return PendingList(items=[PendingMilestone.model_validate(r) for r in rows], **page.of(total))


@router.get("/teams/load", response_model=TeamLoadList)
async def team_load(actor: CurrentActor, d: AppDeps,
                    year: Annotated[int, Query(ge=2000, le=2100, description="the ISO year")]) -> TeamLoadList:
    require_role(actor, *READERS)
    policy = await reference.policy_for(d.pool, year)
    return TeamLoadList(items=await teams.week_loads_of(d.pool, policy, year))



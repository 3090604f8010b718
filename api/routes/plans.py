"""The planning season (shared/API.md "The planning season"): one `YearPlanWorkflow` per
year (`plan-<year>`). Writes are the use cases of services/plans.py (the workflow's updates,
role and state validated in the workflow too); the intents, solutions and scenario
comparisons are read from PostgreSQL.

The page route (`/plans/{year}.html`) is declared before `/plans/{year}`, so the JSON route
never sees `2027.html`.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import HTMLResponse

from api.auth import READERS, ROLES, require_role
from api.deps import AppDeps, CurrentActor
from api.models import (
    FixSBody,
    IntentItem,
    IntentList,
    IntentResult,
    IntentResults,
    IntentsBody,
    OpenPlanBody,
    PinBody,
    PlanSolutionBody,
    ScenarioAnswer,
    ScenarioBody,
    ScenarioComparison,
    SolutionView,
)
from api.paging import Page
from api.plan_privacy import LineFilter, for_line
from api.web.session import DocumentActor  # the page: bearer, or the web app's session
from domain.approvals.roles import Role
from domain.planning import season
from domain.planning.events import SChoice
from domain.planning.model import Intent, Summary
from domain.scoring import score_request
from services import plans as uc
from services import workflows as wf
from services.errors import Code, Refused
from store import plans, reference
from workflows.messages import Actor
from workflows.plan_messages import (
    PlanView,
    PublishAccepted,
)
from workflows.year_plan import YearPlanWorkflow

log = logging.getLogger("promoflow.api")
router = APIRouter(prefix="/plans", tags=["plans"])
Year = Annotated[int, Path(ge=2000, le=2100, description="the planned year")]


# ---------------------------------------------------------------------- the page
@router.get("/{year}.html", response_class=HTMLResponse, summary="The plan page",
            responses={200: {"content": {"text/html": {}}, "description": "the plan page"}})
async def plan_page(year: Year, actor: DocumentActor, d: AppDeps) -> HTMLResponse:
    require_role(actor, *READERS)
    from api.plan_page import load_plan_page

    return HTMLResponse(await load_plan_page(d, year))


# ---------------------------------------------------------------------- the season
@router.post("/{year}", status_code=201, response_model=PlanView)
async def open_plan(year: Year, actor: CurrentActor, d: AppDeps, response: Response,
                    body: OpenPlanBody | None = None) -> PlanView:
    view = await uc.open_season(d, actor, year, (body or OpenPlanBody()).intake_closes)
    response.headers["Location"] = f"/plans/{year}"
    return view


@router.get("/{year}", response_model=PlanView)
async def get_plan(year: Year, actor: CurrentActor, d: AppDeps) -> PlanView:
    require_role(actor, *ROLES)
    v = await wf.plan_view(d, year)
    line = for_line(actor)
    return LineFilter(line, await plans.intents(d.pool, year)).view(v) if line else v


@router.post("/{year}/close-intake", response_model=PlanView)
async def close_intake(year: Year, actor: CurrentActor, d: AppDeps) -> PlanView:
    return await uc.close_intake(d, actor, year)


# ---------------------------------------------------------------------- intents
@router.post("/{year}/intents", response_model=IntentResults)
async def submit_intents(year: Year, body: IntentsBody, actor: CurrentActor, d: AppDeps) -> IntentResults:
    """One result per item, in order; an invalid item changes nothing and stops no other."""
    out = []
    for raw, a in zip(body.intents, await uc.submit_intents(d, actor, year, body.intents), strict=True):
        if isinstance(a, Refused):
            rid, iid = uc.intent_ids(raw)
            out.append(IntentResult(request_id=rid, intent_id=iid, status="invalid",
                                    error={"code": a.code, "message": a.message, "details": a.details}))
        else:
            out.append(IntentResult(request_id=a.request_id, intent_id=a.intent_id, status=a.status))
    return IntentResults(results=out)


@router.get("/{year}/intents", response_model=IntentList)
async def list_intents(year: Year, actor: CurrentActor, d: AppDeps, page: Page) -> IntentList:
    require_role(actor, *ROLES)
    await wf.plan_view(d, year, live_progress=False)
    line = actor.business_line if actor.role == Role.BUSINESS_LINE else None
    policy = await reference.policy_for(d.pool, year)
    contexts: dict[str, Any] = {}
    items = []
    for r in await plans.intents(d.pool, year, line, limit=page.limit, offset=page.offset):
        it = Intent.model_validate(r["intent"])
        if it.business_line not in contexts:
            contexts[it.business_line] = await reference.business_line(d.pool, it.business_line)
        ctx = contexts[it.business_line]
        review = score_request(policy, ctx, it) if ctx is not None else None
        items.append(IntentItem(
            intent_id=r["intent_id"], request_id=r["request_id"], business_line=r["business_line"], name=it.name,
            category=it.category, requested_tier=it.requested_tier, months=it.months,
            score=review.score if review else None, proposed_tier=review.proposed_tier if review else None,
            status=r["status"], campaign_id=r["campaign_id"], closed_reason=r["closed_reason"],
            submitted_by=r["submitted_by"], submitted_at=r["submitted_at"], intent=r["intent"]))
    return IntentList(items=items, **page.of(await plans.count_intents(d.pool, year, line)))


# ---------------------------------------------------------------------- S, settings, pins
@router.post("/{year}/s", response_model=PlanView)
async def fix_s(year: Year, body: FixSBody, actor: CurrentActor, d: AppDeps) -> PlanView:
    return await uc.fix_s(d, actor, year, [SChoice(intent_id=c.intent_id, month=c.month) for c in body.campaigns])


@router.put("/{year}/settings", response_model=PlanView)
async def set_settings(year: Year, body: dict[str, Any], actor: CurrentActor, d: AppDeps) -> PlanView:
    return await uc.set_settings(d, actor, year, body)


@router.post("/{year}/pins", response_model=PlanView)
async def pin(year: Year, body: PinBody, actor: CurrentActor, d: AppDeps) -> PlanView:
    return await uc.pin(d, actor, year, body.model_dump())


@router.delete("/{year}/pins", response_model=PlanView)
async def unpin(year: Year, body: PinBody, actor: CurrentActor, d: AppDeps) -> PlanView:
    return await uc.unpin(d, actor, year, body.intent_id)


# ---------------------------------------------------------------------- solve, solution
@router.post("/{year}/solve", response_model=Summary)
async def solve(year: Year, actor: CurrentActor, d: AppDeps) -> Summary:
    return await uc.solve(d, actor, year)


def _for(actor: Actor, sol: dict[str, Any], intents: list[dict[str, Any]]) -> PlanSolutionBody:
    decisions = sol["decisions"]
    summary = dict(sol["summary"])
    if line := for_line(actor):
        only = LineFilter(line, intents)
        decisions, summary = only.decisions(decisions), only.summary(summary)
    merges = summary.get("merge_suggestions") or []
    summary["merge_suggestions"] = merges[:season.MERGE_SUGGESTIONS_KEPT]
    summary["merge_suggestions_total"] = len(merges)
    return PlanSolutionBody(summary=summary, decisions=decisions)


@router.get("/{year}/solution", response_model=PlanSolutionBody)
async def solution(year: Year, actor: CurrentActor, d: AppDeps) -> PlanSolutionBody:
    require_role(actor, *ROLES)
    v = await wf.plan_view(d, year, live_progress=False)
    if v.solution_id is None:
        raise Refused(Code.INVALID_STATE, f"plan-{year} has not been solved yet")
    sol = await plans.solution(d.pool, v.solution_id)
    assert sol is not None, v.solution_id
    return _for(actor, sol, await plans.intents(d.pool, year) if for_line(actor) else [])


# ---------------------------------------------------------------------- scenarios
@router.post("/{year}/scenarios", status_code=201, response_model=ScenarioAnswer)
async def run_scenario(year: Year, body: ScenarioBody, actor: CurrentActor, d: AppDeps) -> ScenarioAnswer:
    record = await uc.scenario(d, actor, year, body.name, body.settings,
                               [p.model_dump() for p in body.pins] if body.pins is not None else None)
    return ScenarioAnswer(name=record.name, summary=record.summary.model_dump(mode="json"))


@router.get("/{year}/scenarios", response_model=ScenarioComparison)
async def compare_scenarios(year: Year, actor: CurrentActor, d: AppDeps) -> ScenarioComparison:
    require_role(actor, *READERS)
    v = await wf.plan_view(d, year, live_progress=False)
    policy = await reference.policy_for(d.pool, year)
    plan_sol = await plans.solution(d.pool, v.solution_id) if v.solution_id else None
    plan_view = None
    if plan_sol is not None:
        plan_view = SolutionView(name="plan", solution_id=v.solution_id, settings=v.settings.model_dump(mode="json"),
                                 pins=[p.model_dump(mode="json") for p in v.pins],
                                 **season.solution_view(policy, year, plan_sol))
    records = await wf.plan(d, year).query(YearPlanWorkflow.scenarios_query)
    out = []
    for rec in records:
        sol = await plans.solution(d.pool, rec.solution_id)
        if sol is None:
            continue
        out.append(SolutionView(
            name=rec.name, solution_id=rec.solution_id, settings=rec.settings.model_dump(mode="json"),
            pins=[p.model_dump(mode="json") for p in rec.pins],
            differences=season.differences(plan_sol, sol) if plan_sol else None,
            **season.solution_view(policy, year, sol)))
    return ScenarioComparison(plan=plan_view, scenarios=out)


# ---------------------------------------------------------------------- publish
@router.post("/{year}/publish", status_code=202, response_model=PublishAccepted)
async def publish(year: Year, actor: CurrentActor, d: AppDeps) -> PublishAccepted:
    return await uc.publish(d, actor, year)

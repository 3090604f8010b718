"""The planning season (shared/API.md "The planning season"): one `YearPlanWorkflow` per
year (`plan-<year>`). Writes are its updates (role and state validated in the workflow too);
the intents, solutions and scenario comparisons are read from PostgreSQL.

The page route (`/plans/{year}.html`) is declared before `/plans/{year}`, so the JSON route
never sees `2027.html`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import plan_workflow as pw
from api.auth import READERS, ROLES, require_role
from api.deps import AppDeps, CurrentActor, Deps
from api.errors import ApiError
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
from domain import season
from domain.festivals import supported_years
from domain.months import year_of
from domain.plan_events import PlanPin, SChoice, plan_stream
from domain.planning.model import Intent, Pin, PlanInputError, Settings, Summary, parse_settings
from domain.policy import Policy
from domain.scoring import score_request
from services.errors import Code, Refused
from services.limits import INTENTS_PER_CALL, INTENTS_PER_SEASON, check_batch
from store import plans, reference
from workflows.messages import Actor
from workflows.plan_messages import (
    ChangePin,
    CloseIntake,
    FixS,
    IntakeResult,
    PlanStatus,
    PlanView,
    Publish,
    PublishAccepted,
    RunScenario,
    SetSettings,
    Solve,
    SubmitIntents,
    Unpin,
    YearPlanInput,
)
from workflows.year_plan import YearPlanWorkflow

log = logging.getLogger("promoflow.api")
router = APIRouter(prefix="/plans", tags=["plans"])
Year = Annotated[int, Path(ge=2000, le=2100, description="the planned year")]


def _check_year(year: int) -> None:
    years = supported_years()
    if year not in years:
        raise Refused(Code.INVALID, f"year {year} is outside the supported years ({years[0]}-{years[-1]})")


def _unprocessable(err: PlanInputError) -> ApiError:
    return Refused(Code.INVALID, str(err), {"item": err.item, "field": err.field, "message": err.message})


async def _policy(d: Deps, year: int) -> Policy:
    return await reference.policy_for(d.pool, year)


async def _check_plan(d: Deps, year: int, v: PlanView, *, s_fixed: list[SChoice] | None = None,
                      pins: list[PlanPin] | None = None, settings: Settings | None = None) -> None:
    """The planner's own checks on what the plan would hold: 422 naming the item."""
    intents = [Intent.model_validate(r["intent"]) for r in await plans.intents(d.pool, year)]
    try:
        season.check(season.plan_input(year, await _policy(d, year), intents,
                                       s_fixed=v.s_fixed if s_fixed is None else s_fixed,
                                       pins=v.pins if pins is None else pins,
                                       settings=v.settings if settings is None else settings))
    except PlanInputError as err:
        raise _unprocessable(err) from None


def _settings(d_raw: dict[str, Any], year: int, policy: Policy, base: Settings | None = None) -> Settings:
    raw = {**(base.model_dump(exclude_unset=True) if base else {}), **d_raw}
    try:
        settings = parse_settings(raw)
        season.check_settings(year, policy, settings)
    except PlanInputError as err:
        raise _unprocessable(err) from None
    return settings


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
    require_role(actor, "ops")
    _check_year(year)
    body = body or OpenPlanBody()
    if body.intake_closes is not None and body.intake_closes.year > year:
        raise Refused(Code.INVALID, f"intake_closes {body.intake_closes} is after the planned year {year}")
    try:
        await d.client.start_workflow(
            YearPlanWorkflow.run, YearPlanInput(year=year, opened_by=actor, intake_closes=body.intake_closes),
            id=plan_stream(year), task_queue=d.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
    except WorkflowAlreadyStartedError as err:
        raise Refused(Code.INVALID_STATE, f"the {year} planning season is already open") from err
    response.headers["Location"] = f"/plans/{year}"
    return PlanView(year=year, status=PlanStatus.INTAKE, intents=0, s_fixed=[], settings=Settings(), pins=[],
                    solution=None,
                    solution_id=None, stale=False, intake_closes=body.intake_closes, scenarios=[], publish=None,
                    published=False)


@router.get("/{year}", response_model=PlanView)
async def get_plan(year: Year, actor: CurrentActor, d: AppDeps) -> PlanView:
    require_role(actor, *ROLES)
    v = await pw.view(d, year)
    line = for_line(actor)
    return LineFilter(line, await plans.intents(d.pool, year)).view(v) if line else v


@router.post("/{year}/close-intake", response_model=PlanView)
async def close_intake(year: Year, actor: CurrentActor, d: AppDeps) -> PlanView:
    require_role(actor, "ops")
    return await pw.update(d, year, YearPlanWorkflow.close_intake, CloseIntake(actor=actor))


# ---------------------------------------------------------------------- intents
def _invalid(raw: Any, code: str, message: str, details: Any = None) -> IntentResult:
    rid = raw.get("request_id") if isinstance(raw, dict) else None
    line = raw.get("business_line") if isinstance(raw, dict) else None
    iid = season.intent_id_for(line, rid) if isinstance(rid, str) and isinstance(line, str) else None
    return IntentResult(request_id=rid if isinstance(rid, str) else None, intent_id=iid, status="invalid",
                        error={"code": code, "message": message, "details": details})


@router.post("/{year}/intents", response_model=IntentResults)
async def submit_intents(year: Year, body: IntentsBody, actor: CurrentActor, d: AppDeps) -> IntentResults:
    """One result per item, in order; an invalid item changes nothing and stops no other."""
    require_role(actor, "business_line", "ops")
    check_batch(len(body.intents), INTENTS_PER_CALL, "intents")
    known_lines = await reference.known_business_lines(d.pool)
    results: list[IntentResult | None] = []
    valid: list[Intent] = []
    for raw in body.intents:
        if not isinstance(raw, dict):
            results.append(_invalid(raw, "invalid_request", "an intent is a JSON object"))
            continue
        if actor.role == "business_line" and raw.get("business_line") != actor.business_line:
            results.append(_invalid(raw, "forbidden", f"{actor.name} submits for {actor.business_line}, "
                                                      f"not {raw.get('business_line')}"))
            continue
        try:
            it = Intent.model_validate({k: v for k, v in raw.items() if k != "intent_id"})
        except ValidationError as err:
            problems = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                        for e in err.errors(include_url=False)]
            results.append(_invalid(raw, "invalid_request",
                                    "; ".join(f"{p['field'] or 'intent'}: {p['message']}" for p in problems), problems))
            continue
        problem = None
        if any(year_of(m) != year for m in it.months):
            problem = f"every month must be in {year} (months {it.months})"
        elif it.business_line not in known_lines:
            problem = f"unknown business line {it.business_line!r}"
        elif it.hot_topic:
            problem = "a hot topic is not planned: submit it with POST /campaigns (it runs on the reserve)"
        if problem:
            results.append(_invalid(raw, "invalid_request", problem))
            continue
        valid.append(it.model_copy(update={"intent_id": season.intent_id_for(it.business_line, it.request_id)}))
        results.append(None)
    answered: Iterator[IntakeResult] = iter([])
    if valid:
        await _check_season_cap(d, year, valid)
        answered = iter(await pw.update(d, year, YearPlanWorkflow.submit_intents,
                                        SubmitIntents(actor=actor, intents=valid)))
    else:
        await pw.view(d, year, live_progress=False)  # 404 when there is no plan
    out = []
    for r in results:
        if r is None:
            a = next(answered)
            r = IntentResult(request_id=a.request_id, intent_id=a.intent_id, status=a.status)
        out.append(r)
    return IntentResults(results=out)


async def _check_season_cap(d: Deps, year: int, valid: list[Intent]) -> None:
    """At most INTENTS_PER_SEASON intents in a season; intents it holds already (sent again) are not new."""
    held = await plans.count_intents(d.pool, year)
    if held + len(valid) <= INTENTS_PER_SEASON:
        return
    ids = [i.intent_id for i in valid if i.intent_id is not None]
    new = set(ids) - await plans.known_intent_ids(d.pool, year, ids)
    check_batch(held + len(new), INTENTS_PER_SEASON, "intents", per=f"season (plan-{year} holds {held})")


@router.get("/{year}/intents", response_model=IntentList)
async def list_intents(year: Year, actor: CurrentActor, d: AppDeps, page: Page) -> IntentList:
    require_role(actor, *ROLES)
    await pw.view(d, year, live_progress=False)
    line = actor.business_line if actor.role == "business_line" else None
    policy = await _policy(d, year)
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
    require_role(actor, "leader")
    v = await pw.view(d, year, live_progress=False)
    choices = [SChoice(intent_id=c.intent_id, month=c.month) for c in body.campaigns]
    lines = await pw.lines(d, year)
    unknown = [c.intent_id for c in choices if c.intent_id not in lines]
    if unknown:
        raise Refused(Code.INVALID, f"no intent {', '.join(unknown)} in plan-{year}")
    if v.publish is None:
        await _check_plan(d, year, v, s_fixed=choices, pins=[p for p in v.pins
                                                             if p.intent_id not in {c.intent_id for c in choices}])
    return await pw.update(d, year, YearPlanWorkflow.fix_s, FixS(actor=actor, campaigns=choices))


@router.put("/{year}/settings", response_model=PlanView)
async def set_settings(year: Year, body: dict[str, Any], actor: CurrentActor, d: AppDeps) -> PlanView:
    require_role(actor, "ops")
    settings = _settings(body, year, await _policy(d, year))
    return await pw.update(d, year, YearPlanWorkflow.set_settings, SetSettings(actor=actor, settings=settings))


@router.post("/{year}/pins", response_model=PlanView)
async def pin(year: Year, body: PinBody, actor: CurrentActor, d: AppDeps) -> PlanView:
    require_role(actor, "ops")
    try:
        p = PlanPin(**body.model_dump())
        Pin(request_id=p.intent_id, month=p.month, tier=p.tier, cut=p.cut)  # the planner's rules of a pin
    except ValidationError as err:
        raise Refused(Code.INVALID, "; ".join(e["msg"].removeprefix("Value error, ")
                                                         for e in err.errors(include_url=False))) from None
    v = await pw.view(d, year, live_progress=False)
    if p.intent_id not in await pw.lines(d, year):
        raise Refused(Code.INVALID, f"no intent {p.intent_id} in plan-{year}")
    if v.publish is None:
        await _check_plan(d, year, v, pins=[q for q in v.pins if q.intent_id != p.intent_id] + [p])
    return await pw.update(d, year, YearPlanWorkflow.pin, ChangePin(actor=actor, pin=p))


@router.delete("/{year}/pins", response_model=PlanView)
async def unpin(year: Year, body: PinBody, actor: CurrentActor, d: AppDeps) -> PlanView:
    require_role(actor, "ops")
    return await pw.update(d, year, YearPlanWorkflow.unpin, Unpin(actor=actor, intent_id=body.intent_id))


# ---------------------------------------------------------------------- solve, solution
@router.post("/{year}/solve", response_model=Summary)
async def solve(year: Year, actor: CurrentActor, d: AppDeps) -> Summary:
    require_role(actor, "ops")
    return await pw.update(d, year, YearPlanWorkflow.solve, Solve(actor=actor))


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
    v = await pw.view(d, year, live_progress=False)
    if v.solution_id is None:
        raise Refused(Code.INVALID_STATE, f"plan-{year} has not been solved yet")
    sol = await plans.solution(d.pool, v.solution_id)
    assert sol is not None, v.solution_id
    return _for(actor, sol, await plans.intents(d.pool, year) if for_line(actor) else [])


# ---------------------------------------------------------------------- scenarios
@router.post("/{year}/scenarios", status_code=201, response_model=ScenarioAnswer)
async def run_scenario(year: Year, body: ScenarioBody, actor: CurrentActor, d: AppDeps) -> ScenarioAnswer:
    require_role(actor, "ops", "leader")
    v = await pw.view(d, year, live_progress=False)
    settings = _settings(body.settings, year, await _policy(d, year), v.settings) if body.settings is not None else None
    pins = [PlanPin(**p.model_dump()) for p in body.pins] if body.pins is not None else None
    await _check_plan(d, year, v, pins=pins, settings=settings)
    record = await pw.update(d, year, YearPlanWorkflow.scenario,
                             RunScenario(actor=actor, name=body.name, settings=settings, pins=pins))
    return ScenarioAnswer(name=record.name, summary=record.summary.model_dump(mode="json"))


@router.get("/{year}/scenarios", response_model=ScenarioComparison)
async def compare_scenarios(year: Year, actor: CurrentActor, d: AppDeps) -> ScenarioComparison:
    require_role(actor, *READERS)
    v = await pw.view(d, year, live_progress=False)
    policy = await _policy(d, year)
    plan_sol = await plans.solution(d.pool, v.solution_id) if v.solution_id else None
    plan_view = None
    if plan_sol is not None:
        plan_view = SolutionView(name="plan", solution_id=v.solution_id, settings=v.settings.model_dump(mode="json"),
                                 pins=[p.model_dump(mode="json") for p in v.pins],
                                 **season.solution_view(policy, year, plan_sol))
    records = await pw.handle(d, year).query(YearPlanWorkflow.scenarios_query)
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
    require_role(actor, "leader")
    return await pw.update(d, year, YearPlanWorkflow.publish, Publish(actor=actor))

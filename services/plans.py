"""The planning season's commands (shared/API.md "The planning season"): open a year's plan,
close its intake, submit intents, fix the S campaigns, set the solver's settings, pin and
unpin, solve, run a scenario, publish. Each is an update of the year's `YearPlanWorkflow`
(`plan-<year>`), whose validator judges role and state again; the checks here are the
planner's own (the item named) and the caps, before anything enters history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import ValidationError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.approvals.roles import Role
from domain.festivals import supported_years
from domain.months import year_of
from domain.planning import season
from domain.planning.events import PlanPin, SChoice, plan_stream
from domain.planning.model import Intent, Pin, PlanInputError, Settings, Summary, parse_settings
from domain.policy import Policy
from services import workflows as wf
from services.access import require_role
from services.context import Engine
from services.errors import Code, Refused, problems_of
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
    ScenarioRecord,
    SetSettings,
    Solve,
    SubmitIntents,
    Unpin,
    YearPlanInput,
)
from workflows.year_plan import YearPlanWorkflow


def check_year(year: int) -> None:
    years = supported_years()
    if year not in years:
        raise Refused(Code.INVALID, f"year {year} is outside the supported years ({years[0]}-{years[-1]})")


def unprocessable(err: PlanInputError) -> Refused:
    return Refused(Code.INVALID, str(err), {"item": err.item, "field": err.field, "message": err.message})


async def _policy(e: Engine, year: int) -> Policy:
    return await reference.policy_for(e.pool, year)


async def _check_plan(e: Engine, year: int, v: PlanView, *, s_fixed: list[SChoice] | None = None,
                      pins: list[PlanPin] | None = None, settings: Settings | None = None) -> None:
    """The planner's own checks on what the plan would hold: `invalid_request` naming the item."""
    intents = [Intent.model_validate(r["intent"]) for r in await plans.intents(e.pool, year)]
    try:
        season.check(season.plan_input(year, await _policy(e, year), intents,
                                       s_fixed=v.s_fixed if s_fixed is None else s_fixed,
                                       pins=v.pins if pins is None else pins,
                                       settings=v.settings if settings is None else settings))
    except PlanInputError as err:
        raise unprocessable(err) from None


def _settings(raw: dict[str, Any], year: int, policy: Policy, base: Settings | None = None) -> Settings:
    merged = {**(base.model_dump(exclude_unset=True) if base else {}), **raw}
    try:
        settings = parse_settings(merged)
        season.check_settings(year, policy, settings)
    except PlanInputError as err:
        raise unprocessable(err) from None
    return settings


# ---------------------------------------------------------------------- the season
async def open_season(e: Engine, actor: Actor, year: int, intake_closes: date | None) -> PlanView:
    require_role(actor, Role.OPS)
    check_year(year)
    if intake_closes is not None and intake_closes.year > year:
        raise Refused(Code.INVALID, f"intake_closes {intake_closes} is after the planned year {year}")
    try:
        await e.client.start_workflow(
            YearPlanWorkflow.run, YearPlanInput(year=year, opened_by=actor, intake_closes=intake_closes),
            id=plan_stream(year), task_queue=e.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
    except WorkflowAlreadyStartedError as err:
        raise Refused(Code.INVALID_STATE, f"the {year} planning season is already open") from err
    return PlanView(year=year, status=PlanStatus.INTAKE, intents=0, s_fixed=[], settings=Settings(), pins=[],
                    solution=None, solution_id=None, stale=False, intake_closes=intake_closes, scenarios=[],
                    publish=None, published=False)


async def close_intake(e: Engine, actor: Actor, year: int) -> PlanView:
    require_role(actor, Role.OPS)
    return await wf.plan_update(e, year, YearPlanWorkflow.close_intake, CloseIntake(actor=actor))


# ---------------------------------------------------------------------- intents
def intent_ids(raw: Any) -> tuple[str | None, str | None]:
    """The request id and intent id an item names, as far as it can be read."""
    rid = raw.get("request_id") if isinstance(raw, dict) else None
    line = raw.get("business_line") if isinstance(raw, dict) else None
    iid = season.intent_id_for(line, rid) if isinstance(rid, str) and isinstance(line, str) else None
    return (rid if isinstance(rid, str) else None), iid


async def submit_intents(e: Engine, actor: Actor, year: int, items: list[Any]) -> list[IntakeResult | Refused]:
    """One answer per item, in order; an invalid item changes nothing and stops no other."""
    require_role(actor, Role.BUSINESS_LINE, Role.OPS)
    check_batch(len(items), INTENTS_PER_CALL, "intents")
    known_lines = await reference.known_business_lines(e.pool)
    results: list[Refused | None] = []
    valid: list[Intent] = []
    for raw in items:
        if not isinstance(raw, dict):
            results.append(Refused(Code.INVALID, "an intent is a JSON object"))
            continue
        if actor.role == Role.BUSINESS_LINE and raw.get("business_line") != actor.business_line:
            results.append(Refused(Code.FORBIDDEN, f"{actor.name} submits for {actor.business_line}, "
                                                   f"not {raw.get('business_line')}"))
            continue
        try:
            it = Intent.model_validate({k: v for k, v in raw.items() if k != "intent_id"})
        except ValidationError as err:
            problems = problems_of(err)
            results.append(Refused(Code.INVALID, "; ".join(f"{p['field'] or 'intent'}: {p['message']}"
                                                           for p in problems), problems))
            continue
        problem = None
        if any(year_of(m) != year for m in it.months):
            problem = f"every month must be in {year} (months {it.months})"
        elif it.business_line not in known_lines:
            problem = f"unknown business line {it.business_line!r}"
        elif it.hot_topic:
            problem = "a hot topic is not planned: submit it with POST /campaigns (it runs on the reserve)"
        if problem:
            results.append(Refused(Code.INVALID, problem))
            continue
        valid.append(it.model_copy(update={"intent_id": season.intent_id_for(it.business_line, it.request_id)}))
        results.append(None)
    answered: Iterator[IntakeResult] = iter([])
    if valid:
        await _check_season_cap(e, year, valid)
        answered = iter(await wf.plan_update(e, year, YearPlanWorkflow.submit_intents,
                                             SubmitIntents(actor=actor, intents=valid)))
    else:
        await wf.plan_view(e, year, live_progress=False)  # not_found when there is no plan
    return [next(answered) if r is None else r for r in results]


async def _check_season_cap(e: Engine, year: int, valid: list[Intent]) -> None:
    """At most INTENTS_PER_SEASON intents in a season; intents it holds already (sent again) are not new."""
    held = await plans.count_intents(e.pool, year)
    if held + len(valid) <= INTENTS_PER_SEASON:
        return
    ids = [i.intent_id for i in valid if i.intent_id is not None]
    new = set(ids) - await plans.known_intent_ids(e.pool, year, ids)
    check_batch(held + len(new), INTENTS_PER_SEASON, "intents", per=f"season (plan-{year} holds {held})")


# ---------------------------------------------------------------------- S, settings, pins
async def fix_s(e: Engine, actor: Actor, year: int, choices: list[SChoice]) -> PlanView:
    require_role(actor, Role.LEADER)
    v = await wf.plan_view(e, year, live_progress=False)
    lines = await wf.plan_lines(e, year)
    unknown = [c.intent_id for c in choices if c.intent_id not in lines]
    if unknown:
        raise Refused(Code.INVALID, f"no intent {', '.join(unknown)} in plan-{year}")
    if v.publish is None:
        fixed = {c.intent_id for c in choices}
        await _check_plan(e, year, v, s_fixed=choices, pins=[p for p in v.pins if p.intent_id not in fixed])
    return await wf.plan_update(e, year, YearPlanWorkflow.fix_s, FixS(actor=actor, campaigns=choices))


async def set_settings(e: Engine, actor: Actor, year: int, raw: dict[str, Any]) -> PlanView:
    require_role(actor, Role.OPS)
    settings = _settings(raw, year, await _policy(e, year))
    return await wf.plan_update(e, year, YearPlanWorkflow.set_settings, SetSettings(actor=actor, settings=settings))


def plan_pin(raw: dict[str, Any]) -> PlanPin:
    """A pin as the plan holds it, checked by the planner's rules of a pin."""
    try:
        p = PlanPin(**raw)
        Pin(request_id=p.intent_id, month=p.month, tier=p.tier, cut=p.cut)
    except ValidationError as err:
        raise Refused(Code.INVALID, "; ".join(x["msg"].removeprefix("Value error, ")
                                              for x in err.errors(include_url=False))) from None
    return p


async def pin(e: Engine, actor: Actor, year: int, raw: dict[str, Any]) -> PlanView:
    require_role(actor, Role.OPS)
    p = plan_pin(raw)
    v = await wf.plan_view(e, year, live_progress=False)
    if p.intent_id not in await wf.plan_lines(e, year):
        raise Refused(Code.INVALID, f"no intent {p.intent_id} in plan-{year}")
    if v.publish is None:
        await _check_plan(e, year, v, pins=[q for q in v.pins if q.intent_id != p.intent_id] + [p])
    return await wf.plan_update(e, year, YearPlanWorkflow.pin, ChangePin(actor=actor, pin=p))


async def unpin(e: Engine, actor: Actor, year: int, intent_id: str) -> PlanView:
    require_role(actor, Role.OPS)
    return await wf.plan_update(e, year, YearPlanWorkflow.unpin, Unpin(actor=actor, intent_id=intent_id))


# ---------------------------------------------------------------------- solve, scenarios, publish
async def solve(e: Engine, actor: Actor, year: int) -> Summary:
    require_role(actor, Role.OPS)
    return await wf.plan_update(e, year, YearPlanWorkflow.solve, Solve(actor=actor))


async def scenario(e: Engine, actor: Actor, year: int, name: str, settings_raw: dict[str, Any] | None,
                   pins_raw: list[dict[str, Any]] | None) -> ScenarioRecord:
    require_role(actor, Role.OPS, Role.LEADER)
    v = await wf.plan_view(e, year, live_progress=False)
    settings = _settings(settings_raw, year, await _policy(e, year), v.settings) if settings_raw is not None else None
    pins = [PlanPin(**p) for p in pins_raw] if pins_raw is not None else None
    await _check_plan(e, year, v, pins=pins, settings=settings)
    return await wf.plan_update(e, year, YearPlanWorkflow.scenario,
                                RunScenario(actor=actor, name=name, settings=settings, pins=pins))


async def publish(e: Engine, actor: Actor, year: int) -> PublishAccepted:
    require_role(actor, Role.LEADER)
    return await wf.plan_update(e, year, YearPlanWorkflow.publish, Publish(actor=actor))

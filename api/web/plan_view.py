"""What `/app/plans/{year}` shows to whom: the season's state read as the JSON routes read it
(`api.plan_workflow.view`, `store.plans`, the plan routes' own functions), what a business
line may see of it (`api.plan_privacy.LineFilter`, as `GET /plans/{year}` and
`/plans/{year}/solution` filter), the months x intents view model of the plan page
(`api.plan_page.plan_page`, drawn by the same macros), and `may`: the actions the person's
role may take in the season's state (the workflow's validators, said before the person
tries; the server refuses anyway).

Kept apart from the routes (api/web/plans.py) so the page, its progress fragment and the
forms' redraws after an error share one reading.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.errors import status_of
from api.paging import MAX_LIMIT, PageQuery
from api.plan_page import plan_page
from api.plan_privacy import LineFilter, for_line
from api.routes.plans import compare_scenarios, list_intents
from domain.approvals.roles import Role
from domain.festivals import supported_years
from domain.months import months_of_year
from domain.planning.model import Settings
from services import workflows as wf
from services.errors import Refused
from store import plans, reference
from workflows.messages import Actor
from workflows.plan_messages import PlanStatus, PlanView

TIERS = ("S", "A", "B", "C")
# Settings a later policy may add (money: `marketing_budget`, `objective`): the form shows them when present.
OPTIONAL_SETTINGS = tuple(k for k in ("marketing_budget", "objective") if k in Settings.model_fields)


def may(actor: Actor, v: PlanView | None) -> dict[str, bool]:
    """The season's actions open to `actor` now (mirrors workflows/year_plan.py's validators)."""
    role = actor.role
    if v is None:
        return {"open": role == Role.OPS}
    planning = v.publish is None
    solved_ok = v.solution is not None and v.solution.status in ("optimal", "feasible") and not v.stale
    return {
        "open": False,
        "close_intake": role == Role.OPS and v.status == PlanStatus.INTAKE,
        "submit": role in (Role.BUSINESS_LINE, Role.OPS) and v.status == PlanStatus.INTAKE,
        "submit_one": role == Role.BUSINESS_LINE and v.status == PlanStatus.INTAKE,
        "s": role == Role.LEADER and planning and v.intents > 0,
        "settings": role == Role.OPS and planning,
        "pins": role == Role.OPS and planning and v.intents > 0,
        "solve": role == Role.OPS and planning and v.intents > 0,
        "scenario": role in (Role.OPS, Role.LEADER) and v.intents > 0,
        "compare": role in (Role.OPS, Role.LEADER),
        "publish": role == Role.LEADER and ((planning and solved_ok) or (not planning and not v.published)),
    }


async def season(request: Request, actor: Actor, year: int) -> PlanView | None:
    """The season's view as the person may see it; None when no season is open."""
    d = request.app.state.deps
    try:
        v = await wf.plan_view(d, year)
    except Refused as err:
        if status_of(err) == 404:
            return None
        raise
    line = for_line(actor)
    return LineFilter(line, await plans.intents(d.pool, year)).view(v) if line else v


async def plan_context(request: Request, actor: Actor, year: int) -> dict[str, Any]:
    """Everything the season page draws for `actor`."""
    d = request.app.state.deps
    years = supported_years()
    base: dict[str, Any] = {"title": f"Plan {year}", "year": year, "person_role": actor.role,
                            "years": years, "supported": year in years}
    v = await season(request, actor, year)
    if v is None:
        return {**base, "v": None, "may": may(actor, None)}
    rows = await plans.intents(d.pool, year)
    line = for_line(actor)
    sol = await plans.solution(d.pool, v.solution_id) if v.solution_id else None
    if line:
        only = LineFilter(line, rows)
        if sol is not None:
            sol = {"summary": only.summary(dict(sol["summary"])), "decisions": only.decisions(sol["decisions"])}
        rows = [r for r in rows if r["business_line"] == line]
    policy = await reference.policy_for(d.pool, year)
    listed = await list_intents(year, actor, d, PageQuery(limit=MAX_LIMIT, offset=0))
    allowed = may(actor, v)
    comparison = await compare_scenarios(year, actor, d) if allowed["compare"] and v.solution_id else None
    s_chosen = {c.intent_id: c.month for c in v.s_fixed}
    return {**base, "v": v, "may": allowed, "page": plan_page(year, v.status.value, rows, sol, v.settings, policy),
            "intents": listed.items, "intents_total": listed.total, "s_chosen": s_chosen,
            "months": months_of_year(year), "tiers": TIERS, "comparison": comparison,
            "optional_settings": OPTIONAL_SETTINGS,
            "caps": {m: v.settings.month_caps.get(m) for m in months_of_year(year)}}

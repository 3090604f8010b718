"""The plan page (`GET /plans/{year}.html`): the year's plan as the promotion team reads it.

Months x intents: per month the demand (intents wanting it, first choice or any), the
capacity (A/B caps, S months, the Spring Festival month), what the solution placed there
(moved ones with where they came from), counted days, forecast sales, cost to the
marketing budget and gross profit after promotion; then the moved and cut lists with their
reasons, the budget bar, the money (both values of the plan, money used of the marketing
budget) and the scenarios side by side with the plan (DOMAIN.md "Money": what each
objective buys). `render_plan(...)` is pure (the
calendar page's Jinja2 environment, autoescape on, its CSS plus `static/plan.css`);
`load_plan_page(deps, year)` reads the workflow's view and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from api.calendar_page import HERE, _css, _environment
from domain.months import months_of_year, number_of
from domain.planning.model import Settings
from domain.policy import Policy
from domain.tiers import Tier


@dataclass
class Chip:
    intent_id: str
    name: str
    business_line: str
    tier: str
    decision: str
    reason: str
    moved_from: str | None = None


@dataclass
class MonthRow:
    key: str
    name: str
    demand_first: int
    demand_any: int
    cap_a: int | None
    cap_b: int | None
    s_month: bool
    spring_festival: bool
    counted_days: int = 0
    forecast_sales: float = 0.0
    cost: float = 0.0
    gross_profit: float = 0.0
    placed: list[Chip] = field(default_factory=list)

    @property
    def over(self) -> bool:
        cap = (self.cap_a or 0) + (self.cap_b or 0) + (1 if self.s_month else 0)
        return self.demand_first > cap


@dataclass
class PlanPage:
    title: str
    year: int
    status: str
    intents: int
    solution_status: str | None
    value: float | None
    counted_days: int
    budget: dict[str, Any]
    months: list[MonthRow]
    moved: list[dict[str, Any]]
    cut: list[dict[str, Any]]
    tiers: dict[str, int]
    money: dict[str, Any] = field(default_factory=dict)
    scenarios: list[dict[str, Any]] = field(default_factory=list)


def _money(summary: dict[str, Any] | None, settings: Settings, policy: Policy) -> dict[str, Any]:
    """The plan's money: both values, the objective, money used of the marketing budget."""
    budget = settings.marketing_budget if settings.marketing_budget is not None else policy.marketing_budget
    s = summary or {}
    room = s.get("money_for_planned")
    used = float(s.get("money_used") or 0.0)
    return {"objective": s.get("objective_kind") or settings.objective, "budget": budget,
            "reserve": policy.hot_topic_reserve_money, "used": used,
            "left": None if room is None else max(float(room) - used, 0.0),
            "value_score_days": float(s.get("value_score_days") or s.get("value") or 0.0),
            "value_gross_profit": float(s.get("value_gross_profit") or 0.0)}


def scenario_row(name: str, summary: dict[str, Any], settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """One column of the side-by-side comparison (the plan or a scenario)."""
    st = settings or {}
    return {"name": name, "status": summary.get("status"),
            "objective": summary.get("objective_kind") or st.get("objective") or "score_days",
            "value_score_days": float(summary.get("value_score_days") or summary.get("value") or 0.0),
            "value_gross_profit": float(summary.get("value_gross_profit") or 0.0),
            "money_used": float(summary.get("money_used") or 0.0),
            "money_for_planned": summary.get("money_for_planned"),
            "counted_days": summary.get("counted_days", 0), "tiers": summary.get("tiers") or {},
            "cut": summary.get("cut", 0)}


def _budget(policy: Policy, settings: Settings, used: int) -> dict[str, Any]:
    cap = settings.budget if settings.budget is not None else policy.yearly_budget_days
    reserve = settings.reserve if settings.reserve is not None else policy.hot_topic_reserve_days
    planned = max(cap - reserve, 0)
    scale = max(cap, used, 1)
    return {"cap": cap, "reserve": reserve, "used": used, "left": max(cap - used, 0),
            "left_for_planned": max(planned - used, 0), "over": used > planned,
            "used_pct": 100 * min(used, planned) / scale, "over_pct": 100 * max(used - planned, 0) / scale,
            "reserve_pct": 100 * reserve / scale}


def plan_page(year: int, status: str, intents: list[dict[str, Any]], solution: dict[str, Any] | None,
              settings: Settings, policy: Policy, scenarios: list[dict[str, Any]] | None = None) -> PlanPage:
    decisions = solution["decisions"] if solution else []
    names = {r["intent_id"]: r["intent"]["name"] for r in intents}
    s_months = {d["month"] for d in decisions if d.get("tier") == "S"}
    rows = []
    for key in months_of_year(year):
        n = number_of(key)
        over = settings.month_caps.get(key)
        cap_a = over.A if over and over.A is not None else policy.month_cap(Tier.A, n)
        cap_b = over.B if over and over.B is not None else policy.month_cap(Tier.B, n)
        sf = policy.is_spring_festival_month(key)
        rows.append(MonthRow(
            key=key, name=key, s_month=key in s_months, spring_festival=sf,
            demand_first=sum(1 for r in intents if r["intent"]["months"][0] == key),
            demand_any=sum(1 for r in intents if key in r["intent"]["months"]),
            cap_a=0 if sf else cap_a, cap_b=cap_b))
    by_key = {r.key: r for r in rows}
    moved, cut = [], []
    for d in decisions:
        name = names.get(d["intent_id"], d["request_id"])
        if d.get("tier") is None:
            cut.append({"name": name, "business_line": d["business_line"], "month": d.get("preferred_month"),
                        "reason": d["reason"], "intent_id": d["intent_id"]})
            continue
        row = by_key.get(d["month"])
        if row is None:
            continue
        from_month = d.get("preferred_month") if d.get("preferred_month") != d["month"] else None
        row.placed.append(Chip(intent_id=d["intent_id"], name=name, business_line=d["business_line"], tier=d["tier"],
                               decision=d["decision"], reason=d["reason"], moved_from=from_month))
        row.counted_days += policy.rule(Tier(d["tier"])).counted_days
        row.forecast_sales += float(d.get("forecast_sales") or 0.0)
        if d["tier"] != "C" and d.get("money"):
            row.cost += float(d["money"]["cost"])
            row.gross_profit += float(d["money"]["gross_profit_after"])
        if from_month:
            moved.append({"name": name, "business_line": d["business_line"], "from": from_month, "to": d["month"],
                          "tier": d["tier"], "reason": d["reason"]})
    for row in rows:
        row.placed.sort(key=lambda c: (-Tier(c.tier).rank, c.name))
    summary = solution["summary"] if solution else None
    used = summary["counted_days"] if summary else 0
    return PlanPage(
        title=f"Year plan {year}", year=year, status=status, intents=len(intents),
        solution_status=summary["status"] if summary else None, value=summary["value"] if summary else None,
        counted_days=used, budget=_budget(policy, settings, used), months=rows, moved=moved, cut=cut,
        tiers=summary["tiers"] if summary else {}, money=_money(summary, settings, policy),
        scenarios=([scenario_row("plan", summary, settings.model_dump(mode="json"))] if summary else [])
        + list(scenarios or []))


@lru_cache(maxsize=1)
def _plan_css() -> Markup:
    return Markup(_css() + (HERE / "static" / "plan.css").read_text(encoding="utf-8"))


def render_plan(page: PlanPage) -> str:
    return _environment().get_template("plan_year.html").render(page=page, css=_plan_css())


async def load_plan_page(d: Any, year: int) -> str:
    from services import workflows as wf
    from store import plans, reference
    from workflows.year_plan import YearPlanWorkflow

    v = await wf.plan_view(d, year, live_progress=False)
    sol = await plans.solution(d.pool, v.solution_id) if v.solution_id else None
    policy = await reference.policy_for(d.pool, year)
    intents = await plans.intents(d.pool, year)
    records = await wf.plan(d, year).query(YearPlanWorkflow.scenarios_query)
    scenarios = [scenario_row(r.name, r.summary.model_dump(mode="json"), r.settings.model_dump(mode="json"))
                 for r in records]
    return render_plan(plan_page(year, v.status.value, intents, sol, v.settings, policy, scenarios))

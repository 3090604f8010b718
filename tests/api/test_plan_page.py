"""The plan page: pure rendering of the playbook's example year, and the page in a real
headless Chromium (screenshot in test-artifacts/), as the calendar page is checked."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.plan_page import plan_page, render_plan, scenario_row
from domain.planning import parse_intents, parse_settings, plan, season
from domain.planning.events import SChoice
from domain.planning.model import Settings
from domain.policy import Policy
from tests.api.test_calendar_page import ARTIFACTS, _browse, _chromium, _Server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plan-2027"
EVIL = '<script>alert("pwned")</script> & "Quotes"'


@pytest.fixture(scope="module")
def page_html() -> str:
    raw = json.loads((EXAMPLE / "intents.json").read_text())
    raw[1]["name"] = EVIL
    intents = [i.model_copy(update={"intent_id": season.intent_id_for(i.business_line, i.request_id)})
               for i in parse_intents(raw)]
    by = {i.request_id: i for i in intents}
    s = [SChoice(intent_id=by[x["request_id"]].key, month=x["month"]) for x in json.loads((EXAMPLE / "s.json").read_text())]
    policy = Policy.for_year(2027)
    settings = Settings(budget=120, reserve=12, marketing_budget=3e8)
    sol = season.from_planner(plan(season.plan_input(2027, policy, intents, s_fixed=s, settings=settings)), intents)
    rows = [{"intent_id": i.key, "intent": i.model_dump(mode="json")} for i in intents]
    profit = settings.model_copy(update={"objective": "gross_profit"})
    gp = season.from_planner(plan(season.plan_input(2027, policy, intents, s_fixed=s, settings=profit)), intents)
    return render_plan(plan_page(2027, "solved", rows, sol, settings, policy,
                                 [scenario_row("profit", gp["summary"], profit.model_dump(mode="json"))]))


def _solved(settings: Settings) -> tuple[list, dict]:
    intents = [i.model_copy(update={"intent_id": season.intent_id_for(i.business_line, i.request_id)})
               for i in parse_intents(json.loads((EXAMPLE / "intents.json").read_text()))]
    by = {i.request_id: i for i in intents}
    s = [SChoice(intent_id=by[x["request_id"]].key, month=x["month"]) for x in json.loads((EXAMPLE / "s.json").read_text())]
    inp = season.plan_input(2027, Policy.for_year(2027), intents, s_fixed=s, settings=settings)
    rows = [{"intent_id": i.key, "intent": i.model_dump(mode="json")} for i in intents]
    return rows, season.from_planner(plan(inp), intents)


def test_page_shows_the_money_and_the_scenarios_side_by_side():
    """The example year with its settings (a 300 M marketing budget, score x days) and a
    gross-profit scenario: both values of each, the money used of the budget, and per month
    the cost and gross profit after promotion of what runs there."""
    settings = parse_settings(json.loads((EXAMPLE / "settings.json").read_text()))
    rows, sol = _solved(settings)
    profit = settings.model_copy(update={"objective": "gross_profit", "marketing_budget": None})
    _, gp = _solved(profit)
    html = render_plan(plan_page(2027, "solved", rows, sol, settings, Policy.for_year(2027),
                                 [scenario_row("profit", gp["summary"], profit.model_dump(mode="json"))]))
    s, g = sol["summary"], gp["summary"]
    assert 'data-scenario="plan"' in html and 'data-scenario="profit"' in html
    for summary in (s, g):
        assert f'data-k="value_gross_profit">{summary["value_gross_profit"]:,.0f}<' in html
        assert f'data-k="value_score_days">{summary["value_score_days"]:.3f}<' in html
        assert f'data-k="money_used">{summary["money_used"]:,.0f}<' in html
    assert g["value_gross_profit"] > s["value_gross_profit"] and s["value_score_days"] > g["value_score_days"]
    assert "of 300,000,000" in html and f'data-k="money_left">{300e6 - s["money_used"]:,.0f}<' in html
    assert ">unlimited<" in html  # the profit scenario without a marketing budget
    month_cost = sum(float(x.replace(",", "")) for x in re.findall(r'data-k="cost">([\d,]+)<', html))
    month_gp = sum(float(x.replace(",", "")) for x in re.findall(r'data-k="gross_profit">([\d,]+)<', html))
    assert month_cost == pytest.approx(s["money_used"], abs=12) and month_gp == pytest.approx(s["value_gross_profit"], abs=12)


def test_page_shows_months_demand_moves_cuts_and_budget(page_html):
    assert page_html.count('data-month="2027-') == 12
    assert page_html.count('class="badge b-s">S month') == 3
    assert "Cut (" in page_html and "Moved (" in page_html and 'aria-label="annual budget"' in page_html
    assert "<script>" not in page_html and "&lt;script&gt;" in page_html
    assert "http" not in page_html.replace('lang="en"', "")  # self-contained


def test_plan_page_in_headless_chromium(page_html):
    chromium = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    app = FastAPI()

    @app.get("/plans/2027.html", response_class=HTMLResponse)
    def _page() -> HTMLResponse:
        return HTMLResponse(page_html)

    with _Server(app) as srv, tempfile.TemporaryDirectory(prefix="promoflow-chromium-") as tmp:
        url = f"http://127.0.0.1:{srv.port}/plans/2027.html"
        dom = _browse(chromium, url, Path(tmp) / "p1", "--dump-dom").stdout
        assert dom.count("data-month=") == 12 and "Year plan 2027" in dom
        assert "alert(" not in dom.replace("&lt;script&gt;alert(", "")
        png = ARTIFACTS / "plan-2027.png"
        _browse(chromium, url, Path(tmp) / "p2", f"--screenshot={png}", "--window-size=1600,1400")
        assert png.exists() and png.stat().st_size > 20_000, f"no useful screenshot at {png}"


def test_calendar_page_shows_requests_in_review_as_ghosts():
    from api.calendar_page import render_calendar
    from tests.api.test_calendar_page import sample_calendar

    cal = sample_calendar(2027)
    month = next(m for m in cal["months"] if m["month"] == "2027-04")
    month["pending"] = [{"campaign_id": "campaign-food-r-9", "name": "Spring <tea>", "business_line": "food",
                         "tier": "B", "status": "in_review"}]
    html = render_calendar(cal, Policy.for_year(2027))
    assert 'data-pending="campaign-food-r-9"' in html and "+1 in review" in html and "Spring &lt;tea&gt;" in html
    assert "in review" in html

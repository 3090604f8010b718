"""The plan page: pure rendering of the playbook's example year, and the page in a real
headless Chromium (screenshot in test-artifacts/), as the calendar page is checked."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.plan_page import plan_page, render_plan
from domain import season
from domain.plan_events import SChoice
from domain.planning import parse_intents, plan
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
    settings = Settings(budget=120, reserve=12)
    sol = season.from_planner(plan(season.plan_input(2027, policy, intents, s_fixed=s, settings=settings)), intents)
    rows = [{"intent_id": i.key, "intent": i.model_dump(mode="json")} for i in intents]
    return render_plan(plan_page(2027, "solved", rows, sol, settings, policy))


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

"""`GET /reports/{year}`: campaigns, lines and tiers ranked by gross profit per counted day,
with forecast accuracy and the slump; `text/html` (or `/reports/{year}.html`) gives the page
with its charts drawn server-side as inline SVG (no script, no network), on a worker thread."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from api.auth import READERS, require_role
from api.calendar_page import prefers_html
from api.deps import AppDeps, CurrentActor, Deps
from api.report_charts import bars, roi_bars, waterfall
from api.web.session import DocumentActor  # the page: bearer, or the web app's session
from domain.results.report import build_report
from services.errors import Code, Refused
from store import reference, results

router = APIRouter(prefix="/reports", tags=["reports"])
WATERFALLS = 12  # the page draws the best campaigns' waterfalls; the table lists them all
BY_ROI = 20  # the page lists the best campaigns by ROI (the JSON ranks them all: `roi_rank`)
_ENV = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
                   autoescape=select_autoescape(["html"]))


async def year_report(d: Deps, actor: Any, year: int) -> dict[str, Any]:
    require_role(actor, *READERS)
    if not 2000 <= year <= 2100:
        raise Refused(Code.INVALID, f"year {year} is outside 2000..2100")
    policy = await reference.policy_for(d.pool, year)
    return build_report(policy, year, await results.report_items(d.pool, year))


def _money(v: float | None) -> str:
    return "–" if v is None else f"{(v if abs(v) >= 0.5 else 0.0):,.0f}"  # no "-0" from rounding residue


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.0%}"


def _ratio(a: float, b: float) -> str:
    return "–" if not b else f"{a / b:.2f}"


def render_report(report: dict[str, Any]) -> str:
    lines = report["business_lines"]
    line_chart = bars([row["business_line"] for row in lines],
                      [row["gross_profit_per_counted_day"] or 0.0 for row in lines],
                      "gross profit per counted day, by line", "yuan per counted day") if lines else ""
    falls = [waterfall(c["forecast_sales"], c["contributions"], c["sales"], f"#{c['rank']} {c['name']}")
             for c in report["campaigns"][:WATERFALLS]]
    a_claim = next((t for t in report["tiers"] if t["tier"] == "A"), None)
    return _ENV.get_template("report.html").render(
        year=report["year"], campaigns=report["campaigns"], lines=lines, tiers=report["tiers"], a_claim=a_claim,
        line_chart=Markup(line_chart), waterfalls=[Markup(f) for f in falls],  # noqa: S704 - our own SVG
        money=_money, num=_num, pct=_pct, ratio=_ratio, **_money_parts(report))


def _money_parts(report: dict[str, Any]) -> dict[str, Any]:
    """The page's money section (templates/report_money.html): ROI by mechanic and depth band
    as tables and charts, and the best campaigns by ROI."""
    stated = any(c.get("mechanic_types") for c in report["campaigns"])  # else no mechanic or band to compare
    charts = {name: Markup(roi_bars(report[key], title)) if stated else ""  # noqa: S704 - our own SVG
              for name, key, title in (("mechanic_chart", "by_mechanic", "median ROI by mechanic"),
                                       ("depth_chart", "by_depth_band", "median ROI by depth band"))}
    by_roi = sorted((c for c in report["campaigns"] if c.get("roi") is not None), key=lambda c: c["roi_rank"])
    return {"mechanics_stated": stated, "by_mechanic": report["by_mechanic"], "by_depth_band": report["by_depth_band"],
            "by_roi": by_roi[:BY_ROI], **charts}


async def render_off_loop(report: dict[str, Any]) -> str:
    """The page on a worker thread: its charts take about a second of CPU, which on the event
    loop would hold every other request (api/report_charts.py keeps the drawing thread-safe)."""
    return await asyncio.to_thread(render_report, report)


@router.get("/{year}.html", response_class=HTMLResponse)
async def report_page(year: int, actor: DocumentActor, d: AppDeps) -> HTMLResponse:
    return HTMLResponse(await render_off_loop(await year_report(d, actor, year)))


@router.get("/{year}", response_model=None, responses={200: {"content": {"text/html": {}}}})
async def report(year: int, request: Request, actor: CurrentActor, d: AppDeps) -> Response | dict[str, Any]:
    data = await year_report(d, actor, year)
    if prefers_html(request.headers.get("accept")):
        return HTMLResponse(await render_off_loop(data))
    return data

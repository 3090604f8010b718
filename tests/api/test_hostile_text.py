"""People's free text reaching the report and the exports: a name matplotlib would read as
mathtext (`$x^$`, `\\`, `_`) is drawn as it is and the page is 200 for everyone; the report
is drawn off the event loop (the API answers while it draws); a name a spreadsheet would run
as a formula is a text cell in /campaigns.csv."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import date

import api.routes.reports as report_routes
from api.exports import campaigns_csv
from tests.api.test_results_api import history_item

MATH = r"$x^$ \ snack_box"
FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)"]


async def _import(ops, items) -> None:
    r = await ops.post("/history", json={"campaigns": items})
    assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"created"}, r.text


async def test_a_mathtext_name_is_shown_as_text_and_the_page_is_200(api):
    async with api.as_("yan.ops") as ops, api.as_("jun.approver") as approver:
        await _import(ops, [{**history_item("math-1", "2026-09", date(2026, 9, 7), 400_000.0), "name": MATH}])
        for path, accept in (("/reports/2026.html", "*/*"), ("/reports/2026", "text/html")):
            page = await approver.get(path, headers={"Accept": accept})
            assert page.status_code == 200, page.text[-2000:]
            assert MATH in page.text and page.text.count("<svg") >= 2
            assert f"#1 {MATH}" in page.text  # the chart's title too, as text


async def test_the_report_draws_off_the_event_loop(api, monkeypatch):
    drawing: dict[str, float] = {}
    real = report_routes.render_report

    def timed(report):
        drawing["start"] = time.monotonic()
        try:
            return real(report)
        finally:
            drawing["end"] = time.monotonic()

    monkeypatch.setattr(report_routes, "render_report", timed)
    async with api.as_("yan.ops") as ops, api.as_("jun.approver") as approver:
        await _import(ops, [history_item(f"loop-{i}", "2026-09", date(2026, 9, 7), 100_000.0 + i) for i in range(12)])
        report = asyncio.create_task(approver.get("/reports/2026.html"))
        answered_while_drawing = 0
        deadline = time.monotonic() + 60
        while not report.done():
            assert time.monotonic() < deadline, "the report did not finish within 60 s"
            r = await ops.get("/healthz")
            at = time.monotonic()
            assert r.status_code in (200, 503)
            if "start" in drawing and "end" not in drawing and at > drawing["start"]:
                answered_while_drawing += 1
        assert (await report).status_code == 200
        assert drawing["end"] - drawing["start"] > 0.1  # 12 waterfalls and a bar chart: a real drawing
        # on the event loop nothing is answered until the drawing ends; on a thread, /healthz keeps answering
        assert answered_while_drawing >= 1, drawing


def test_csv_cells_a_spreadsheet_would_run_are_text():
    rows = [{"campaign_id": f"campaign-food-f{i}", "request_id": f"f{i}", "name": n, "business_line": "food"}
            for i, n in enumerate([*FORMULAS, "\tTAB", "\rCR", "plain - name", "a=b"])]
    got = list(csv.DictReader(io.StringIO(campaigns_csv(rows))))
    assert [r["name"] for r in got] == ["'" + n for n in FORMULAS] + ["'\tTAB", "'\rCR", "plain - name", "a=b"]


async def test_campaigns_csv_of_formula_names_over_http(api):
    async with api.as_("yan.ops") as ops:
        await _import(ops, [{**history_item(f"csv-{i}", "2026-09", date(2026, 9, 7), 1_000.0), "name": n}
                            for i, n in enumerate(FORMULAS)])
        r = await ops.get("/campaigns.csv")
        assert r.status_code == 200
        names = sorted(row["name"] for row in csv.DictReader(io.StringIO(r.text)))
        assert names == sorted("'" + n for n in FORMULAS)

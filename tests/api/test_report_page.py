"""The report page in headless Chromium: rendered server-side (matplotlib SVG inline, no
script), opened from a file so no network is involved; DOM checked, screenshot kept in
test-artifacts/ like the calendar page's."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from api.routes.reports import render_report
from domain.campaign import Forecast, Phase, PhaseName
from domain.policy import Policy
from domain.results.actuals import ActualRow
from domain.results.outcome import compute_outcome
from domain.results.report import ReportItem, build_report
from domain.tiers import Tier
from tests.api.test_calendar_page import _browse, _chromium
from tests.conftest import ARTIFACTS

POLICY = Policy.for_year(2026)


def _items() -> list[ReportItem]:
    items = []
    for i, (line, tier, gmv) in enumerate([("food", Tier.A, 400_000.0), ("beauty", Tier.A, 900_000.0),
                                           ("apparel", Tier.B, 150_000.0), ("home_appliances", Tier.S, 2e6)]):
        start = date(2026, 3 + i, 3)
        phases = [Phase(phase=PhaseName.WARMUP, start=start, end=start + timedelta(days=4)),
                  Phase(phase=PhaseName.BURST, start=start + timedelta(days=4), end=start + timedelta(days=7))]
        rows = [ActualRow(date=start + timedelta(days=d - 7), traffic=100_000, orders=3_000,
                          gmv=gmv * (1.5 if 0 <= d < 7 else 1.0), gross_profit=gmv * 0.2) for d in range(21)]
        o = compute_outcome(POLICY, Forecast(traffic=700_000, avg_order_value=140.0, conversion_rate=0.03),
                            phases, POLICY.rule(tier).counted_days, rows)
        items.append(ReportItem(campaign_id=f"campaign-{line}-r{i}", name=f"{line} <spring> sale", business_line=line,
                                tier=tier, month=f"2026-{3 + i:02d}", days=7, outcome=o))
    return items


def test_report_page_in_headless_chromium():
    chromium = _chromium()
    html = render_report(build_report(POLICY, 2026, _items()))
    assert "<script" not in html and html.count("<svg") == 5 and "&lt;spring&gt;" in html
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="promoflow-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        dom = _browse(chromium, page.as_uri(), Path(tmp) / "p1", "--dump-dom").stdout
        assert "Results 2026" in dom and dom.count("<svg") == 5 and "campaign-beauty-r1" in dom
        # per counted day a B (1 day) outranks the S (21 days) with ten times its GMV
        assert dom.index("campaign-apparel-r2") < dom.index("campaign-home_appliances-r3")
        png = ARTIFACTS / "report-2026.png"
        _browse(chromium, page.as_uri(), Path(tmp) / "p2", f"--screenshot={png}", "--window-size=1400,1800")
        assert png.exists() and png.stat().st_size > 20_000, f"no useful screenshot at {png}"

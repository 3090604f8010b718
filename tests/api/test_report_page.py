"""The report page in headless Chromium: rendered server-side (matplotlib SVG inline, no
script), opened from a file so no network is involved; DOM checked, screenshot kept in
test-artifacts/ like the calendar page's."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from api.routes.reports import render_report
from domain.campaign import Forecast, Phase, PhaseName
from domain.money import Mechanic, MechanicType, money_of
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


def _money_items() -> list[ReportItem]:
    """The campaigns of `_items` with mechanics and a daily promotion cost in their rows."""
    kinds = [[Mechanic(type=MechanicType.SPEND_SAVE, depth=0.12, platform_share=0.5)],
             [Mechanic(type=MechanicType.DISCOUNT, depth=0.03, platform_share=1.0)],
             [Mechanic(type=MechanicType.DISCOUNT, depth=0.15, platform_share=0.5),
              Mechanic(type=MechanicType.GIFT, depth=0.1, platform_share=0.2)],
             []]
    out = []
    for item, mechanics in zip(_items(), kinds, strict=True):
        phases = [Phase(phase=PhaseName.BURST, start=date(2026, 3, 3), end=date(2026, 3, 10))]
        rows = [ActualRow(date=date(2026, 3, 3) + timedelta(days=d), traffic=100_000, orders=3_000, gmv=400_000.0,
                          gross_profit=80_000.0, promotion_cost=10_000.0 * (1 + len(mechanics)), paid_traffic=1000.0)
                for d in range(7)]
        forecast = Forecast(traffic=700_000, avg_order_value=140.0, conversion_rate=0.03)
        o = compute_outcome(POLICY, forecast, phases, 7, rows, money_of(forecast.sales, 0.3, mechanics), mechanics)
        out.append(item.model_copy(update={"outcome": o}))
    return out


def test_report_page_shows_roi_by_mechanic_and_depth_band_as_tables_and_charts():
    chromium = _chromium()
    report = build_report(POLICY, 2026, _money_items())
    html = render_report(report)
    assert "<script" not in html and html.count("<svg") == 7  # the five of the page, and the two of ROI
    with tempfile.TemporaryDirectory(prefix="promoflow-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        dom = _browse(chromium, page.as_uri(), Path(tmp) / "p1", "--dump-dom").stdout
        mechanic = dom[dom.index('id="roi-by-mechanic"'):]
        mechanic = mechanic[:mechanic.index("</table>")]
        # discount: two campaigns, ROIs (560,000 - 7,000) / 140,000 and / 210,000, median 3.29
        assert "<td class=\"name\">discount</td><td>2</td><td>3.29</td>" in mechanic, mechanic
        assert "spend_save" in mechanic and "gift" in mechanic and ">none<" in mechanic
        bands = dom[dom.index('id="roi-by-depth-band"'):]
        assert "≥ 20 %" in bands[:bands.index("</table>")] and "5–10 %" in bands
        chart = dom[dom.index("<h3>By mechanic</h3>"):dom.index('id="roi-by-mechanic"')]
        assert chart.count("<svg") == 1 and "median ROI by mechanic" in chart
        assert "spend_save" in chart and "2 campaigns · sales ÷ forecast" in chart  # words as text in the SVG
        ranked = dom[dom.index('id="roi-campaigns"'):]
        # by ROI: no mechanics (cost 70,000) first, the deepest (cost 210,000) last
        assert ranked.index("campaign-home_appliances-r3") < ranked.index("campaign-beauty-r1") \
            < ranked.index("campaign-apparel-r2")
        png = ARTIFACTS / "report-2026-roi.png"
        _browse(chromium, page.as_uri() + "#roi", Path(tmp) / "p2", f"--screenshot={png}", "--window-size=1400,2400")
        assert png.exists() and png.stat().st_size > 20_000, f"no useful screenshot at {png}"

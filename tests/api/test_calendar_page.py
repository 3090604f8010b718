"""The calendar page: pure rendering, the HTML routes, and the page in a real Chromium.

The browser test needs Debian's Chromium (`make chromium`); without it the test fails
with the command to run, unless PROMOFLOW_SKIP_BROWSER=1 says to skip it.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from api import errors
from api.calendar_page import PreparationData, prefers_html, render_calendar
from api.models import CalendarYear, PendingMilestone
from api.routes import calendar as calendar_routes
from domain.approvals.preparation import week_loads, weeks_of_year
from domain.campaign import Phase
from domain.policy import Policy
from domain.tiers import Tier
from services.errors import Code

YEAR = 2027
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EVIL = '<script>alert("pwned")</script> & "Quotes" \'n <b>bold</b>'
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def _phases(*spec: tuple[str, str, int]) -> list[dict[str, str]]:
    """(phase, first day, number of days) -> half-open ISO ranges, as the read model stores them."""
    out = []
    for name, start, days in spec:
        s = date.fromisoformat(start)
        out.append({"phase": name, "start": s.isoformat(), "end": (s + timedelta(days=days)).isoformat()})
    return out


def _campaign(cid: str, name: str, tier: str, month: str, phases: list[dict[str, str]], *, counted: int,
              line: str = "food", category: str | None = None, status: str = "scheduled",
              hot: bool = False) -> dict[str, Any]:
    return {"campaign_id": cid, "month": month, "tier": tier, "category": category or line,
            "counted_days": counted, "hot_topic": hot, "phases": phases, "name": name,
            "business_line": line, "status": status}


def sample_calendar(year: int = YEAR) -> dict[str, Any]:
    """A year as GET /calendar/{year} returns it: two S, A and B campaigns, spill-overs, a
    hot topic, a cancelled campaign, a C campaign and a name full of markup."""
    y = str(year)
    cams = [
        _campaign("food-spring-b", "New Year goods festival", "B", f"{y}-01",
                  _phases(("warmup", f"{y}-01-15", 3), ("burst", f"{y}-01-18", 1)), counted=1, line="fmcg"),
        _campaign("beauty-wd-b", "Women's Day beauty week", "B", f"{y}-03",
                  _phases(("warmup", f"{y}-02-27", 3), ("burst", f"{y}-03-02", 1)), counted=1, line="beauty"),
        _campaign("apparel-spring-a", "Spring wardrobe refresh", "A", f"{y}-03",
                  _phases(("warmup", f"{y}-03-12", 4), ("burst", f"{y}-03-16", 3)), counted=7, line="apparel"),
        _campaign("mb-mothers-a", "Mother's Day gifts", "A", f"{y}-05",
                  _phases(("warmup", f"{y}-05-04", 4), ("burst", f"{y}-05-08", 3)), counted=7,
                  line="mother_baby", status="cancelled"),
        _campaign("food-517-b", "517 foodie day", "B", f"{y}-05",
                  _phases(("warmup", f"{y}-05-14", 3), ("burst", f"{y}-05-17", 1)), counted=1),
        _campaign("all-618-s", "618 Mid-Year Shopping Festival", "S", f"{y}-06",
                  _phases(("warmup", f"{y}-05-30", 16), ("burst", f"{y}-06-15", 5), ("encore", f"{y}-06-20", 3)),
                  counted=21, line="platform", category="all", status="warmup"),
        _campaign("ha-heatwave-b", "Heat wave: fans & air conditioners", "B", f"{y}-07",
                  _phases(("warmup", f"{y}-07-10", 3), ("burst", f"{y}-07-13", 1)), counted=1,
                  line="home_appliances", hot=True, status="in_review"),
        _campaign("ha-818-a", "818 home appliance festival", "A", f"{y}-08",
                  _phases(("warmup", f"{y}-08-13", 4), ("burst", f"{y}-08-17", 3)), counted=7,
                  line="home_appliances", status="completed"),
        _campaign("food-midautumn-a", "Mid-Autumn mooncake festival", "A", f"{y}-09",
                  _phases(("warmup", f"{y}-09-10", 4), ("burst", f"{y}-09-14", 3)), counted=7),
        _campaign("apparel-autumn-b", "Autumn season change", "B", f"{y}-09",
                  _phases(("warmup", f"{y}-09-18", 3), ("burst", f"{y}-09-21", 1)), counted=1, line="apparel"),
        _campaign("stationery-bts-b", "Back to school", "B", f"{y}-09",
                  _phases(("warmup", f"{y}-08-28", 3), ("burst", f"{y}-08-31", 1)), counted=1, line="stationery"),
        _campaign("evil-b", EVIL, "B", f"{y}-10",
                  _phases(("warmup", f"{y}-10-16", 3), ("burst", f"{y}-10-19", 1)), counted=1, line="beauty"),
        _campaign("all-d11-s", "Double 11 Global Shopping Festival", "S", f"{y}-11",
                  _phases(("warmup", f"{y}-10-23", 16), ("burst", f"{y}-11-08", 5), ("encore", f"{y}-11-13", 3)),
                  counted=21, line="platform", category="all"),
        _campaign("cb-bf-c", "Cross-border Black Friday picks", "C", f"{y}-11",
                  _phases(("burst", f"{y}-11-26", 3)), counted=0, line="cross_border"),
        _campaign("food-d12-a", "Double 12 & New Year countdown", "A", f"{y}-12",
                  _phases(("warmup", f"{y}-12-08", 4), ("burst", f"{y}-12-12", 3)), counted=7),
        _campaign("fresh-xmas-b", "Christmas fresh & treats", "B", f"{y}-12",
                  _phases(("warmup", f"{y}-12-27", 3), ("burst", f"{y}-12-30", 1)), counted=1, line="fresh"),
    ]
    months = []
    for m in range(1, 13):
        key = f"{y}-{m:02d}"
        entries = [c for c in cams if c["month"] == key]
        months.append({"month": key, "counted_days": sum(c["counted_days"] for c in entries),
                       "s_month": any(c["tier"] == "S" for c in entries), "campaigns": entries})
    used = sum(c["counted_days"] for c in cams if c["status"] != "cancelled")
    cap, reserve = 150, 12
    return {"year": year, "months": months,
            "budget": {"year": year, "cap": cap, "used": used, "reserve": reserve, "left": cap - used,
                       "left_for_planned": cap - reserve - used}}


TODAY = date(YEAR, 5, 12)


def _milestone(cid: str, campaign: str, key: str, name: str, team: str, due: str, status: str = "open",
               line: str = "food") -> PendingMilestone:
    return PendingMilestone(campaign_id=cid, campaign_name=campaign, business_line=line, key=key, name=name,
                            team=team, due=date.fromisoformat(due), status=status)


def sample_preparation(year: int = YEAR) -> PreparationData:
    """What the year page's loader reads: the teams' load of the sample calendar's places
    (the domain function `GET /teams/load` uses) and pending milestones around TODAY (one
    overdue, two within the lookahead, one after it)."""
    policy = Policy.for_year(year)
    holders = [(c["campaign_id"], Tier(c["tier"]), [Phase.model_validate(p) for p in c["phases"]])
               for m in sample_calendar(year)["months"] for c in m["campaigns"]
               if c["tier"] != "C" and c["status"] != "cancelled"]
    y = str(year)
    due = (
        _milestone("food-517-b", "517 foodie day", "creative", "creative due", "design", f"{y}-05-10", "overdue"),
        _milestone("food-517-b", "517 foodie day", "setup", "site set up", "operations", f"{y}-05-16"),
        _milestone("evil-b", EVIL, "creative", "creative due", "design", f"{y}-05-20", line="beauty"),
        _milestone("all-618-s", "618 Mid-Year Shopping Festival", "setup", "site set up", "operations",
                   f"{y}-06-12", line="platform"),
    )
    return PreparationData(date(year, 5, 12), tuple(week_loads(policy, holders, weeks_of_year(year))), due)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.for_year(YEAR)


# ---------------------------------------------------------------------- pure rendering
def test_year_page_has_twelve_months_budget_and_every_campaign(policy):
    data = sample_calendar()
    page = render_calendar(data, policy)

    assert page.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<section class="mrow[^"]*" id="m-2027-\d\d"', page)) == 12
    for m in range(1, 13):
        assert f'id="m-2027-{m:02d}"' in page
    b = data["budget"]
    for key in ("used", "left", "reserve", "left_for_planned"):
        assert f'<b data-k="{key}">{b[key]}</b>' in page
    assert f"used of {b['cap']} counted days" in page
    for month in data["months"]:
        for c in month["campaigns"]:
            assert html.escape(c["name"], quote=True) in page
            assert f'data-campaign="{c["campaign_id"]}"' in page
    # tier legend and phase shades
    for t in "SABC":
        assert f'class="key t-{t}"' in page
    for p in ("warm-up", "burst", "encore"):
        assert p in page


def test_year_page_has_a_load_strip_per_team_and_the_milestones_due_soon(policy):
    page = render_calendar(sample_calendar(), policy, preparation=sample_preparation())
    strip = re.search(r'<section class="teams".*?</section>', page, re.S).group(0)
    assert page.index('<main class="year">') < page.index('<section class="teams"')  # under the year grid
    rows = re.findall(r'<div class="trow" data-team="(\w+)">(.*?)</div>\n', strip, re.S)
    assert [team for team, _ in rows] == [t.key for t in policy.teams]
    for _, row in rows:
        assert len(re.findall(r'<div class="lc ', row)) == 52  # every ISO week of 2027
    # the 618 S (burst 15-19 June, ISO week 24): customer service 40 of 60, tooltip naming it
    cs = dict(rows)["customer_service"]
    cell = re.search(r'<div class="lc (ld-\d)[^"]*" style="grid-column:25" data-week="2027-W24" title="([^"]*)">40<',
                     cs)
    assert cell, cs[:400]
    assert cell.group(1) == "ld-3"  # 40 / 60: the third of four shades
    assert cell.group(2) == ("customer service · 2027-W24 (14–20 Jun)\ndemand 40 of capacity 60 people-days (66%)"
                             "\ncampaigns: 618 Mid-Year Shopping Festival")
    assert 'data-week="2027-W01" title="design · 2027-W01' in strip  # an idle week is drawn too, ld-0
    # the milestones section: overdue first and marked, then the open ones up to TODAY + 14 days
    due = re.search(r'<section class="due" id="milestones".*?</section>', page, re.S).group(0)
    assert "Milestones due by 2027-05-26" in due and "as of 2027-05-12" in due and "1 overdue" in due
    listed = re.findall(r'<tr class="(ms[^"]*)" data-milestone="([^"]+)">', due)
    assert listed == [("ms overdue", "food-517-b/creative"), ("ms", "food-517-b/setup"), ("ms", "evil-b/creative")]
    row = re.search(r'data-milestone="food-517-b/creative">(.*?)</tr>', due, re.S).group(1)
    for text in ("2027-05-10", "2 days late", '<span class="ms-st ms-overdue">overdue</span>', "517 foodie day",
                 "creative due", "<td>design</td>"):
        assert text in row, text
    assert "in 4 days" in due and "all-618-s" not in due  # 12 June is past the lookahead
    assert "<script" not in page.lower() and html.escape(EVIL, quote=True) in due
    # without preparation data (the month page, older callers) nothing of it is drawn
    assert 'class="teams"' not in render_calendar(sample_calendar(), policy)


def test_s_months_are_marked(policy):
    page = render_calendar(sample_calendar(), policy)
    s_rows = re.findall(r'<section class="mrow s-month" id="m-(\d{4}-\d\d)"', page)
    assert s_rows == ["2027-06", "2027-11"]
    assert page.count(">S month</span>") >= 2 * 2  # in the grid and in the month cards


def test_user_strings_are_escaped(policy):
    page = render_calendar(sample_calendar(), policy)
    assert "<script" not in page.lower()
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &quot;Quotes&quot; &#x27;n" in page
    # tooltips are attributes: a quote in a name must not end them early
    for title in re.findall(r'title="([^"]*)"', page):
        assert "<" not in title and ">" not in title


def test_page_is_self_contained(policy):
    page = render_calendar(sample_calendar(), policy)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|https?://|src=", page, re.I)


def test_weekends_holidays_and_phase_segments(policy):
    page = render_calendar(sample_calendar(), policy)
    # 2027-10-01 is National Day (a Friday), 2027-10-02 a Saturday: holiday shade and weekend shade
    assert re.search(r'class="day d-hol[^"]*"[^>]*title="Fri 2027-10-01 · National Day', page)
    assert 'title="Sat 2027-01-02' in page and re.search(r'class="day d-we[^"]*"[^>]*title="Sat 2027-01-02', page)
    assert re.search(r'class="day d-void"', page)  # Feb 29-31
    # the 618 campaign: warm-up starts in May (continues into June), burst and encore in June
    june = re.search(r'<section class="mrow s-month" id="m-2027-06".*?</section>', page, re.S).group(0)
    bar = re.search(r'<div class="bar t-S cl"[^>]*data-campaign="all-618-s">(.*?)</div>', june, re.S).group(1)
    assert re.findall(r'class="seg (\w+)" style="flex:(\d+)"', bar) == [("warmup", "14"), ("burst", "5"), ("encore", "3")]
    may = re.search(r'id="m-2027-05".*?</section>', page, re.S).group(0)
    assert re.search(r'class="bar t-S cr away"[^>]*data-campaign="all-618-s"', may)
    # the tooltip names id, tier, status and dates (end shown inclusive)
    assert "id all-618-s\ntier S · warmup · platform / all" in page
    assert "burst: 2027-06-15 → 2027-06-19" in page


def test_cancelled_campaigns_are_struck_through(policy):
    page = render_calendar(sample_calendar(), policy)
    assert re.search(r'class="bar t-A inactive"[^>]*data-campaign="mb-mothers-a"', page)


def test_month_view_is_a_weekday_calendar(policy):
    page = render_calendar(sample_calendar(), policy, month="2027-09")
    assert "<h1>September 2027" in page
    assert [h for h in re.findall(r"<th>(\w+)</th>", page)[:7]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    weeks = re.findall(r"<tr><td", page)
    assert 4 <= len(weeks) <= 6
    # 2027-09-01 is a Wednesday: the grid starts on Monday 30 August (shown as outside the month)
    first_cells = re.findall(r'<td class="([^"]*)" title="(\w{3}) (\d{4}-\d\d-\d\d)', page)[:3]
    assert [(c[1], c[2]) for c in first_cells] == [("Mon", "2027-08-30"), ("Tue", "2027-08-31"), ("Wed", "2027-09-01")]
    assert "d-out" in first_cells[0][0] and "d-out" not in first_cells[2][0]
    # one chip per campaign day, with the phase of that day
    chips = re.findall(r'<li class="chip t-A (\w+)"[^>]*data-campaign="food-midautumn-a"', page)
    assert chips == ["warmup"] * 4 + ["burst"] * 3
    assert "Mid-Autumn Festival" in page  # the holiday's name on 2027-09-15
    assert "Booked in September" in page and "stationery-bts-b" in page
    assert '<a href="../2027.html">Year 2027</a>' in page
    with pytest.raises(ValueError):
        render_calendar(sample_calendar(), policy, month="2026-09")


def test_empty_year_renders(policy):
    data = {"year": YEAR, "budget": {"year": YEAR, "cap": 150, "used": 0, "reserve": 12, "left": 150,
                                     "left_for_planned": 138},
            "months": [{"month": f"{YEAR}-{m:02d}", "counted_days": 0, "s_month": False, "campaigns": []}
                       for m in range(1, 13)]}
    page = render_calendar(data, policy)
    assert page.count("No campaigns") == 12
    assert "No campaigns booked" in render_calendar(data, policy, month=f"{YEAR}-02")


@pytest.mark.parametrize(("accept", "html_wanted"), [
    (BROWSER_ACCEPT, True), ("text/html", True), ("*/*", False), (None, False), ("", False),
    ("application/json", False), ("application/json, text/html;q=0.5", False),
    ("text/html;q=0.9, application/json;q=0.8", True), ("text/*", True), ("text/html;q=0", False),
])
def test_prefers_html(accept, html_wanted):
    assert prefers_html(accept) is html_wanted


# ---------------------------------------------------------------------- routes
def _app(policy: Policy, calls: list[int] | None = None) -> FastAPI:
    """A bare app with the calendar routes of api/app.py, and a loader standing in for the
    real one (it does the authorization there)."""
    app = FastAPI()
    errors.install(app)
    app.include_router(calendar_routes.router)

    async def load(year: int, request: Request) -> calendar_routes.CalendarData:
        if request.headers.get("authorization") == "Bearer nobody":
            raise errors.ApiError(Code.UNAUTHENTICATED, "unknown token")
        if calls is not None:
            calls.append(year)
        return calendar_routes.CalendarData(CalendarYear.model_validate(sample_calendar(year)), Policy.for_year(year))

    async def preparation() -> calendar_routes.PreparationLoader:
        async def read() -> PreparationData:
            return sample_preparation()
        return read

    app.dependency_overrides[calendar_routes.load_calendar] = load
    app.dependency_overrides[calendar_routes.preparation_source] = preparation
    return app


def test_routes_serve_html_and_negotiate(policy):
    with TestClient(_app(policy)) as client:
        r = client.get("/calendar/2027")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.json()["year"] == 2027 and "Accept" in r.headers["vary"]

        r = client.get("/calendar/2027", headers={"Accept": BROWSER_ACCEPT})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "Accept" in r.headers["vary"] and 'id="m-2027-12"' in r.text

        r = client.get("/calendar/2027.html")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "<h1>Promotion calendar 2027</h1>" in r.text

        r = client.get("/calendar/2027/9.html")
        assert r.status_code == 200 and "<h1>September 2027" in r.text
        assert client.get("/calendar/2027/09.html").text == r.text

        for bad in ("/calendar/2027/13.html", "/calendar/2027/0.html", "/calendar/abc.html"):
            r = client.get(bad)
            assert r.status_code == 422, bad
            assert r.json()["error"]["code"] == "invalid_request"

        r = client.get("/calendar/2027.html", headers={"Authorization": "Bearer nobody"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
        r = client.get("/calendar/2027", headers={"Authorization": "Bearer nobody", "Accept": BROWSER_ACCEPT})
        assert r.status_code == 401


def test_html_routes_are_documented(policy):
    paths = _app(policy).openapi()["paths"]
    assert "text/html" in paths["/calendar/{year}.html"]["get"]["responses"]["200"]["content"]
    assert "/calendar/{year}/{month}.html" in paths


def test_the_real_app_installs_the_calendar_page():
    from api.app import create_app

    app = create_app()
    paths = [c.path for c in iter_route_contexts(app.router.routes)]
    assert "/calendar/{year}.html" in paths and "/calendar/{year}/{month}.html" in paths
    assert paths.index("/calendar/{year}.html") < paths.index("/calendar/{year}")


# ---------------------------------------------------------------------- a real browser
def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.environ.get("PROMOFLOW_SKIP_BROWSER") == "1":
        pytest.skip("PROMOFLOW_SKIP_BROWSER=1 and chromium is not installed")
    pytest.fail("chromium not found: run `make chromium` (apt-get install chromium)", pytrace=False)


def _browse(chromium: str, url: str, profile: Path, *extra: str, timeout: float = 90) -> subprocess.CompletedProcess:
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *extra, url]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"chromium did not finish within {timeout}s: {' '.join(cmd)}")
        raise err
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return proc


class _Server:
    """The bare app on 127.0.0.1 (an ephemeral port) in a thread, for the browser."""

    def __init__(self, app: FastAPI):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise AssertionError("the test HTTP server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def test_calendar_in_headless_chromium(policy):
    chromium = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    calls: list[int] = []
    data = sample_calendar()
    names = [c["name"] for m in data["months"] for c in m["campaigns"]]
    with _Server(_app(policy, calls)) as srv, tempfile.TemporaryDirectory(prefix="promoflow-chromium-") as tmp:
        base = f"http://127.0.0.1:{srv.port}"
        # 1. the year, negotiated from the browser's own Accept header on /calendar/{year}
        dom = _browse(chromium, f"{base}/calendar/{YEAR}", Path(tmp) / "p1", "--dump-dom").stdout
        assert '<section class="mrow' in dom, f"the browser did not get the HTML page: {dom[:500]}"
        for name in names:
            assert html.escape(name, quote=False) in dom, f"{name!r} is not in the rendered DOM"
        assert "<script" not in dom.lower()
        assert dom.count('class="mrow') == 12
        assert dom.count('<div class="trow" data-team=') == 4 and 'id="milestones"' in dom  # the teams' strip

        # 2. screenshots: the year and one month
        year_png = ARTIFACTS / f"calendar-{YEAR}.png"
        month_png = ARTIFACTS / f"calendar-{YEAR}-09.png"
        for png in (year_png, month_png):
            png.unlink(missing_ok=True)
        _browse(chromium, f"{base}/calendar/{YEAR}.html", Path(tmp) / "p2",
                f"--screenshot={year_png}", "--window-size=1600,1000")
        _browse(chromium, f"{base}/calendar/{YEAR}/9.html", Path(tmp) / "p3",
                f"--screenshot={month_png}", "--window-size=1600,1000")
        for png in (year_png, month_png):
            assert png.exists() and png.stat().st_size > 20_000, f"no useful screenshot at {png}"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        month_dom = _browse(chromium, f"{base}/calendar/{YEAR}/9.html", Path(tmp) / "p4", "--dump-dom").stdout
        assert "Mid-Autumn mooncake festival" in month_dom and "September 2027" in month_dom
    assert calls and set(calls) == {YEAR}

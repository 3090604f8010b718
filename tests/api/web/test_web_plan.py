"""The planning season in the browser (`/app/plans/{year}`): ops open the season from the
page, a line submits an intent by the form (a bad field shows its error and keeps the input)
and a file (the CLI's reader), the page offers each role only its own actions (the server
refuses a forged form with a 403 page and records nothing), ops set settings, solve, and the
leader publishes with the progress shown until published; every action reachable by
keyboard, axe-core on the page, the page with JavaScript off.

The season is `plan-2031` (tests/api/conftest.py: each test file opens its own years on the
shared dev server, and a year opens once); the tests of this file run in order on it:
intake, then the solve, then the publish.
"""

from __future__ import annotations

import json
import uuid
from contextlib import aclosing

import pytest_asyncio

from tests.api.conftest import body
from tests.api.web.conftest import Web, axe_violations, http_sign_in, shot, signed_in

YEAR = 2031
RUN = uuid.uuid4().hex[:6]


def intent(rid: str, line: str, months: list[str], tier: str = "B", **extra) -> dict:
    return {**body(rid, line=line, tier=tier, month=months[0], name=f"{line} {rid}", **extra), "months": months}


async def plan(web: Web) -> dict:
    async with web.bearer("yan.ops") as http:
        return (await http.get(f"/plans/{YEAR}")).json()


async def plan_events(web: Web) -> list[dict]:
    async with web.pool.acquire() as conn:  # type: ignore[attr-defined]
        rows = await conn.fetch("SELECT type, actor FROM events WHERE campaign_id = $1 ORDER BY seq",
                                f"plan-{YEAR}")
    return [dict(r) for r in rows]


async def actions_on_page(page) -> set[str]:
    return {t.strip() for t in await page.locator("main button").all_inner_texts()}


@pytest_asyncio.fixture(scope="module")
async def season(web: Web, browser):
    """Ops open plan-2031 from the page (no season yet: the page says so and offers `Open
    season`); two lines' intents arrive through the JSON API."""
    context, page = await signed_in(browser, web, "yan.ops")
    try:
        await page.goto(f"/app/plans/{YEAR}")
        assert "No planning season is open for 2031" in await page.inner_text("#no-season")
        await shot(page, "plan-no-season")
        await page.get_by_label("Intake closes (optional)").fill(f"{YEAR}-01-20")
        await page.get_by_role("button", name="Open season").click()
        await page.wait_for_selector('#season [data-k="status"]')
        assert await page.inner_text('#season [data-k="status"]') == "intake"
    finally:
        await context.close()
    opened = await plan(web)
    assert opened["status"] == "intake" and opened["intake_closes"] == f"{YEAR}-01-20"
    assert [e["actor"] for e in await plan_events(web) if e["type"] == "PlanOpened"] == ["yan.ops"]
    for who, line in (("lin.food", "food"), ("mei.apparel", "apparel")):
        items = [intent(f"{line}-{RUN}-{i}", line, [f"{YEAR}-0{3 + i}", f"{YEAR}-0{4 + i}"]) for i in range(3)]
        async with web.bearer(who) as http:
            answer = await http.post(f"/plans/{YEAR}/intents", json={"intents": items})
            assert answer.status_code == 200, answer.text
            assert {r["status"] for r in answer.json()["results"]} == {"created"}, answer.text
    return YEAR


async def test_a_line_submits_an_intent_by_the_form(web: Web, browser, season, tmp_path):
    context, page = await signed_in(browser, web, "lin.food")
    try:
        await page.goto(f"/app/plans/{YEAR}")
        # a line sees its own intents only, and no action of ops or the leader
        rows = await page.locator("#intent-table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.intent)")
        assert rows and all(r.startswith("intent-food-") for r in rows), rows
        assert "apparel" not in await page.inner_text("#the-plan")
        assert {"Solve", "Publish", "Save settings", "Save the S", "Close intake"}.isdisjoint(
            await actions_on_page(page))
        form = page.locator("#intent-form")
        await form.get_by_label("Name").fill("Autumn snacks by form")
        await form.get_by_label("Category").fill("food")
        await form.get_by_label("First-choice month").fill(f"{YEAR}-09")
        await form.get_by_label("Second-choice month").fill(f"{YEAR}-09")  # twice: the server refuses it
        await form.get_by_label("Revenue target").fill("1000000")
        await form.get_by_label("Gross margin").fill("0.25")
        await form.get_by_label("Traffic").fill("2000000")
        await form.get_by_label("Average order value").fill("120")
        await form.get_by_label("Conversion rate").fill("0.03")
        await form.get_by_label("Requested tier").select_option("B")
        await form.get_by_role("button", name="Submit intent").click()
        await page.wait_for_selector("#in-months_1-error")
        assert "twice" in await page.inner_text("#in-months_1-error")
        assert await page.locator("#in-months_1").get_attribute("aria-describedby") == "in-months_1-error"
        assert await page.locator("#in-name").input_value() == "Autumn snacks by form"  # kept
        assert await page.locator("#in-conversion_rate").input_value() == "0.03"
        await shot(page, "plan-intent-error")
        await page.locator("#in-months_2").fill(f"{YEAR}-10")
        await page.get_by_role("button", name="Submit intent").click()
        await page.wait_for_selector("#intent-results")
        assert "created" in await page.inner_text("#intent-results")
        # the same form again (a double submit) makes nothing twice
        await page.go_back()
        await page.get_by_role("button", name="Submit intent").click()
        await page.wait_for_selector("#intent-results")
        # a CSV file, as `starter.py plan import` reads it: one good row, one refused
        csv = tmp_path / "intents.csv"
        csv.write_text("request_id,name,business_line,category,months,revenue_target,gross_margin,traffic,"
                       "avg_order_value,conversion_rate\n"
                       f"csv-{RUN},Snacks from a file,food,food,{YEAR}-05;{YEAR}-06,1000000,0.25,2000000,120,0.03\n"
                       f"csv-{RUN}-x,Another line's,apparel,apparel,{YEAR}-05,1000000,0.25,2000000,120,0.03\n")
        await page.get_by_label("Intents file").set_input_files(str(csv))
        await page.get_by_role("button", name="Upload intents").click()
        await page.wait_for_selector("#intent-results")
        results = await page.inner_text("#intent-results")
        assert "created" in await page.inner_text(f'#intent-results tr[data-request="csv-{RUN}"]')
        assert "Refused" in await page.inner_text(f'#intent-results tr[data-request="csv-{RUN}-x"]'), results
        await shot(page, "plan-line")
    finally:
        await context.close()
    async with web.bearer("lin.food") as http:
        items = (await http.get(f"/plans/{YEAR}/intents")).json()["items"]
    by_name = [i for i in items if i["name"] == "Autumn snacks by form"]
    assert len(by_name) == 1, by_name  # the double submit made one
    assert by_name[0]["months"] == [f"{YEAR}-09", f"{YEAR}-10"] and by_name[0]["submitted_by"] == "lin.food"
    assert any(i["request_id"] == f"csv-{RUN}" for i in items)
    assert not any(i["request_id"] == f"csv-{RUN}-x" for i in items)


async def test_a_forged_form_is_refused_and_records_nothing(web: Web, season):
    before = await plan_events(web)
    for who, path in (("lin.food", "solve"), ("yan.ops", "publish"), ("jun.approver", "settings"),
                      ("wei.leader", "close-intake")):
        http, csrf = await http_sign_in(web, who)
        async with aclosing(http):
            answer = await http.post(f"/app/plans/{YEAR}/{path}", data={"csrf_token": csrf, "budget": "1"})
            assert answer.status_code == 403, (who, path, answer.status_code)
            assert "may not do this" in answer.text
            page = await http.get(f"/app/plans/{YEAR}")
            assert f'action="/app/plans/{YEAR}/{path}"' not in page.text, (who, path)
    assert await plan_events(web) == before


async def tab_to_every_action(page, press: str | None = None) -> None:
    """Tab through the page: every button of its forms gets the focus (and `press` is pressed
    with Enter when reached)."""
    wanted = await actions_on_page(page) - {"Sign out"}
    reached: set[str] = set()
    for _ in range(600):
        await page.keyboard.press("Tab")
        tag, label = await page.evaluate(
            "() => [document.activeElement.tagName, (document.activeElement.textContent || '').trim()]")
        if tag == "BUTTON":
            reached.add(label)
            if label == press:
                await page.keyboard.press("Enter")
                return
        if press is None and wanted <= reached:
            return
    raise AssertionError(f"not reached by Tab: {sorted(wanted - reached) or press}")


async def test_the_leader_fixes_s_ops_solve_and_the_leader_publishes(web: Web, browser, season):
    s_intent = f"intent-food-food-{RUN}-0"
    leader, page = await signed_in(browser, web, "wei.leader")
    try:
        await page.goto(f"/app/plans/{YEAR}")
        assert {"Solve", "Save settings", "Pin", "Publish"}.isdisjoint(await actions_on_page(page))
        await tab_to_every_action(page)
        row = page.locator(f'#s-table tr[data-intent="{s_intent}"]')
        await row.get_by_role("checkbox").check()
        await row.get_by_role("combobox").select_option(f"{YEAR}-06")
        await page.get_by_role("button", name="Save the S").click()
        await page.wait_for_url(f"**/app/plans/{YEAR}#s")
        assert await row.get_by_role("checkbox").is_checked()
    finally:
        await leader.close()
    assert (await plan(web))["s_fixed"] == [{"intent_id": s_intent, "month": f"{YEAR}-06"}]

    ops, page = await signed_in(browser, web, "yan.ops", bypass_csp=True)  # axe is injected
    try:
        await page.goto(f"/app/plans/{YEAR}")
        await shot(page, "plan-ops")
        assert "Publish" not in await actions_on_page(page)  # the leader's
        await tab_to_every_action(page)
        # a bad setting: 422 beside the field it names, nothing recorded
        before = await plan_events(web)
        await page.locator("#set-budget").fill("10")
        await page.locator("#set-reserve").fill("40")
        await page.get_by_role("button", name="Save settings").click()
        await page.wait_for_selector(".notice.bad")
        assert await page.locator("#set-reserve-error, #set-budget-error").count() == 1
        assert await page.locator("#set-reserve").input_value() == "40"  # kept
        assert await plan_events(web) == before
        await page.locator("#set-budget").fill("150")
        await page.locator("#set-reserve").fill("12")
        await page.get_by_label(f"A cap in {YEAR}-05").fill("2")
        await page.get_by_role("button", name="Save settings").click()
        await page.wait_for_url(f"**/app/plans/{YEAR}#settings")
        assert await page.locator("#set-budget").input_value() == "150"
        await page.get_by_role("button", name="Solve").click()
        await page.wait_for_selector("#season >> text=last solve")
        summary = (await plan(web))["solution"]
        assert summary is not None and summary["status"] in ("optimal", "feasible"), summary
        on_page = await page.locator("#the-plan .chip").count()  # every intent that runs: placed, moved, downgraded
        assert on_page == summary["placed"] + summary["moved"] + summary["downgraded"], (on_page, summary)
        assert await page.locator(f'#the-plan tr[data-month="{YEAR}-06"] .badge.b-s').count() == 1  # the S month
        await page.get_by_label("Scenario name").fill("lean")
        await page.locator("#sc-budget").fill("40")
        await page.get_by_role("button", name="Run scenario").click()
        await page.wait_for_selector('#scenario-table th[data-scenario="lean"]')
        await page.get_by_role("button", name="Close intake").click()
        await page.wait_for_selector('#season [data-k="status"]:text("solved")')
        violations = await axe_violations(page)
        assert not violations, json.dumps(violations, indent=1)[:3000]
        await shot(page, "plan-solved")
    finally:
        await ops.close()
    events = await plan_events(web)
    assert [(e["type"], e["actor"]) for e in events if e["type"] in (
        "SFixed", "PlanSettingsChanged", "PlanSolved", "ScenarioSolved", "IntakeClosed")] == [
        ("SFixed", "wei.leader"), ("PlanSettingsChanged", "yan.ops"), ("PlanSolved", "yan.ops"),
        ("ScenarioSolved", "yan.ops"), ("IntakeClosed", "yan.ops")], events

    leader, page = await signed_in(browser, web, "wei.leader")
    try:
        await page.goto(f"/app/plans/{YEAR}")
        assert await page.locator('#scenario-table th[data-scenario="lean"]').count() == 1  # side by side
        await tab_to_every_action(page, press="Publish")  # by keyboard
        await page.wait_for_url(f"**/app/plans/{YEAR}#publish")
        progress = page.locator('#publish-progress [data-k="publish-status"]')
        assert "publish" in await progress.inner_text()
        await shot(page, "plan-publishing")
        # htmx polls the fragment: the page follows to `published` by itself
        await page.wait_for_selector('#publish-progress h3:text("Published")', timeout=180_000)
        placed = (await plan(web))["publish"]["campaigns"]
        assert placed > 0 and f"{placed} of {placed} campaign" in await progress.inner_text()
        await shot(page, "plan-published")
    finally:
        await leader.close()
    final = await plan(web)
    assert final["status"] == "published" and final["published"], final
    assert [e["actor"] for e in await plan_events(web) if e["type"] == "PublishStarted"] == ["wei.leader"]


async def test_an_approver_reads_the_season_with_javascript_off(web: Web, browser, season):
    context, page = await signed_in(browser, web, "jun.approver", java_script_enabled=False)
    try:
        await page.goto(f"/app/plans/{YEAR}")
        status = (await plan(web))["status"]
        assert await page.inner_text('#season [data-k="status"]') == status
        assert await page.locator("#publish-progress").count() == 1
        assert await page.locator("#the-plan table.plan tbody tr").count() == 12
        assert await actions_on_page(page) == set()  # an approver reads the season
    finally:
        await context.close()


async def test_a_line_sees_only_its_own_in_the_solved_plan(web: Web, browser, season):
    """After the solve (the tests above), the months x intents of a line hold its own intents,
    and the reasons name no other line's intent (api/plan_privacy.py, as the JSON views)."""
    context, page = await signed_in(browser, web, "lin.food")
    try:
        await page.goto(f"/app/plans/{YEAR}")
        chips = await page.locator("#the-plan .chip").evaluate_all("cs => cs.map(c => c.dataset.intent)")
        assert chips and all(c.startswith("intent-food-") for c in chips), chips
        assert "apparel" not in await page.inner_text("#the-plan")
        titles = await page.locator("#the-plan [title]").evaluate_all("cs => cs.map(c => c.title)")
        assert not any(f"apparel-{RUN}" in t for t in titles), titles
    finally:
        await context.close()
    async with web.bearer("yan.ops") as http:
        lines = {d["business_line"] for d in (await http.get(f"/plans/{YEAR}/solution")).json()["decisions"]}
    assert "apparel" in lines  # there was something to hide

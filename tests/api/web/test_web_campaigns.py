"""The campaign pages in the browser: a line submits a campaign through the form (a bad field
shows its error beside it and keeps what was typed; the forecast preview follows the
typing; a double submit makes one campaign), the owner chooses a month from the
alternatives (by keyboard), a milestone marked done with JavaScript off, a decider approves
from the campaign's page, the owner amends, a line cannot open (or act on) another line's
campaign (403 page), no action drawn that the person may not take (and a forged one refused
with a 403 page naming why), axe-core on the campaign page and the form, every action
reachable by keyboard, screenshots in test-artifacts/."""

from __future__ import annotations

import re
import uuid
from contextlib import aclosing

from playwright.async_api import expect

from api.web.formats import yuan
from tests.api.conftest import A_EXTRA, body
from tests.api.web.conftest import Web, axe_violations, http_sign_in, shot, signed_in
from tests.conftest import wait_until

# months other tests of the session fill with approved campaigns (the inbox's: April and November)
TAKEN = {"2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-11", "2027-12"}


async def submit(web: Web, *, line: str = "food", month: str = "2027-06", **extra) -> str:
    owner = {"food": "lin.food", "apparel": "mei.apparel"}[line]
    async with web.bearer(owner) as http:
        answer = await http.post("/campaigns", json=body(f"wc-{uuid.uuid4().hex[:10]}", line=line, month=month,
                                                         **extra))
        assert answer.status_code == 201, answer.text
        return answer.json()["campaign_id"]


async def state(web: Web, cid: str) -> dict:
    async with web.bearer("yan.ops") as http:
        return (await http.get(f"/campaigns/{cid}")).json()


async def events(web: Web, cid: str) -> list[dict]:
    async with web.bearer("yan.ops") as http:
        return (await http.get(f"/campaigns/{cid}/events")).json()


async def scheduled(web: Web, month: str) -> str:
    """A B campaign of food, approved and scheduled (its milestones planned); each test takes
    its own month, so none finds a month the others filled."""
    cid = await submit(web, month=month)
    async with web.bearer("jun.approver") as http:
        answer = await http.post(f"/campaigns/{cid}/approve", json={})
        assert answer.status_code == 200 and answer.json()["status"] == "scheduled", answer.text
    return cid


async def test_a_line_submits_a_campaign_through_the_form(web: Web, browser):
    context, page = await signed_in(browser, web, "lin.food")
    try:
        await page.get_by_role("link", name="New campaign").click()
        await page.wait_for_url(re.compile(r".*/app/campaigns/new$"))
        await page.get_by_label("Name", exact=True).fill("Summer snacks")
        await page.get_by_label("Category", exact=True).fill("food")
        await page.get_by_label("Month", exact=True).fill("2027-07")
        await page.get_by_label("Requested tier").select_option("B")
        await page.get_by_label("Revenue target").fill("1000000")
        await page.get_by_label("Gross margin").fill("0.25")
        await page.get_by_label("Traffic", exact=True).fill("2000000")
        await page.get_by_label("Average order value").fill("120")
        await page.get_by_label("Conversion rate").fill("3")  # a percent where a fraction belongs
        await page.get_by_label("Mechanic 1 type").select_option("discount")
        await page.get_by_label("Mechanic 1 depth").fill("0.1")
        await page.get_by_label("Mechanic 1 platform share").fill("0.5")
        # the preview follows the typing (domain/money.py on the server): 2,000,000 × 120 × 3
        await expect(page.locator("#preview-sales")).to_contain_text("720,000,000")
        await page.get_by_label("Conversion rate").fill("0.03")
        await expect(page.locator("#preview-sales")).to_contain_text("¥7,200,000")
        # m' = (0.25 - 0.1) / 0.9
        assert "16.7 %" in await page.inner_text("#preview-margin")
        await page.get_by_label("Conversion rate").fill("3")
        await shot(page, "campaign-new")
        await page.get_by_role("button", name="Submit campaign").click()
        await page.wait_for_selector("#f-conversion_rate-error")
        await shot(page, "campaign-new-errors")
        field = page.get_by_label("Conversion rate")
        assert await field.input_value() == "3"
        assert await page.get_by_label("Name", exact=True).input_value() == "Summer snacks"
        assert await page.get_by_label("Mechanic 1 depth").input_value() == "0.1"
        described = await field.get_attribute("aria-describedby")
        assert "f-conversion_rate-error" in described.split()
        assert "less than or equal to 1" in await page.inner_text("#f-conversion_rate-error")
        assert await field.get_attribute("aria-invalid") == "true"
        request_id = await page.locator('input[name="request_id"]').input_value()
        await field.fill("0.03")
        await page.get_by_role("button", name="Submit campaign").click()
        cid = f"campaign-food-{request_id}"
        await page.wait_for_url(re.compile(f".*/app/campaigns/{cid}.*"))
        assert "Summer snacks" in await page.inner_text("h1")
        await shot(page, "campaign")
    finally:
        await context.close()
    st = await state(web, cid)
    assert st["status"] == "in_review" and st["owner"] == "lin.food"
    assert st["forecast_asked"]["conversion_rate"] == 0.03
    submitted = (await events(web, cid))[0]
    assert submitted["type"] == "CampaignSubmitted" and submitted["actor"] == "lin.food"
    assert submitted["data"]["request"]["mechanics"][0]["depth"] == 0.1


async def test_a_double_submit_makes_one_campaign(web: Web):
    http, csrf = await http_sign_in(web, "lin.food")
    async with aclosing(http):
        form = (await http.get("/app/campaigns/new")).text
        request_id = re.search(r'name="request_id" value="([^"]+)"', form).group(1)
        fields = {"csrf_token": csrf, "request_id": request_id, "name": "Twice", "category": "food",
                  "month": "2027-07", "revenue_target": "1000000", "gross_margin": "0.25", "traffic": "2000000",
                  "avg_order_value": "120", "conversion_rate": "0.03"}
        first = await http.post("/app/campaigns/new", data=fields)
        second = await http.post("/app/campaigns/new", data=fields)
    cid = f"campaign-food-{request_id}"
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"] == f"/app/campaigns/{cid}"
    assert [e["type"] for e in await events(web, cid)].count("CampaignSubmitted") == 1


async def test_the_owner_chooses_a_month_from_the_alternatives(web: Web, browser):
    """Two A of one line in August: the second finds the month full (one A a month) and is
    offered others; its owner picks one with the keyboard."""
    month = "2027-08"
    first = await submit(web, month=month, tier="A", **A_EXTRA)
    second = await submit(web, month=month, tier="A", category="fresh", category_reason="fruit season", **A_EXTRA)
    async with web.bearer("jun.approver") as http:
        assert (await http.post(f"/campaigns/{first}/approve", json={})).json()["status"] == "scheduled"
        offered = (await http.post(f"/campaigns/{second}/approve", json={})).json()
    assert offered["status"] == "awaiting_month_choice" and offered["alternatives"], offered
    pick = next(m for m in reversed(offered["alternatives"]) if m not in TAKEN)
    context, page = await signed_in(browser, web, "lin.food", next_path=f"/app/campaigns/{second}")
    try:
        await page.wait_for_selector("ul.alternatives")
        await shot(page, "campaign-alternatives")
        await page.locator("h1").click()  # start from the heading, then Tab to the month's button
        for _ in range(80):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Choose {pick}":
                break
        else:
            raise AssertionError(f"Tab never reached Choose {pick}")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(r".*done=choose.*"))
        assert "Month chosen" in await page.inner_text("[role=status]")
    finally:
        await context.close()
    chosen = [e for e in await events(web, second) if e["type"] == "MonthChosen"]
    assert chosen and chosen[0]["actor"] == "lin.food" and chosen[0]["data"]["month"] == pick
    assert (await state(web, second))["status"] != "awaiting_month_choice"


async def test_a_milestone_marked_done_with_javascript_off(web: Web, browser):
    cid = await scheduled(web, "2027-01")
    before = (await state(web, cid))["milestones"]
    assert before and all(m["status"] == "open" for m in before), before
    key = sorted(before, key=lambda m: m["due"])[0]["key"]
    context, page = await signed_in(browser, web, "lin.food", next_path=f"/app/campaigns/{cid}",
                                    java_script_enabled=False)
    try:
        row = page.locator(f'#milestones tr[data-milestone="{key}"]')
        await row.get_by_role("button", name="Mark done").click()
        await page.wait_for_url(re.compile(r".*done=milestone.*"))
        assert "done" in await page.locator(f'#milestones tr[data-milestone="{key}"]').inner_text()
        assert await page.locator(f'#milestones tr[data-milestone="{key}"] button').count() == 0
    finally:
        await context.close()
    done = [e for e in await events(web, cid) if e["type"] == "MilestoneDone"]
    assert done and done[0]["actor"] == "lin.food" and done[0]["data"]["key"] == key
    assert next(m for m in (await state(web, cid))["milestones"] if m["key"] == key)["status"] == "done"


async def test_an_approver_decides_from_the_campaigns_page_and_the_owner_amends(web: Web, browser):
    approve_me, amend_me = await submit(web, month="2027-05"), await submit(web)
    context, page = await signed_in(browser, web, "jun.approver", next_path=f"/app/campaigns/{approve_me}")
    try:
        await page.get_by_role("button", name="Approve", exact=True).click()
        await page.wait_for_url(re.compile(r".*done=approve.*"))
    finally:
        await context.close()
    assert [e["actor"] for e in await events(web, approve_me) if e["type"] == "CampaignApproved"] == ["jun.approver"]
    context, page = await signed_in(browser, web, "lin.food", next_path=f"/app/campaigns/{amend_me}")
    try:
        await page.locator("summary", has_text="Amend").click()
        assert await page.locator("#a-traffic").input_value() == "2000000"  # the request as it stands
        await page.locator("#a-name").fill("Renamed by the owner")
        await page.locator("#a-traffic").fill("lots")
        await page.locator("#a-reason").fill("a clearer name")
        await page.get_by_role("button", name="Amend", exact=True).click()  # redrawn with the error beside it
        await page.wait_for_selector("#a-traffic-error")
        assert "enter a whole number" in await page.inner_text("#a-traffic-error")
        assert "a-traffic-error" in await page.locator("#a-traffic").get_attribute("aria-describedby")
        assert await page.locator("#a-name").input_value() == "Renamed by the owner"
        assert await page.locator("#a-traffic").input_value() == "lots"
        await page.locator("#a-traffic").fill("2000000")
        await page.get_by_role("button", name="Amend", exact=True).click()
        await page.wait_for_url(re.compile(r".*done=amend.*"))
        assert "Renamed by the owner" in await page.inner_text("h1")
    finally:
        await context.close()
    amended = [e for e in await events(web, amend_me) if e["type"] == "CampaignAmended"]
    assert amended and amended[0]["actor"] == "lin.food" and amended[0]["reason"] == "a clearer name"
    assert set(amended[0]["data"]["changes"]) == {"name"}


async def test_a_line_cannot_open_another_lines_campaign(web: Web, browser):
    cid = await submit(web)
    context, page = await signed_in(browser, web, "mei.apparel")
    try:
        answer = await page.goto(f"/app/campaigns/{cid}")
        assert answer.status == 403
        assert "may see only apparel campaigns" in await page.inner_text("[role=alert]")
        await shot(page, "campaign-403")
    finally:
        await context.close()
    before = await events(web, cid)
    apparel, token = await http_sign_in(web, "mei.apparel")
    async with aclosing(apparel):
        forged = await apparel.post(f"/app/campaigns/{cid}/cancel", data={"csrf_token": token, "reason": "mine?"})
        assert forged.status_code == 403 and "only the owning business line or ops may cancel" in forged.text
    assert await events(web, cid) == before


async def test_no_action_drawn_that_the_person_may_not_take(web: Web):
    """An S in review: the leader sees Approve, an approver does not (a forged approval is a
    403 page naming why); the owner sees no decision; ops see Cancel but neither Amend nor
    a decision; a line's own approver gets no decision on its line's campaign."""
    cid = await submit(web, tier="S", month="2027-12", revenue_target=50_000_000,
                       forecast={"traffic": 30_000_000, "avg_order_value": 150.0, "conversion_rate": 0.03})

    async def page_of(name: str) -> tuple[str, str]:
        http, token = await http_sign_in(web, name)
        async with aclosing(http):
            return (await http.get(f"/app/campaigns/{cid}")).text, token

    def buttons(html: str) -> set[str]:
        return {re.sub(r"<[^>]+>", "", b).strip() for b in re.findall(r"<(?:button|summary)[^>]*>(.*?)</", html)} - {
            "Sign out"}

    assert buttons((await page_of("wei.leader"))[0]) >= {"Approve", "Downgrade…", "Reject…"}
    assert buttons((await page_of("jun.approver"))[0]) & {"Approve", "Reject…", "Reject"} == set()  # S: leaders'
    assert buttons((await page_of("lin.food"))[0]) == {"Cancel…", "Cancel campaign", "Amend…", "Amend"}
    assert buttons((await page_of("yan.ops"))[0]) == {"Cancel…", "Cancel campaign"}
    assert buttons((await page_of("hua.approver"))[0]) == set()  # the food line's own approver
    approver, token = await http_sign_in(web, "jun.approver")
    async with aclosing(approver):
        forged = await approver.post(f"/app/campaigns/{cid}/decide", data={"csrf_token": token, "action": "approve"})
        assert forged.status_code == 403 and "may not decide a S-tier" in forged.text, forged.text[-1500:]
        missing = await approver.post(f"/app/campaigns/{cid}/decide", data={"action": "approve"})
        assert missing.status_code == 403 and "security token" in missing.text
    line, token = await http_sign_in(web, "lin.food")
    async with aclosing(line):
        forged = await line.post(f"/app/campaigns/{cid}/decide", data={"csrf_token": token, "action": "approve"})
        assert forged.status_code == 403 and "needs the role approver or leader" in forged.text
    assert (await state(web, cid))["status"] == "in_review"


async def test_every_campaign_action_reachable_by_keyboard(web: Web, browser):
    cid = await scheduled(web, "2027-02")
    in_review = await submit(web)

    async def reachable(name: str, path: str) -> list[str]:
        context, page = await signed_in(browser, web, name, next_path=path)
        try:
            seen: list[str] = []
            for _ in range(120):
                await page.keyboard.press("Tab")
                seen.append(await page.evaluate("(document.activeElement.textContent || '').trim()"))
            return seen
        finally:
            await context.close()

    owner = await reachable("lin.food", f"/app/campaigns/{cid}")
    assert {"Amend…", "Cancel…", "Mark done"} <= set(owner), owner
    decider = await reachable("jun.approver", f"/app/campaigns/{in_review}")
    assert {"Approve", "Downgrade…", "Reject…"} <= set(decider), decider


async def test_campaign_pages_have_no_serious_accessibility_violation(web: Web, browser):
    cid = await scheduled(web, "2027-03")
    in_review = await submit(web)
    for name, path, open_all in (("lin.food", f"/app/campaigns/{cid}", True),
                                 ("jun.approver", f"/app/campaigns/{in_review}", True),
                                 ("lin.food", "/app/campaigns/new", False),
                                 ("lin.food", "/app/campaigns", False)):
        context, page = await signed_in(browser, web, name, next_path=path, bypass_csp=True)
        try:
            for summary in await page.locator("details.ask summary").all() if open_all else []:
                await summary.click()  # the open forms are checked too
            assert await axe_violations(page) == [], (name, path)
            if path.endswith("/new"):  # and the form drawn again with its errors
                await page.get_by_label("Conversion rate").fill("x")
                await page.get_by_role("button", name="Submit campaign").click()
                await page.wait_for_selector(".error")
                assert await axe_violations(page) == [], "the form with errors"
        finally:
            await context.close()


async def test_the_list_links_each_campaign_and_shows_its_money(web: Web, browser):
    cid = await submit(web, mechanics=[{"type": "discount", "depth": 0.1, "platform_share": 0.5}],
                       paid_traffic=50_000)
    context, page = await signed_in(browser, web, "lin.food")
    try:
        row = page.locator(f'#campaigns tr[data-campaign="{cid}"]')
        await page.goto("/app/campaigns?limit=500")
        text = await row.inner_text()
        # S = 7,200,000; C = S·0.1/0.9·0.5 + 50,000 = 450,000; m' = (0.25 - 0.1)/0.9
        assert "¥450,000" in text and "16.7 %" in text, text
        await row.get_by_role("link").click()
        await page.wait_for_url(re.compile(f".*/app/campaigns/{cid}$"))

        async def shown() -> bool:
            return "¥450,000" in await page.inner_text("#money")

        await wait_until(shown, what="the campaign's money on its page")
    finally:
        await context.close()


async def test_submitting_the_form_with_javascript_off(web: Web, browser):
    context, page = await signed_in(browser, web, "lin.food", java_script_enabled=False)
    try:
        await page.goto("/app/campaigns/new")
        for label, value in (("Name", "No script"), ("Category", "food"), ("Month", "2027-07"),
                             ("Revenue target", "1000000"), ("Gross margin", "0.25"), ("Traffic", "2000000"),
                             ("Average order value", "120"), ("Conversion rate", "0.03")):
            await page.get_by_label(label, exact=True).fill(value)
        request_id = await page.locator('input[name="request_id"]').input_value()
        await page.get_by_role("button", name="Submit campaign").click()
        await page.wait_for_url(re.compile(f".*/app/campaigns/campaign-food-{request_id}$"))
        assert "No script" in await page.inner_text("h1")
    finally:
        await context.close()
    assert (await state(web, f"campaign-food-{request_id}"))["status"] == "in_review"


async def test_the_outcome_and_its_split_on_the_campaigns_page(web: Web, browser):
    """A campaign that already ran (POST /history, no workflow): its page is read from the
    log, with the outcome's split (GET /campaigns/{id}/outcome's data)."""
    from datetime import date

    from tests.api.test_results_api import history_item

    item = history_item(f"wc-h-{uuid.uuid4().hex[:8]}", "2026-09", date(2026, 9, 7), 400_000.0, line="cross_border")
    async with web.bearer("yan.ops") as http:
        answer = await http.post("/history", json={"campaigns": [item]})
        assert answer.json()["results"][0]["status"] == "created", answer.text
        cid = answer.json()["results"][0]["campaign_id"]
        outcome = (await http.get(f"/campaigns/{cid}/outcome")).json()
    context, page = await signed_in(browser, web, "yan.ops", next_path=f"/app/campaigns/{cid}")
    try:
        await page.wait_for_selector("#split")
        split = await page.inner_text("#split")
        await shot(page, "campaign-outcome")
    finally:
        await context.close()
    assert "from traffic" in split and "from conversion rate" in split
    assert yuan(outcome["gap"]) in split and yuan(outcome["gap"]).startswith("−¥")  # a shortfall

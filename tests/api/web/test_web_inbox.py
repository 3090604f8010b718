"""The inbox in the browser: an approver approves one campaign and downgrades another with a
reason (the same events as the JSON API, the signed-in person as actor), several decided at
once with one refused (its result says why), the decide form refused without its CSRF token
or with another session's (nothing recorded), every action reachable by keyboard, the page
with JavaScript off, and axe-core on the page."""

from __future__ import annotations

import re
import uuid
from contextlib import aclosing

from tests.api.conftest import body
from tests.api.web.conftest import Web, axe_violations, http_sign_in, shot, signed_in
from tests.conftest import wait_until


async def submit(web: Web, n: int = 1, line: str = "food") -> list[str]:
    """`n` B campaigns of `line` in review (submitted by its line through the JSON API)."""
    owner = {"food": "lin.food", "apparel": "mei.apparel"}[line]
    ids = []
    async with web.bearer(owner) as http:
        for _ in range(n):
            answer = await http.post("/campaigns", json=body(f"web-{uuid.uuid4().hex[:10]}", line=line,
                                                             month="2027-04"))
            assert answer.status_code == 201, answer.text
            assert answer.json()["status"] == "in_review", answer.json()
            ids.append(answer.json()["campaign_id"])
    return ids


async def events(web: Web, cid: str) -> list[dict]:
    async with web.bearer("yan.ops") as http:
        return (await http.get(f"/campaigns/{cid}/events")).json()


async def status(web: Web, cid: str) -> str:
    async with web.bearer("yan.ops") as http:
        return (await http.get(f"/campaigns/{cid}")).json()["status"]


def row(page, cid: str):
    return page.locator(f'#inbox-table tr[data-campaign="{cid}"]')


async def test_an_approver_approves_one_and_downgrades_another(web: Web, browser):
    first, second = await submit(web, 2)
    context, page = await signed_in(browser, web, "jun.approver")
    try:
        await shot(page, "inbox")
        await row(page, first).get_by_role("button", name="Approve", exact=True).click()
        await page.wait_for_selector(f'#results tr[data-campaign="{first}"]')
        assert "Done" in await page.inner_text(f'#results tr[data-campaign="{first}"]')
        await shot(page, "inbox-approved")
        r = row(page, second)
        await r.locator("summary", has_text="Downgrade").click()
        await r.get_by_label("Downgrade to tier").select_option("C")
        await r.get_by_label("Reason for the downgrade").fill("too small for B this month")
        await r.get_by_role("button", name="Downgrade", exact=True).click()
        await page.wait_for_selector(f'#results tr[data-campaign="{second}"]')
        assert "Done" in await page.inner_text(f'#results tr[data-campaign="{second}"]')
    finally:
        await context.close()
    approved = [e for e in await events(web, first) if e["type"] == "CampaignApproved"]
    assert approved and approved[0]["actor"] == "jun.approver"
    downgraded = [e for e in await events(web, second) if e["type"] == "CampaignDowngraded"]
    assert downgraded and downgraded[0]["actor"] == "jun.approver"
    assert downgraded[0]["data"]["to_tier"] == "C"
    assert downgraded[0]["reason"] == "too small for B this month"


async def test_several_at_once_with_one_refused(web: Web, browser):
    ids = await submit(web, 3)
    context, page = await signed_in(browser, web, "jun.approver")
    try:
        for cid in ids:
            await row(page, cid).get_by_role("checkbox").check()
        # someone else decides the middle one while the page is open
        async with web.bearer("wei.leader") as http:
            assert (await http.post(f"/campaigns/{ids[1]}/approve", json={})).status_code == 200
        await page.get_by_label("Decision", exact=True).select_option("approve")
        await page.get_by_role("button", name="Decide selected").click()
        await page.wait_for_selector("#results")
        await shot(page, "inbox-several")
        texts = {cid: await page.inner_text(f'#results tr[data-campaign="{cid}"]') for cid in ids}
    finally:
        await context.close()
    assert "Done" in texts[ids[0]] and "Done" in texts[ids[2]]
    assert "Refused" in texts[ids[1]] and "already decided" in texts[ids[1]]
    for cid in (ids[0], ids[2]):
        assert any(e["type"] == "CampaignApproved" and e["actor"] == "jun.approver" for e in await events(web, cid))
    assert [e["actor"] for e in await events(web, ids[1]) if e["type"] == "CampaignApproved"] == ["wei.leader"]


async def test_the_decide_form_needs_this_sessions_token(web: Web):
    [cid] = await submit(web, 1)
    before = await events(web, cid)
    approver, _ = await http_sign_in(web, "jun.approver")
    leader, leader_token = await http_sign_in(web, "wei.leader")
    async with aclosing(approver), aclosing(leader):
        form = {"campaign_id": cid, "action": "approve"}
        missing = await approver.post("/app/inbox/decide", data=form)
        assert missing.status_code == 403 and "security token" in missing.text
        others = await approver.post("/app/inbox/decide", data={**form, "csrf_token": leader_token})
        assert others.status_code == 403
        no_session = await web.anonymous().post("/app/inbox/decide", data={**form, "csrf_token": leader_token})
        assert no_session.status_code == 403
    assert await events(web, cid) == before
    assert await status(web, cid) == "in_review"


async def test_every_inbox_action_by_keyboard(web: Web, browser):
    approve_me, reject_me = await submit(web, 2)
    context, page = await signed_in(browser, web, "jun.approver")
    try:
        async def tab_to(label: str, cid: str) -> None:
            await row(page, cid).get_by_role("checkbox").focus()
            for _ in range(30):
                await page.keyboard.press("Tab")
                focused = await page.evaluate(
                    "() => [document.activeElement.textContent.trim(), "
                    "document.activeElement.closest('tr')?.dataset.campaign]")
                if focused == [label, cid]:
                    return
            raise AssertionError(f"Tab never reached {label} of {cid}")

        await tab_to("Approve", approve_me)
        await page.keyboard.press("Enter")
        await page.wait_for_selector(f'#results tr[data-campaign="{approve_me}"]')
        await tab_to("Reject…", reject_me)  # the disclosure: Enter opens it
        await page.keyboard.press("Enter")
        await page.keyboard.press("Tab")  # the reason
        await page.keyboard.type("not this year")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent.trim()") == "Reject"
        await page.keyboard.press("Enter")
        await page.wait_for_selector(f'#results tr[data-campaign="{reject_me}"]')
    finally:
        await context.close()
    assert await status(web, approve_me) != "in_review"
    assert await status(web, reject_me) == "rejected"


async def test_deciding_with_javascript_off(web: Web, browser):
    [cid] = await submit(web, 1)
    context, page = await signed_in(browser, web, "jun.approver", java_script_enabled=False)
    try:
        await row(page, cid).get_by_role("button", name="Approve", exact=True).click()
        await page.wait_for_selector(f'#results tr[data-campaign="{cid}"]')
    finally:
        await context.close()

    async def decided() -> bool:
        return await status(web, cid) != "in_review"

    await wait_until(decided, what="the approval")
    assert any(e["type"] == "CampaignApproved" and e["actor"] == "jun.approver" for e in await events(web, cid))


async def test_inbox_has_no_serious_accessibility_violation(web: Web, browser):
    await submit(web, 1)
    context, page = await signed_in(browser, web, "jun.approver", bypass_csp=True)
    try:
        assert await page.locator("#inbox-table").count() == 1
        await page.locator("details.ask summary").first.click()  # an open form is checked too
        assert await axe_violations(page) == []
    finally:
        await context.close()


async def test_no_approve_offered_where_the_person_may_not(web: Web, browser):
    """An S waits for the leaders: the leader's row offers Approve; refused server-side anyway
    for an approver who forges the form."""
    async with web.bearer("lin.food") as http:
        answer = await http.post("/campaigns", json=body(f"web-s-{uuid.uuid4().hex[:8]}", tier="S",
                                                         month="2027-11", revenue_target=50_000_000,
                                                         forecast={"traffic": 30_000_000, "avg_order_value": 150.0,
                                                                   "conversion_rate": 0.03}))
        assert answer.status_code == 201, answer.text
        cid = answer.json()["campaign_id"]
    context, page = await signed_in(browser, web, "wei.leader")
    try:
        assert await row(page, cid).get_by_role("button", name="Approve", exact=True).count() == 1
    finally:
        await context.close()
    approver, token = await http_sign_in(web, "jun.approver")
    async with aclosing(approver):
        page_html = (await approver.get("/app/inbox")).text
        assert f'data-campaign="{cid}"' not in page_html  # not in an approver's inbox at all
        forged = await approver.post("/app/inbox/decide", data={"csrf_token": token, "campaign_id": cid,
                                                                 "action": "approve"})
        assert forged.status_code == 200
        assert re.search(r"Refused: [^<]*may not decide a S-tier", forged.text), forged.text[:3000]
    assert await status(web, cid) == "in_review"

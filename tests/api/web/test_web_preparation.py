"""Milestones and team load in the browser: ops mark a milestone done from `/app/milestones`
(the workflow's update, the signed-in person as actor; the row leaves the list), an approver
reads the list without `Mark done` and a forged form is a 403 page that records nothing,
the filters, the team load per ISO week (`GET /teams/load`'s numbers), axe-core on both
pages."""

from __future__ import annotations

import uuid
from contextlib import aclosing

from tests.api.conftest import body
from tests.api.web.conftest import Web, axe_violations, http_sign_in, shot, signed_in
from tests.conftest import wait_until


async def scheduled_b(web: Web, month: str) -> str:
    """A B campaign of food in `month`, approved and scheduled (its milestones planned); each
    test its own month, with a category reason (food may run twice in a month)."""
    async with web.bearer("lin.food") as line, web.bearer("jun.approver") as approver, web.bearer("yan.ops") as ops:
        answer = await line.post("/campaigns", json=body(f"ms-{uuid.uuid4().hex[:10]}", month=month,
                                                          category_reason="web test: food twice"))
        assert answer.status_code == 201, answer.text
        cid = answer.json()["campaign_id"]
        assert (await approver.post(f"/campaigns/{cid}/approve", json={})).status_code == 200

        async def planned() -> bool:
            items = (await ops.get(f"/campaigns/{cid}/milestones")).json()["items"]
            return len(items) > 0

        await wait_until(planned, timeout=60, what=f"{cid} scheduled with milestones "
                                                    f"({(await ops.get(f'/campaigns/{cid}')).json()})")
        return cid


async def milestone_status(web: Web, cid: str, key: str) -> dict:
    async with web.bearer("yan.ops") as http:
        items = (await http.get(f"/campaigns/{cid}/milestones")).json()["items"]
    return next(m for m in items if m["key"] == key)


async def find_row(page, cid: str, key: str):
    """The row of the milestone, following `Next` through the pages."""
    for _ in range(50):
        row = page.locator(f'#milestones tr[data-milestone="{cid}/{key}"]')
        if await row.count():
            return row
        nxt = page.get_by_role("link", name="Next")
        if not await nxt.count():
            break
        await nxt.click()
        await page.wait_for_load_state()
    raise AssertionError(f"{cid}/{key} not listed")


async def test_ops_mark_a_milestone_done(web: Web, browser):
    cid = await scheduled_b(web, "2027-06")
    context, page = await signed_in(browser, web, "yan.ops", bypass_csp=True)
    try:
        await page.goto("/app/milestones?team=design")
        teams = await page.locator("#milestones tbody tr td:nth-child(5)").all_inner_texts()
        assert teams and set(teams) == {"design"}, teams
        row = await find_row(page, cid, "creative")
        await shot(page, "milestones")
        await row.locator("summary", has_text="Mark done").click()
        await row.get_by_label("Comment (optional)").fill("key visual approved")
        await row.get_by_role("button", name="Mark done").click()
        await page.wait_for_selector('[role="status"]:has-text("Marked done")')
        assert "team=design" in page.url  # the filter kept
        assert await page.locator(f'#milestones tr[data-milestone="{cid}/creative"]').count() == 0
        violations = await axe_violations(page)
        assert not violations, violations
    finally:
        await context.close()
    done = await milestone_status(web, cid, "creative")
    assert done["status"] == "done" and done["done_by"] == "yan.ops", done


async def test_an_approver_reads_milestones_and_may_not_mark_them(web: Web, browser):
    cid = await scheduled_b(web, "2027-07")
    context, page = await signed_in(browser, web, "jun.approver")
    try:
        await page.goto("/app/milestones")
        row = await find_row(page, cid, "setup")
        assert await row.get_by_role("button", name="Mark done").count() == 0
        assert await page.get_by_text("Mark done…").count() == 0
    finally:
        await context.close()
    approver, csrf = await http_sign_in(web, "jun.approver")
    async with aclosing(approver):
        answer = await approver.post("/app/milestones/done", data={"csrf_token": csrf, "campaign_id": cid,
                                                                    "key": "setup"})
        assert answer.status_code == 403 and "may not do this" in answer.text
        line, line_csrf = await http_sign_in(web, "lin.food")
        async with aclosing(line):
            assert (await line.get("/app/milestones")).status_code == 403
            answer = await line.post("/app/milestones/done", data={"csrf_token": line_csrf, "campaign_id": cid,
                                                                    "key": "setup"})
            assert answer.status_code == 403
    assert (await milestone_status(web, cid, "setup"))["status"] == "open"


async def test_team_load_per_iso_week(web: Web, browser):
    cid = await scheduled_b(web, "2027-08")
    async with web.bearer("yan.ops") as http:
        loads = (await http.get("/teams/load", params={"year": 2027})).json()["items"]
    mine = [r for r in loads if cid in r["campaigns"]]
    assert mine, loads
    context, page = await signed_in(browser, web, "jun.approver", bypass_csp=True)
    try:
        await page.goto("/app/teams?year=2027")
        for r in mine:
            cell = page.locator(f'#team-load tr[data-team="{r["team"]}"] td[data-week="{r["week"]}"]')
            assert (await cell.inner_text()).strip() == str(r["demand"])
            assert cid in await cell.get_attribute("title")
            busy = page.locator(f'#busy-weeks tr[data-team="{r["team"]}"][data-week="{r["week"]}"]')
            assert cid in await busy.inner_text()
        assert await page.locator("#team-load thead th").count() == 1 + 52  # 2027 has 52 ISO weeks
        await shot(page, "teams")
        violations = await axe_violations(page)
        assert not violations, violations
    finally:
        await context.close()

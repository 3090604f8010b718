"""The policy page (`/app/policy/{year}`): ops change the policy from its form and the change
is in the history with who and why (the same `PolicyOverridden` as `PATCH /policy/{year}`);
a refused change is shown beside the changes field naming the key, what was typed kept,
nothing recorded; a line reads the page without the form and a forged form is a 403 page;
keyboard and axe-core on the page. Year 2029: no other web test changes its policy."""

from __future__ import annotations

import json
from contextlib import aclosing

from tests.api.web.conftest import Web, axe_violations, http_sign_in, shot, signed_in

YEAR = 2029


async def policy(web: Web) -> dict:
    async with web.bearer("lin.food") as http:
        return (await http.get(f"/policy/{YEAR}")).json()


async def history(web: Web) -> list[dict]:
    async with web.bearer("lin.food") as http:
        return (await http.get(f"/policy/{YEAR}/history")).json()["items"]


async def test_ops_change_the_policy_from_its_page(web: Web, browser):
    before = await policy(web)
    budget = before["effective"]["yearly_budget_days"] - 3
    context, page = await signed_in(browser, web, "yan.ops", bypass_csp=True)
    try:
        await page.goto(f"/app/policy/{YEAR}")
        # refused: 422 beside the field, naming the key; nothing recorded
        await page.get_by_label("Changes (JSON)").fill('{"yearly_budget_days": -5}')
        await page.get_by_label("Reason").fill("a typo")
        await page.get_by_role("button", name="Change the policy").click()
        await page.wait_for_selector("#pol-changes-error")
        assert "yearly_budget_days" in await page.inner_text("#pol-changes-error")
        assert await page.get_by_label("Changes (JSON)").input_value() == '{"yearly_budget_days": -5}'
        assert await page.get_by_label("Changes (JSON)").get_attribute("aria-describedby") == "pol-changes-error"
        assert (await policy(web))["version"] == before["version"]
        await shot(page, "policy-refused")
        # by keyboard: the fields and the button in order
        await page.get_by_label("Changes (JSON)").fill("")
        await page.get_by_label("Changes (JSON)").focus()
        await page.keyboard.type(json.dumps({"yearly_budget_days": budget}))
        await page.keyboard.press("Tab")
        await page.keyboard.press("Control+A")
        await page.keyboard.type("fewer promotion days in 2029")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent.trim()") == "Change the policy"
        await page.keyboard.press("Enter")
        await page.wait_for_selector('[role="status"]:has-text("Changed")')
        first = page.locator("#policy-history tbody tr").first
        assert "yan.ops" in await first.inner_text() and "fewer promotion days in 2029" in await first.inner_text()
        assert str(budget) in await page.inner_text('#policy-effective tr[data-key="yearly_budget_days"]')
        violations = await axe_violations(page)
        assert not violations, json.dumps(violations, indent=1)[:3000]
        await shot(page, "policy")
    finally:
        await context.close()
    after = await policy(web)
    assert after["version"] == before["version"] + 1 and after["effective"]["yearly_budget_days"] == budget
    last = (await history(web))[-1]
    assert (last["type"], last["actor"], last["reason"]) == ("PolicyOverridden", "yan.ops",
                                                             "fewer promotion days in 2029")
    assert last["data"]["changes"] == {"yearly_budget_days": budget}


async def test_a_line_reads_the_policy_and_may_not_change_it(web: Web, browser):
    before = await policy(web)
    context, page = await signed_in(browser, web, "lin.food")
    try:
        await page.goto(f"/app/policy/{YEAR}")
        assert await page.locator("#policy-form").count() == 0
        assert await page.locator('#policy-effective tr[data-key="yearly_budget_days"]').count() == 1
    finally:
        await context.close()
    line, csrf = await http_sign_in(web, "lin.food")
    async with aclosing(line):
        answer = await line.post(f"/app/policy/{YEAR}", data={"csrf_token": csrf, "reason": "mine",
                                                              "changes": '{"yearly_budget_days": 1}'})
        assert answer.status_code == 403 and "may not do this" in answer.text
        assert (await line.get("/app/policy/2099")).status_code == 422  # a year the policy does not plan
    assert (await policy(web))["version"] == before["version"]

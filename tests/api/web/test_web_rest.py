"""The remaining jobs in the browser (issue 26): business lines, delegations, webhooks, a
campaign's actuals and the history import. Each page's main action is done in Chromium and
its effect checked in the event log with the signed-in person as actor; a forged form (no
CSRF token) is a 403 page and changes nothing; axe-core finds no serious/critical violation."""

from __future__ import annotations

import json
import re
import uuid
from contextlib import aclosing
from datetime import date, timedelta

from store import eventstore
from tests.api.web.conftest import Web, axe_violations, http_sign_in, shot, signed_in


async def no_violations(page) -> None:
    violations = await axe_violations(page)
    assert not violations, json.dumps(violations, indent=1)[:3000]


async def forged(web: Web, name: str, path: str, data: dict) -> None:
    """The form posted by a signed-in person without the CSRF token: a 403 page."""
    http, _ = await http_sign_in(web, name)
    async with aclosing(http):
        answer = await http.post(path, data=data)
        assert answer.status_code == 403, answer.text


async def test_ops_change_a_line_from_its_page(web: Web, browser):
    line = "beauty"
    async with web.bearer("lin.food") as http:
        before = next(x for x in (await http.get("/business-lines")).json()["items"] if x["business_line"] == line)
    weight = 0.31 if before["strategic_weight"] != 0.31 else 0.32
    await forged(web, "yan.ops", "/app/business-lines", {"line": line, "strategic_weight": "0.9", "reason": "x"})
    context, page = await signed_in(browser, web, "yan.ops", bypass_csp=True)
    try:
        await page.goto("/app/business-lines")
        await page.get_by_label("Business line").select_option(line)
        await page.get_by_label("Strategic weight (0 to 1)").fill("7")
        await page.get_by_label("Reason").fill("too much")
        await page.get_by_role("button", name="Change the line").click()
        await page.wait_for_selector("#ln-strategic_weight-error")
        await page.get_by_label("Strategic weight (0 to 1)").fill(str(weight))
        await page.get_by_label("Reason").fill("beauty matters more this year")
        await page.get_by_role("button", name="Change the line").click()
        await page.wait_for_selector('[role="status"]:has-text("Changed")')
        assert str(weight) in await page.inner_text(f'#lines tr[data-line="{line}"]')
        await no_violations(page)
        await shot(page, "lines")
    finally:
        await context.close()
    events = await eventstore.read_stream(web.pool, f"line-{line}")
    last = events[-1]
    assert (last.type, last.actor, last.reason) == ("BusinessLineChanged", "yan.ops", "beauty matters more this year")
    assert last.data["changes"] == {"strategic_weight": weight}
    assert last.seq == before["version"] + 1  # the refused value recorded nothing


async def test_a_line_reads_the_lines_without_the_form(web: Web, browser):
    context, page = await signed_in(browser, web, "lin.food")
    try:
        await page.goto("/app/business-lines")
        assert await page.locator("#lines tbody tr").count() >= 1
        assert await page.locator("#line-form").count() == 0
    finally:
        await context.close()
    http, csrf = await http_sign_in(web, "lin.food")
    async with aclosing(http):
        answer = await http.post("/app/business-lines", data={"csrf_token": csrf, "line": "food",
                                                               "strategic_weight": "1", "reason": "mine"})
        assert answer.status_code == 403 and "may not do this" in answer.text


async def test_an_approver_grants_and_revokes_a_delegation(web: Web, browser):
    start = date.today() + timedelta(days=40)
    until = start + timedelta(days=2)
    await forged(web, "jun.approver", "/app/delegations", {"to": "hua.approver", "from": str(start),
                                                           "until": str(until)})
    context, page = await signed_in(browser, web, "jun.approver", bypass_csp=True)
    try:
        await page.goto("/app/delegations")
        await page.get_by_label("To (a principal's name)").fill("lin.food")
        await page.get_by_label("From (first day)").fill(str(start))
        await page.get_by_label("Until (last day, included)").fill(str(until))
        await page.get_by_role("button", name="Grant").click()
        await page.wait_for_selector("#dg-to-error")  # an approver delegates only to an approver
        await page.get_by_label("To (a principal's name)").fill("hua.approver")
        await page.get_by_role("button", name="Grant").click()
        await page.wait_for_selector('[role="status"]:has-text("granted")')
        did = re.search(r"granted ([0-9a-f]+)", await page.inner_text('[role="status"]')).group(1)
        row = page.locator(f'#given tr[data-id="{did}"]')
        assert "hua.approver" in await row.inner_text()
        await no_violations(page)
        await shot(page, "delegations")
        await row.get_by_role("button", name=re.compile("Revoke")).click()
        await page.wait_for_selector('[role="status"]:has-text("revoked")')
        assert "revoked" in await page.locator(f'#given tr[data-id="{did}"]').inner_text()
    finally:
        await context.close()
    events = await eventstore.read_stream(web.pool, f"delegation-{did}")
    assert [(e.type, e.actor) for e in events] == [("DelegationGranted", "jun.approver"),
                                                   ("DelegationRevoked", "jun.approver")]
    assert events[0].data["to"] == "hua.approver"


async def test_ops_subscribe_look_redrive_and_delete_a_webhook(web: Web, browser):
    url = "http://127.0.0.1:9/web-rest-hook"
    await forged(web, "yan.ops", "/app/webhooks", {"url": url, "events": "IntentUnpinned", "secret": "s3cret-s3cret"})
    context, page = await signed_in(browser, web, "yan.ops", bypass_csp=True)
    try:
        await page.goto("/app/webhooks")
        assert url not in await page.content()  # the forged form subscribed nothing
        await page.get_by_label("URL").fill("http://example.invalid/hook")
        await page.get_by_label("Secret (at least 8 characters, never shown again)").fill("s3cret-s3cret")
        await page.get_by_label("IntentUnpinned").check()
        await page.get_by_role("button", name="Subscribe").click()
        await page.wait_for_selector("#wh-url-error")  # not on the allow-list
        await page.get_by_label("URL").fill(url)
        await page.get_by_label("Secret (at least 8 characters, never shown again)").fill("s3cret-s3cret")
        await page.get_by_label("IntentUnpinned").check()
        await page.get_by_role("button", name="Subscribe").click()
        await page.wait_for_selector('[role="status"]:has-text("subscribed")')
        wid = re.search(r"subscribed ([0-9a-f]+)", await page.inner_text('[role="status"]')).group(1)
        assert "s3cret" not in await page.content()
        await no_violations(page)
        await shot(page, "webhooks")
        await page.locator(f'#webhooks tr[data-id="{wid}"] a').click()
        await page.wait_for_url(f"**/app/webhooks/{wid}")
        await page.get_by_role("button", name="Redrive the dead deliveries").click()
        await page.wait_for_selector('[role="status"]:has-text("Redriven: 0")')
        await no_violations(page)
        await page.goto("/app/webhooks")
        await page.locator(f'#webhooks tr[data-id="{wid}"]').get_by_role("button", name=re.compile("Delete")).click()
        await page.wait_for_selector('[role="status"]:has-text("deleted")')
        assert await page.locator(f'#webhooks tr[data-id="{wid}"]').count() == 0
    finally:
        await context.close()
    events = await eventstore.read_stream(web.pool, f"webhook-{wid}")
    assert [(e.type, e.actor) for e in events] == [("WebhookSubscribed", "yan.ops"), ("WebhookUnsubscribed", "yan.ops")]
    assert events[0].data["url"] == url and events[0].data["events"] == ["IntentUnpinned"]
    line, csrf = await http_sign_in(web, "lin.food")
    async with aclosing(line):
        assert (await line.get("/app/webhooks")).status_code == 403


async def test_ops_import_history_then_upload_actuals_from_the_campaign_page(web: Web, browser):
    from tests.api.test_results_api import history_item

    rid = f"wr-h-{uuid.uuid4().hex[:8]}"
    good = history_item(rid, "2026-09", date(2026, 9, 7), 400_000.0)
    bad = history_item(f"{rid}-bad", "2026-09", date(2026, 9, 14), 1.0)
    bad["actuals"][3]["orders"] = 10**6  # orders > traffic
    cid = f"campaign-food-{rid}"
    file = {"name": "history.json", "mimeType": "application/json",
            "buffer": json.dumps({"campaigns": [good, bad]}).encode()}
    await forged(web, "yan.ops", "/app/history", {"file": "{}"})
    context, page = await signed_in(browser, web, "yan.ops", bypass_csp=True)
    try:
        await page.goto("/app/history")
        await no_violations(page)
        await page.get_by_label("History file (JSON)").set_input_files(file)
        await page.get_by_role("button", name="Import").click()
        await page.wait_for_selector('[role="status"]:has-text("1 created")')
        assert "1 invalid" in await page.inner_text('[role="status"]')
        assert "row 3" in await page.inner_text("#history-results")
        await shot(page, "history")
        await page.get_by_role("link", name=cid).click()
        await page.wait_for_url(f"**/app/campaigns/{cid}")
        await no_violations(page)
        header = "campaign_id,date,traffic,orders,gmv,gross_profit\n"
        wrong = header + f"{cid},2026-09-07,100000,2000,450000,90000\nanother,2026-09-08,1,1,1,1\n{cid},2026-09-09,x,1,1,1\n"
        await page.get_by_label("Actuals file (CSV)").set_input_files(
            {"name": "a.csv", "mimeType": "text/csv", "buffer": wrong.encode()})
        await page.get_by_role("button", name="Upload the actuals").click()
        await page.wait_for_selector("#actuals-problems")
        problems = await page.inner_text("#actuals-problems")
        assert "row 3: campaign_id 'another'" in problems and "row 4: traffic" in problems, problems
        await no_violations(page)
        await page.go_back()
        right = header + f"{cid},2026-09-07,100000,2000,450000,90000\n"
        await page.get_by_label("Actuals file (CSV)").set_input_files(
            {"name": "a.csv", "mimeType": "text/csv", "buffer": right.encode()})
        await page.get_by_role("button", name="Upload the actuals").click()
        await page.wait_for_selector('[role="status"]:has-text("1 corrected")')
        await shot(page, "actuals")
    finally:
        await context.close()
    events = await eventstore.read_stream(web.pool, cid)
    assert events[0].actor == "yan.ops"
    corrected = [e for e in events if e.type == "ActualsCorrected"]
    assert len(corrected) == 1 and corrected[0].actor == "yan.ops"  # the refused upload recorded nothing
    assert await eventstore.read_stream(web.pool, f"campaign-food-{rid}-bad") == []
    line, csrf = await http_sign_in(web, "lin.food")
    async with aclosing(line):
        assert (await line.get("/app/history")).status_code == 403
        answer = await line.post("/app/history", data={"csrf_token": csrf}, files={"file": ("h.json", b"[]")})
        assert answer.status_code == 403

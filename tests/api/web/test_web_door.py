"""The door of the web app: sign-in as each demo role (each lands on its home), the session
cookie's attributes and the page's security headers, sign-out ends the session on the
server, an ended session goes to sign in and back, the session opens the documents but
never the JSON API, the sign-in form's own CSRF token, a line cannot open the inbox, and
the way back after sign-in is only a same-origin path."""

from __future__ import annotations

import re
from contextlib import aclosing
from datetime import UTC, datetime

import pytest

from api.app import create_app
from api.web.session import COOKIE, safe_next
from infra.settings import Settings
from infra.tokens import digest
from tests.api.serve import serving
from tests.api.web.conftest import YEAR, Web, axe_violations, http_sign_in, shot, signed_in, web_settings
from tests.conftest import wait_until

HOMES = {"lin.food": "/app/campaigns", "jun.approver": "/app/inbox", "wei.leader": "/app/inbox",
         "yan.ops": "/app/campaigns"}


@pytest.mark.parametrize("value", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil",
                                   "javascript:alert(1)", "evil", "/ok\r\nSet-Cookie: x=1", "", None])
def test_next_refuses_anything_but_a_same_origin_path(value):
    assert safe_next(value) is None


def test_next_keeps_a_same_origin_path():
    assert safe_next("/calendar/2027.html?x=1#m") == "/calendar/2027.html?x=1#m"


def test_sso_settings_need_both_client_values():
    with pytest.raises(ValueError, match="PROMOFLOW_OIDC_CLIENT_SECRET"):
        Settings(oidc_issuer="https://i", oidc_audience="a", oidc_jwks_url="https://i/j", oidc_client_id="c")


async def test_each_demo_role_signs_in_and_lands_on_its_home(web: Web, browser):
    for name, home in HOMES.items():
        context, page = await signed_in(browser, web, name)
        try:
            assert page.url == web.url + home, (name, page.url)
            assert await page.get_by_role("button", name="Sign out").is_visible()
            nav = page.get_by_role("navigation", name="Main")
            assert (await nav.get_by_role("link", name="Inbox").count() == 1) == (home == "/app/inbox")
            await shot(page, f"home-{name}")
        finally:
            await context.close()


async def test_cookie_and_headers(web: Web):
    async with web.anonymous() as http:
        login = await http.get("/app/login")
        assert login.status_code == 200
        csp = login.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        answer = await http.post("/app/login/demo", data={"csrf_token": token, "principal": "jun.approver"})
        assert answer.status_code == 303 and answer.headers["location"] == "/app/inbox"
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(COOKIE + "="))
        attrs = [a.strip().lower() for a in cookie.split(";")]
        assert "httponly" in attrs and "samesite=lax" in attrs and "path=/" in attrs
        assert "secure" not in attrs  # plain http here: Secure only over https
        # the calendar page (a document) carries the policy too, read with the session
        cal = await http.get(f"/calendar/{YEAR}.html")
        assert cal.status_code == 200 and "frame-ancestors 'none'" in cal.headers["content-security-policy"]
    # a new id at each sign-in
    one, _ = await http_sign_in(web, "jun.approver")
    two, _ = await http_sign_in(web, "jun.approver")
    async with aclosing(one), aclosing(two):
        assert one.cookies[COOKIE] != two.cookies[COOKIE]


async def test_sign_in_form_needs_its_token(web: Web):
    async with web.anonymous() as http:
        await http.get("/app/login")  # the pre-session cookie, but no token in the form
        refused = await http.post("/app/login/demo", data={"principal": "wei.leader"})
        assert refused.status_code == 403
        assert COOKIE not in refused.cookies
        forged = await http.post("/app/login/demo", data={"principal": "wei.leader", "csrf_token": "guess"})
        assert forged.status_code == 403


async def test_sign_out_ends_the_session_on_the_server(web: Web, browser):
    context, page = await signed_in(browser, web, "yan.ops")
    try:
        old = next(c["value"] for c in await context.cookies() if c["name"] == COOKIE)
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url(re.compile(r".*/app/login$"))
        await shot(page, "signed-out")
    finally:
        await context.close()
    sid = old.rsplit(".", 1)[0]
    assert await web.pool.fetchval("SELECT count(*) FROM web_sessions WHERE id_sha256 = $1", digest(sid)) == 0
    async with web.anonymous() as http:  # the old cookie, replayed, opens nothing
        http.cookies.set(COOKIE, old)
        for path in ("/app/campaigns", f"/calendar/{YEAR}.html", "/campaigns.csv"):
            answer = await http.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/app/login"), path


async def test_the_session_opens_documents_but_not_the_json_api(web: Web):
    http, _ = await http_sign_in(web, "yan.ops")
    async with aclosing(http):
        assert (await http.get("/campaigns.csv")).status_code == 200
        assert (await http.get(f"/calendar/{YEAR}.ics")).status_code == 200
        assert (await http.get(f"/reports/{YEAR}.html")).status_code == 200
        for path in ("/campaigns", f"/calendar/{YEAR}", "/inbox"):
            assert (await http.get(path)).status_code == 401, path


async def test_an_ended_session_signs_in_again_and_comes_back(web: Web, browser):
    # the same database, an app whose sessions last 2 seconds
    settings = web_settings(web.settings.task_queue, session_hours=2 / 3600)
    deps = web.deps.__class__(settings, web.client, web.pool, web.deps.tokens)
    async with serving(create_app(deps)) as url:
        short = Web(url, web.pool, web.client, settings, deps)
        context, page = await signed_in(browser, short, "wei.leader")
        try:
            started = datetime.now(UTC)

            async def ended() -> bool:
                cookies = {c["name"]: c["value"] for c in await context.cookies()}
                async with short.anonymous() as http:
                    http.cookies.set(COOKIE, cookies.get(COOKIE, ""))
                    return (await http.get("/app/inbox")).status_code == 303

            await wait_until(ended, timeout=30, what="the session to expire")
            assert (datetime.now(UTC) - started).total_seconds() >= 1
            asked = f"/calendar/{YEAR}.html"
            await page.goto(asked)
            assert "/app/login?next=" in page.url
            await page.get_by_role("button", name="Sign in as wei.leader", exact=True).click()
            await page.wait_for_url(re.compile(re.escape(asked) + "$"))
            assert await page.get_by_text(str(YEAR)).first.is_visible()
        finally:
            await context.close()


async def test_a_line_cannot_open_the_inbox(web: Web, browser):
    context, page = await signed_in(browser, web, "lin.food")
    try:
        answer = await page.goto("/app/inbox")
        assert answer.status == 403
        assert "lin.food (business_line) may not do this" in await page.inner_text("main")
        await shot(page, "inbox-refused-for-line")
    finally:
        await context.close()


async def test_login_page_has_no_serious_accessibility_violation(web: Web, browser):
    context = await browser.new_context(base_url=web.url, bypass_csp=True)
    try:
        page = await context.new_page()
        await page.goto("/app/login")
        await shot(page, "login")
        assert await axe_violations(page) == []
        # by keyboard: Tab to a sign-in button, Enter
        for _ in range(40):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.textContent.trim()") == "Sign in as jun.approver":
                break
        else:
            raise AssertionError("Tab never reached 'Sign in as jun.approver'")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(r".*/app/inbox$"))
    finally:
        await context.close()

"""The web app's tests: one API server for the whole session (uvicorn on a free port, its
own database copied from the template, a worker on the Temporal dev server), one Chromium
(Debian's, through Playwright; no browser download) shared by every test, and helpers to
sign in. Tests share the server's data: each makes its own campaigns (unique request ids)
and finds its rows by campaign id."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from api.app import Deps, create_app
from api.auth import TokenBook
from infra.settings import Settings
from stack.embedded import create_database
from store.db import create_pool
from tests.api.conftest import TOKENS
from tests.api.hooks import SECRET_KEY
from tests.api.serve import serving
from tests.conftest import admin_uri, new_task_queue
from tests.workflows.helpers import running_worker

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
AXE = Path(__file__).resolve().parents[2] / "vendor" / "axe-4.14.1.min.js"
SESSION_SECRET = "test-session-secret-" + uuid.uuid4().hex
YEAR = 2027


@dataclass
class Web:
    url: str
    pool: object
    client: object
    settings: Settings
    deps: Deps

    def bearer(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers={"Authorization": f"Bearer {name}"}, timeout=60)

    def anonymous(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=60)


def web_settings(tq: str, **over) -> Settings:
    return Settings(**{"task_queue": tq, "secret_key": SECRET_KEY, "session_secret": SESSION_SECRET,
                       "demo_login": True, **over})


@pytest_asyncio.fixture(scope="session")
async def web_pool(pg_server, template_db):
    name = f"web_{uuid.uuid4().hex[:10]}"
    await create_database(admin_uri(pg_server), name, template=template_db)
    pool = await create_pool(admin_uri(pg_server, name), min_size=1, max_size=20)
    yield pool
    await pool.close()


@pytest_asyncio.fixture(scope="session")
async def web(dev_env, web_pool):
    tq = new_task_queue()
    settings = web_settings(tq)
    deps = Deps(settings, dev_env.client, web_pool, TokenBook(TOKENS))
    async with running_worker(dev_env.client, web_pool, tq), serving(create_app(deps)) as url:
        yield Web(url, web_pool, dev_env.client, settings, deps)


@pytest_asyncio.fixture(scope="session")
async def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent: run `make chromium` (Debian's chromium) for the browser tests")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        await b.close()


async def signed_in(browser, web: Web, name: str, *, next_path: str | None = None, **context_options):
    """A new browser context signed in as `name` through the sign-in page; (context, page)."""
    context = await browser.new_context(base_url=web.url, **context_options)
    page = await context.new_page()
    await page.goto("/app/login" + (f"?next={next_path}" if next_path else ""))
    await page.get_by_role("button", name=f"Sign in as {name}", exact=True).click()
    await page.wait_for_url(re.compile(r".*/app/(inbox|campaigns).*|.*\.html.*"))
    return context, page


async def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


async def http_sign_in(web: Web, name: str) -> tuple[httpx.AsyncClient, str]:
    """Sign in through the forms with httpx (no browser): the client holds the cookies;
    returns it and the session's CSRF token (read from the page's sign-out form)."""
    http = web.anonymous()
    page = await http.get("/app/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = await http.post("/app/login/demo", data={"csrf_token": token, "principal": name})
    assert answer.status_code == 303, answer.text
    home = await http.get(answer.headers["location"])
    assert home.status_code == 200, home.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    return http, csrf


async def axe_violations(page) -> list[dict]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]

"""The SQL statements a page runs do not grow with the rows it shows (issue 26, "Speed"):
the inbox with 5 and with 50 campaigns waiting, the campaign list with 10 and 50 rows, a
campaign's page with 20 and 200 events. Counted with asyncpg's query logger on the app's
pool (store.db.create_pool `query_logger`), on a server of its own with its own database
(the data written at the store level by bench/web_pages.py's `seed`, as the bench rung)."""

from __future__ import annotations

import uuid

import pytest_asyncio

from api.app import create_app
from api.auth import TokenBook
from api.deps import Deps
from bench.web_pages import StatementCounter, long_campaign, seed, sign_in
from stack.embedded import create_database
from store.db import create_pool
from tests.api.conftest import TOKENS
from tests.api.serve import serving
from tests.api.web.conftest import web_settings
from tests.conftest import admin_uri, new_task_queue

counter = StatementCounter()


@pytest_asyncio.fixture
async def counted(dev_env, pg_server, template_db):
    name = f"webcount_{uuid.uuid4().hex[:10]}"
    await create_database(admin_uri(pg_server), name, template=template_db)
    pool = await create_pool(admin_uri(pg_server, name), min_size=1, max_size=4, query_logger=counter)
    app = create_app(Deps(web_settings(new_task_queue()), dev_env.client, pool, TokenBook(TOKENS)))
    async with serving(app) as url:
        yield url, pool
    await pool.close()


async def statements(http, path: str) -> int:
    assert (await http.get(path)).status_code == 200  # warm (types introspected, statements prepared)
    counter.reset()
    answer = await http.get(path)
    assert answer.status_code == 200, answer.text[:500]
    return counter.count


async def test_statements_per_page_do_not_grow_with_the_rows_shown(counted):
    import httpx

    url, pool = counted
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await sign_in(http, "jun.approver")
        await seed(pool, in_review=5)  # every tenth an S: the leaders', not this approver's
        small = await statements(http, "/app/inbox")
        assert (await http.get("/app/inbox")).text.count('<tr data-campaign="') == 4  # one S is not his
        await seed(pool, in_review=45, start=5)
        large = await statements(http, "/app/inbox")
        assert (await http.get("/app/inbox")).text.count('<tr data-campaign="') == 45
        assert small == large, ("inbox", small, large)

        await seed(pool, in_review=0, others=10, start=50)
        rows = [await statements(http, f"/app/campaigns?limit={n}") for n in (10, 50)]
        assert rows[0] == rows[1], ("list", rows)

        few, many = await long_campaign(pool, 20), await long_campaign(pool, 200)
        page = (await http.get(f"/app/campaigns/{many}")).text
        assert "Events (200)" in page
        counts = [await statements(http, f"/app/campaigns/{cid}") for cid in (few, many)]
        assert counts[0] == counts[1], ("campaign page", counts)

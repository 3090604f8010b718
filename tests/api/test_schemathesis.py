"""Property-based API testing: schemathesis against /openapi.json finds no 5xx and no
response that breaks the schema, for every role (the coverage phase as ops, fuzzing as each)."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from stack.embedded import BIN
from tests.api.conftest import serve_api
from tests.conftest import start_dev_server

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(scope="module")
async def own_engine():
    """A dev server of this module's own: on the session's shared one, seasons opened by
    earlier tests (plan-<year>, a handful of years) outlive their workers, and every fuzzed
    call into such a season waits ~30 s for a worker that is gone (then answers 503)."""
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture
async def api(own_engine, pool):
    async with serve_api(own_engine.client, pool) as served:
        yield served


CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"

# What each role runs. The coverage phase (every operation's boundary and invalid values,
# missing and wrongly typed fields: ~2,600 cases, three quarters of the time) runs once, as
# ops, who passes the role checks on every operation, so each case reaches the validation
# and the code behind it. The other roles fuzz every operation with fewer examples: what
# differs for them is the role and line checks and the filtered answers, not the parsing.
# (All three roles through all phases at 10 examples: ~14 min of a loaded machine's suite.)
ROLES = [
    ("yan.ops", "examples,coverage,fuzzing", 5),
    ("lin.food", "examples,fuzzing", 5),
    ("jun.approver", "examples,fuzzing", 5),
]


@pytest.mark.parametrize("principal,phases,examples", ROLES, ids=[r[0] for r in ROLES])
async def test_schemathesis_finds_no_server_error_and_no_schema_break(api, principal, phases, examples, tmp_path):
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "schemathesis"), "run", f"{api.url}/openapi.json",
        "--header", f"Authorization: Bearer {principal}", "--checks", CHECKS,
        "--max-examples", str(examples), "--seed", "1", "--workers", "1", "--request-timeout", "30",
        "--phases", phases, "--generation-database", "none",
        # /healthz takes no input and answers 503 by design when a dependency is slow (a 2 s
        # check): on the suite's loaded shared dev server that happened once; test_stack checks it
        "--exclude-path", "/healthz",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path)
    out, _ = await asyncio.wait_for(proc.communicate(), 600)
    text = out.decode()
    assert proc.returncode == 0, text[-6000:]
    assert " 0 generated" not in text, text[-3000:]  # it tested something


async def test_hostile_inputs_beyond_the_schema_give_no_server_error(api):
    """What schemathesis does not generate: a 20 MB body (413 before it is parsed, nothing
    written), a campaign named as mathtext and names a spreadsheet runs as formulas, read
    back through the report page and the CSV export."""
    from datetime import date

    from tests.api.conftest import body
    from tests.api.test_results_api import history_item

    huge = b'{"request_id": "huge", "name": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    async with api.as_("lin.food") as food, api.as_("yan.ops") as ops, api.as_(None) as anon:
        for http in (food, anon):
            r = await http.post("/campaigns", content=huge, headers={"Content-Type": "application/json"})
            assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large", r.text
        assert await api.pool.fetchval("SELECT count(*) FROM events WHERE campaign_id NOT LIKE 'line-%'") == 0  # seeded lines aside

        names = ["$x^$", r"a\b_c $\frac{", "=1+1", "+SUM(A1)", "-2", "@cmd"]
        r = await food.post("/campaigns", json=body("hostile-live", name=names[0]))
        assert r.status_code == 201, r.text
        items = [{**history_item(f"hostile-{i}", "2026-09", date(2026, 9, 7), 1_000.0 * (i + 1)), "name": n}
                 for i, n in enumerate(names)]
        r = await ops.post("/history", json={"campaigns": items})
        assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"created"}, r.text
        for path in ("/reports/2026.html", "/reports/2026", "/campaigns.csv", "/campaigns.xlsx", "/campaigns",
                     "/calendar/2026.html", "/calendar/2027.html", "/calendar/2026.ics"):
            r = await ops.get(path)
            assert r.status_code < 500, (path, r.text[-2000:])
        page = (await ops.get("/reports/2026.html")).text
        assert "$x^$" in page and "=1+1" in page

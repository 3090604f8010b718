"""shared/API.md "Limits" over real HTTP: a body over the limit is 413 before it is parsed
or authenticated (declared length and chunked), and nothing is written; every batch over its
cap is 413 naming the cap (and one within it is not); every list takes limit/offset and the
paged lists answer {"items", "total", "limit", "offset"}."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

import services.plans as plan_routes
from api.app import Deps, create_app
from api.auth import TokenBook
from infra.settings import Settings
from tests.api.conftest import TOKENS, body
from tests.api.serve import serving
from tests.api.test_results_api import actuals, history_item
from tests.conftest import new_task_queue

LIMIT = 4096
YEAR = 2026  # a year no other test opens: plan-<year> workflows outlive each test on the dev server


@pytest.fixture
async def small(dev_env, pool):
    """The API (no worker: nothing here may reach one) with a 4 KiB body limit."""
    app = create_app(Deps(Settings(task_queue=new_task_queue(), max_body_bytes=LIMIT), dev_env.client, pool,
                          TokenBook(TOKENS)))
    async with serving(app) as url:
        yield url


def _is_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["code"] == "body_too_large" and err["details"]["limit"] == LIMIT and str(LIMIT) in err["message"]


async def test_body_over_the_limit_is_413_before_parsing_or_authentication(small, pool):
    padded = json.dumps(body("big-1")) + " " * LIMIT  # valid JSON, over the limit only by its padding
    async with httpx.AsyncClient(base_url=small, timeout=30) as anon, \
            httpx.AsyncClient(base_url=small, timeout=30, headers={"Authorization": "Bearer lin.food"}) as food:
        # no token, and not even JSON: neither 401 nor 422, the size decides first
        _is_too_large(await anon.post("/campaigns", content=b"{" * (LIMIT + 1),
                                      headers={"Content-Type": "application/json"}))
        _is_too_large(await food.post("/campaigns", content=padded, headers={"Content-Type": "application/json"}))

        async def chunks(n: int):
            for _ in range(n):
                yield b" " * 1024

        # chunked (no Content-Length): counted as it arrives
        r = await anon.post("/decisions", content=chunks(64), headers={"Content-Type": "application/json"})
        _is_too_large(r)
        assert r.json()["error"]["details"]["content_length"] is None
        # within the limit, chunked bodies reach the app unchanged: here its 401, then its answer
        small_body = json.dumps({"decisions": [{"campaign_id": "campaign-food-none", "action": "approve"}]}).encode()

        async def one():
            yield small_body[:10]
            yield small_body[10:]

        assert (await anon.post("/decisions", content=one())).status_code == 401
        async with httpx.AsyncClient(base_url=small, timeout=30, headers={"Authorization": "Bearer jun.approver"}) as jun:
            r = await jun.post("/decisions", content=one(), headers={"Content-Type": "application/json"})
        assert r.status_code == 200 and r.json()["results"][0]["error"]["code"] == "not_found", r.text
    assert await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id NOT LIKE 'line-%'") == 0  # nothing refused was written (seeded lines aside)


async def test_default_limit_is_10_mib():
    assert Settings().max_body_bytes == 10 * 1024 * 1024
    assert Settings(PROMOFLOW_MAX_BODY_BYTES="2048").max_body_bytes == 2048


async def test_batches_over_their_caps_are_413_naming_the_cap(api, monkeypatch):
    async with api.as_("jun.approver") as jun, api.as_("yan.ops") as ops:
        item = {"campaign_id": "campaign-food-none", "action": "approve"}
        r = await jun.post("/decisions", json={"decisions": [item] * 201})
        assert r.status_code == 413 and r.json()["error"]["code"] == "batch_too_large", r.text
        assert r.json()["error"]["details"]["cap"] == 200 and "200 decisions" in r.json()["error"]["message"]
        assert (await jun.post("/decisions", json={"decisions": [item] * 200})).status_code == 200

        r = await ops.post("/history", json={"campaigns": [{"request_id": "x"}] * 1001})
        assert r.status_code == 413 and r.json()["error"]["details"]["cap"] == 1000, r.text

        rows = actuals(date(2026, 1, 1), 400, 1.0)
        r = await ops.post("/actuals", json={"campaigns": [{"campaign_id": f"c-{i}", "rows": rows} for i in range(26)]})
        assert r.status_code == 413 and r.json()["error"]["details"]["cap"] == 10_000, r.text  # 10,400 rows
        assert "actuals rows" in r.json()["error"]["message"]
        r = await ops.post("/actuals", json={"campaigns": [{"campaign_id": f"c-{i}", "rows": rows} for i in range(25)]})
        assert r.status_code == 200 and {x["error"]["code"] for x in r.json()["results"]} == {"not_found"}

        # a year no other test opens: the dev server (and its plan-<year> workflows) outlives each test
        assert (await ops.post(f"/plans/{YEAR}", json={})).status_code == 201
        intent = {**body("cap-0", month=f"{YEAR}-03"), "months": [f"{YEAR}-03"]}
        r = await ops.post(f"/plans/{YEAR}/intents", json={"intents": [intent] * 1001})
        assert r.status_code == 413 and r.json()["error"]["details"]["cap"] == 1000, r.text
        # the season's cap (20,000; 3 here): intents sent again are not new
        monkeypatch.setattr(plan_routes, "INTENTS_PER_SEASON", 3)
        two = [{**body(f"cap-{i}", month=f"{YEAR}-03"), "months": [f"{YEAR}-03"]} for i in range(2)]
        more = [{**body(f"cap-{i}", month=f"{YEAR}-03"), "months": [f"{YEAR}-03"]} for i in range(2, 4)]
        assert (await ops.post(f"/plans/{YEAR}/intents", json={"intents": two})).status_code == 200
        r = await ops.post(f"/plans/{YEAR}/intents", json={"intents": more})
        assert r.status_code == 413 and r.json()["error"]["details"]["cap"] == 3, r.text
        assert (await ops.get(f"/plans/{YEAR}")).json()["intents"] == 2  # nothing of the refused batch
        r = await ops.post(f"/plans/{YEAR}/intents", json={"intents": [*two, more[0]]})
        assert r.status_code == 200 and [x["status"] for x in r.json()["results"]] == ["exists", "exists", "created"]

        # GET /plans/{year}/intents pages too
        first = (await ops.get(f"/plans/{YEAR}/intents", params={"limit": 2})).json()
        rest = (await ops.get(f"/plans/{YEAR}/intents", params={"limit": 2, "offset": 2})).json()
        assert (first["total"], first["limit"], len(first["items"]), rest["total"], len(rest["items"])) == (3, 2, 2, 3, 1)
        assert [i["request_id"] for i in first["items"] + rest["items"]] == ["cap-0", "cap-1", "cap-2"]


async def test_every_list_pages_with_limit_and_offset(api):
    async with api.as_("yan.ops") as ops, api.as_("mei.apparel") as apparel, api.as_("jun.approver") as jun:
        r = await ops.post("/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["CampaignSubmitted"],
                                              "secret": "s" * 16})
        wid = r.json()["id"]
        cids = []
        for i in range(3):
            r = await apparel.post("/campaigns", json=body(f"pg-{i}", line="apparel"))
            assert r.status_code == 201, r.text
            cids.append(r.json()["campaign_id"])

        async def page(path: str, **params) -> dict:
            r = await (jun if path == "/inbox" else ops).get(path, params=params)
            assert r.status_code == 200, r.text
            return r.json()

        for path in ("/campaigns", "/inbox", f"/webhooks/{wid}/deliveries"):
            first, rest = await page(path, limit=2), await page(path, limit=2, offset=2)
            assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (3, 2, 0, 2), path
            assert (rest["total"], rest["offset"], len(rest["items"])) == (3, 2, 1), path
            assert (await page(path))["limit"] == 100
        for path in ("/campaigns", "/inbox", "/milestones", "/bookings", f"/campaigns/{cids[0]}/events",
                     f"/webhooks/{wid}/deliveries"):
            who = jun if path == "/inbox" else ops
            assert (await who.get(path, params={"limit": 501})).status_code == 422, path
            assert (await who.get(path, params={"offset": -1})).status_code == 422, path
        events = (await ops.get(f"/campaigns/{cids[0]}/events")).json()
        assert len(events) >= 2
        sliced = (await ops.get(f"/campaigns/{cids[0]}/events", params={"limit": 1, "offset": 1})).json()
        assert [e["seq"] for e in sliced] == [events[1]["seq"]]

        for cid in cids:  # scheduled: milestones and bookings to page through
            assert (await jun.post(f"/campaigns/{cid}/approve", json={})).status_code == 200
        ms = await page("/milestones", limit=1)
        assert ms["total"] >= 2 and len(ms["items"]) == 1 and ms["limit"] == 1
        assert (await page("/milestones", offset=ms["total"] - 1))["items"] == [(await page("/milestones"))["items"][-1]]
        booked = (await ops.get("/bookings")).json()
        assert len(booked) > 1
        assert (await ops.get("/bookings", params={"limit": 1, "offset": 1})).json() == booked[1:2]



async def test_history_imports_a_batch_within_its_cap(api):
    async with api.as_("yan.ops") as ops:
        items = [history_item(f"hc-{i}", "2026-09", date(2026, 9, 7), 100.0) for i in range(2)]
        r = await ops.post("/history", json={"campaigns": items})
        assert r.status_code == 200 and [x["status"] for x in r.json()["results"]] == ["created", "created"]

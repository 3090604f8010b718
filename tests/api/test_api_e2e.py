"""API -> Temporal dev server -> worker -> PostgreSQL, over real HTTP."""

from __future__ import annotations

from datetime import date

import httpx
from temporalio.service import RPCError, RPCStatusCode

from tests.api.conftest import A_EXTRA, body
from tests.conftest import wait_until


async def _status(http, cid: str) -> str:
    return (await http.get(f"/campaigns/{cid}")).json()["status"]


async def _until(http, cid: str, status: str) -> dict:
    async def check():
        return await _status(http, cid) == status
    await wait_until(check, what=f"{cid} {status}")
    return (await http.get(f"/campaigns/{cid}")).json()


async def test_a_b_campaign_end_to_end_submit_approve_schedule_events_cancel(api):
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver, api.as_("yan.ops") as ops:
        r = await food.post("/campaigns", json=body("e2e-1"))
        assert r.status_code == 201, r.text
        cid = r.json()["campaign_id"]
        assert r.headers["location"] == f"/campaigns/{cid}"
        await _until(food, cid, "in_review")
        r = await approver.post(f"/campaigns/{cid}/approve", json={"comment": "fits March"})
        assert r.status_code == 200, r.text
        st = r.json()
        assert st["status"] == "scheduled" and st["tier"] == "B"
        assert [p["phase"] for p in st["phases"]][-1] == "burst" and st["bookings"]
        events = (await ops.get(f"/campaigns/{cid}/events")).json()
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert [e["type"] for e in events][:3] == ["CampaignSubmitted", "ReviewScored", "CampaignApproved"]
        assert {"seq", "type", "at", "actor", "data"} <= set(events[0])
        booked = (await ops.get("/bookings", params={"from": "2027-01-01", "to": "2028-01-01"})).json()
        assert {(b["resource"], b["unit"]) for b in booked} == {(b["resource"], b["unit"]) for b in st["bookings"]}

        r = await food.post(f"/campaigns/{cid}/cancel", json={"reason": "budget moved to 618"})
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert (await ops.get("/bookings", params={"from": "2027-01-01"})).json() == []
        events = (await ops.get(f"/campaigns/{cid}/events")).json()
        assert events[-1]["type"] == "CampaignCancelled" and events[-1]["reason"] == "budget moved to 618"
        listed = (await ops.get("/campaigns", params={"status": "cancelled"})).json()
        assert [i["campaign_id"] for i in listed["items"]] == [cid]


async def test_the_same_request_id_returns_the_same_campaign_and_starts_nothing(api):
    async with api.as_("lin.food") as food:
        first = await food.post("/campaigns", json=body("dup-1"))
        assert first.status_code == 201
        cid = first.json()["campaign_id"]
        await _until(food, cid, "in_review")
        again = await food.post("/campaigns", json=body("dup-1"))
        assert again.status_code == 200 and again.json()["campaign_id"] == cid
        assert again.headers["location"] == f"/campaigns/{cid}"
        runs = [w async for w in api.client.list_workflows(f"WorkflowId = '{cid}'")]
        assert len(runs) <= 1
        assert await api.pool.fetchval("SELECT count(*) FROM events WHERE type = 'CampaignSubmitted'") == 1


async def test_bad_input_is_422_with_a_message_and_starts_nothing(api):
    bad = {
        "missing fields": {"request_id": "bad-1", "business_line": "food"},
        "negative revenue": body("bad-2", revenue_target=-5),
        "unknown tier": body("bad-3", tier="Z"),
        "bad month": body("bad-4", month="2027-13"),
        "saturday burst": body("bad-6", month="2027-03", burst_start="2027-03-06"),
        "month in the past": body("bad-7", month="2020-03"),
        "burst outside month": body("bad-8", month="2027-03", burst_start="2027-04-06"),
    }
    async with api.as_("lin.food") as food:
        for what, b in bad.items():
            r = await food.post("/campaigns", json=b)
            assert r.status_code == 422, (what, r.text)
            err = r.json()["error"]
            assert err["code"] == "invalid_request" and err["message"], what
        r = await food.post("/campaigns", json={"not": "json at all"})
        assert r.status_code == 422
        r = await food.post("/campaigns", content=b"{broken", headers={"content-type": "application/json"})
        assert r.status_code == 422
    for rid in ("bad-2", "bad-3", "bad-6", "bad-7", "bad-8"):
        try:
            await api.client.get_workflow_handle(f"campaign-food-{rid}").describe()
            raise AssertionError(f"{rid} was started")
        except RPCError as err:
            assert err.status == RPCStatusCode.NOT_FOUND
    assert await api.pool.fetchval("SELECT count(*) FROM events WHERE campaign_id NOT LIKE 'line-%'") == 0  # seeded lines aside


async def test_playbook_rules_through_the_api(api):
    """An A gets a burst on Mon-Wed; a second A in the month gets alternatives; a B in an
    S month is not scheduled there; the calendar reports the 150-day budget."""
    async with api.as_("lin.food") as food, api.as_("qiang.beauty") as beauty, \
            api.as_("jun.approver") as approver, api.as_("wei.leader") as leader, api.as_("yan.ops") as ops:
        r = await food.post("/campaigns", json=body("a-1", tier="A", month="2027-05", **A_EXTRA))
        a1 = r.json()["campaign_id"]
        assert (await _until(food, a1, "in_review"))["proposed_tier"] == "A"
        st = (await approver.post(f"/campaigns/{a1}/approve", json={})).json()
        assert st["status"] == "scheduled"
        assert date.fromisoformat(st["burst_start"]).weekday() in (0, 1, 2)

        r = await food.post("/campaigns", json=body("a-2", tier="A", month="2027-05", category="fresh",
                                                     category_reason="fruit season", **A_EXTRA))
        a2 = r.json()["campaign_id"]
        await _until(food, a2, "in_review")
        st = (await approver.post(f"/campaigns/{a2}/approve", json={})).json()
        assert st["status"] == "awaiting_month_choice" and st["alternatives"]
        r = await food.post(f"/campaigns/{a2}/choose-month", json={"month": "2027-01" if "2027-01" not in
                                                                   st["alternatives"] else "2027-02"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"

        s_body = body("s-1", tier="S", month="2027-09", revenue_target=50_000_000, gross_margin=0.45,
                      forecast={"traffic": 20_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03})
        s1 = (await food.post("/campaigns", json=s_body)).json()["campaign_id"]
        assert (await _until(food, s1, "in_review"))["proposed_tier"] == "S"
        assert (await approver.post(f"/campaigns/{s1}/approve", json={})).status_code == 403
        assert (await leader.post(f"/campaigns/{s1}/approve", json={})).json()["status"] == "scheduled"
        b1 = (await beauty.post("/campaigns", json=body("b-1", month="2027-09", line="beauty"))).json()["campaign_id"]
        await _until(beauty, b1, "in_review")
        st = (await approver.post(f"/campaigns/{b1}/approve", json={})).json()
        assert st["status"] == "awaiting_month_choice" and "2027-09" not in st["alternatives"]

        cal = (await ops.get("/calendar/2027")).json()
        assert cal["budget"]["cap"] == 150
        assert cal["budget"]["used"] == 7 + 21
        assert cal["budget"]["left"] == 150 - 28
        sept = next(m for m in cal["months"] if m["month"] == "2027-09")
        assert sept["s_month"] and [c["campaign_id"] for c in sept["campaigns"]] == [s1]


async def test_decisions_that_do_not_fit_are_409_and_change_nothing(api):
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver, \
            api.as_("hua.approver") as food_approver, api.as_("yan.ops") as ops:
        cid = (await food.post("/campaigns", json=body("d-1"))).json()["campaign_id"]
        await _until(food, cid, "in_review")
        r = await food_approver.post(f"/campaigns/{cid}/approve", json={})
        assert r.status_code == 403 and r.json()["error"]["code"] == "separation_of_duties"
        r = await food.post(f"/campaigns/{cid}/choose-month", json={"month": "2027-04"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
        r = await approver.post(f"/campaigns/{cid}/downgrade", json={"to_tier": "A", "reason": "up?"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_tier"
        assert (await approver.post(f"/campaigns/{cid}/approve", json={})).status_code == 200
        r = await approver.post(f"/campaigns/{cid}/approve", json={})
        assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
        before = len((await ops.get(f"/campaigns/{cid}/events")).json())
        assert (await ops.post(f"/campaigns/{cid}/cancel", json={"reason": "ops stop"})).status_code == 200
        r = await approver.post(f"/campaigns/{cid}/approve", json={})
        assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
        r = await ops.post(f"/campaigns/{cid}/cancel", json={"reason": "again"})
        assert r.status_code == 409
        events = (await ops.get(f"/campaigns/{cid}/events")).json()
        assert len(events) == before + 1
        assert (await ops.get("/campaigns/campaign-food-nope")).status_code == 404
        assert (await approver.post("/campaigns/campaign-food-nope/approve", json={})).status_code == 404
        assert (await ops.get("/campaigns/campaign-food-nope/events")).status_code == 404


async def test_healthz_says_both_answer(api):
    async with api.as_(None) as anyone:
        r = await anyone.get("/healthz")
        assert r.status_code == 200
        assert r.json()["checks"] == {"temporal": "ok", "postgres": "ok"}


async def test_healthz_is_503_naming_what_does_not_answer(dev_env, pool_factory_closed):
    import httpx

    from api.app import Deps, create_app
    from api.auth import TokenBook
    from infra.settings import Settings

    app = create_app(Deps(Settings(), dev_env.client, pool_factory_closed, TokenBook([])))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        r = await http.get("/healthz")
    assert r.status_code == 503
    assert r.json()["checks"]["temporal"] == "ok"
    assert r.json()["checks"]["postgres"].startswith("unavailable")


async def test_request_metrics_are_exposed_with_route_templates(api):
    async with api.as_("yan.ops") as ops:
        await ops.get("/campaigns/campaign-food-x")
        text = (await ops.get("/metrics")).text
    assert 'promoflow_api_requests_total{method="GET",route="/campaigns/{campaign_id}",status="404"} 1.0' in text
    assert "campaign-food-x" not in text


async def test_the_answer_to_a_submission_is_scored_and_an_approver_may_act_at_once(api):
    """POST answers in review with score and proposed tier (update-with-start), not 'submitted'."""
    async with api.as_("lin.food") as food, api.as_("jun.approver") as approver:
        r = await food.post("/campaigns", json=body("scored-1"))
        assert r.status_code == 201, r.text
        st = r.json()
        assert st["status"] == "in_review" and st["proposed_tier"] == "B" and 0 < st["score"] <= 1
        # no waiting: the approver acts on what the submitter was told
        r = await approver.post(f"/campaigns/{st['campaign_id']}/approve", json={})
        assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text
        again = await food.post("/campaigns", json=body("scored-1"))
        assert again.status_code == 200 and again.json()["status"] == "scheduled"


async def test_with_no_worker_the_submission_answers_submitted_within_the_wait_and_is_scored_later(dev_env, pool):
    """A worker away must not hang the caller: past PROMOFLOW_SCORE_WAIT_S the answer is the
    campaign as submitted (it started), and a worker that comes scores it."""
    import time

    from api.app import Deps, create_app
    from api.auth import TokenBook
    from infra.settings import Settings
    from tests.api.conftest import TOKENS
    from tests.api.serve import serving
    from tests.conftest import new_task_queue
    from tests.workflows.helpers import running_worker

    tq = new_task_queue()
    app = create_app(Deps(Settings(task_queue=tq, score_wait_s=1.0), dev_env.client, pool, TokenBook(TOKENS)))
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30,
                                                      headers={"Authorization": "Bearer lin.food"}) as food:
        t = time.monotonic()
        r = await food.post("/campaigns", json=body("no-worker-1"))
        assert r.status_code == 201 and r.json()["status"] == "submitted", r.text
        assert time.monotonic() - t < 10
        cid = r.json()["campaign_id"]
        async with running_worker(dev_env.client, pool, tq):
            async def scored() -> bool:
                return (await food.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
            await wait_until(scored, what=f"{cid} scored once a worker runs")

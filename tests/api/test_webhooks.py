"""Webhooks with a local receiver (a tiny ASGI app on a free port): signed deliveries
(`<timestamp>.<body>`) with the event id; while the receiver is down they are retried and
delivered once it is back; dead after the policy's limit, visible in
GET /webhooks/{id}/deliveries, re-driven by ops; URLs outside the allow-list or that httpx
cannot send to refused; secrets sealed at rest and never returned; no key, no subscription."""

from __future__ import annotations

import json
import time

import httpx

from infra.secret_box import SecretBox
from infra.webhook_retry import WebhookRule
from tests.api.conftest import body
from tests.api.hooks import SECRET_KEY, Receiver, delivering, verify
from tests.api.serve import serving
from tests.conftest import wait_until

SECRET = "s3cret-webhook"


async def test_webhooks_signed_retried_dead_and_redriven(api):
    receiver = Receiver()
    async with serving(receiver) as url, api.as_("yan.ops") as ops, api.as_("lin.food") as food, \
            api.as_("jun.approver") as jun:
        r = await ops.post("/webhooks", json={"url": "https://example.com/hook", "events": ["ReviewScored"],
                                              "secret": SECRET})
        assert r.status_code == 422 and r.json()["error"]["code"] == "url_not_allowed"
        assert (await food.post("/webhooks", json={"url": url, "events": ["ReviewScored"],
                                                   "secret": SECRET})).status_code == 403
        r = await ops.post("/webhooks", json={"url": url, "events": ["NoSuchEvent"], "secret": SECRET})
        assert r.status_code == 422 and "MilestoneOverdue" in r.json()["error"]["details"]  # the allowed types
        r = await ops.post("/webhooks", json={"url": f"{url}/late", "events": ["MilestoneOverdue"], "secret": SECRET})
        assert r.status_code == 201 and r.json()["events"] == ["MilestoneOverdue"], r.text
        late = r.json()["id"]
        r = await ops.post("/webhooks", json={"url": f"{url}/hook", "events": ["ReviewScored", "CampaignApproved"],
                                              "secret": SECRET})
        assert r.status_code == 201, r.text
        wid = r.json()["id"]
        cid = (await food.post("/campaigns", json=body("wh-1"))).json()["campaign_id"]

        async def items():
            return (await ops.get(f"/webhooks/{wid}/deliveries")).json()["items"]

        # receiver down, limit 3: dead, visible, then re-driven once it is back
        async with delivering(api.pool, WebhookRule(first_retry_seconds=0.1, max_interval_seconds=0.2,
                                                    max_attempts=3)):
            async def dead():
                return [i["status"] for i in await items()] == ["dead"]
            await wait_until(dead, what="the delivery to die")
        assert (await items())[0]["attempts"] == 3 and receiver.refused == 3
        receiver.up = True
        assert (await ops.post(f"/webhooks/{wid}/redrive")).json() == {"redriven": 1}
        async with delivering(api.pool, WebhookRule(first_retry_seconds=0.1, max_interval_seconds=0.2)):
            async def delivered():
                return [i["status"] for i in await items()] == ["delivered"]
            await wait_until(delivered, what="the re-driven delivery")
        headers, raw = receiver.got[0]
        payload = json.loads(raw)
        assert payload["type"] == "ReviewScored" and payload["campaign_id"] == cid
        assert headers["x-promoflow-event-id"] == payload["event_id"] == f"{cid}:2"
        assert verify(SECRET, headers, raw)  # HMAC of "<timestamp>.<body>"
        assert abs(int(headers["x-promoflow-timestamp"]) - time.time()) < 300
        assert not verify(SECRET, {**headers, "x-promoflow-timestamp": str(int(time.time()) + 1)}, raw)

        # receiver down while the event happens: retried, delivered once it is back
        receiver.up = False
        assert (await jun.post(f"/campaigns/{cid}/approve", json={})).status_code == 200
        async with delivering(api.pool, WebhookRule(first_retry_seconds=0.1, max_interval_seconds=0.2,
                                                    max_attempts=100)):
            async def retried():
                rows = await items()
                return len(rows) == 2 and rows[1]["attempts"] >= 2
            await wait_until(retried, what="retries while the receiver is down")
            receiver.up = True

            async def both():
                return [i["status"] for i in await items()] == ["delivered", "delivered"]
            await wait_until(both, what="delivery once the receiver is back")
        assert json.loads(receiver.got[-1][1])["type"] == "CampaignApproved"
        assert len(receiver.got) == 2

        # listed without the secret; deleted: nothing more is delivered to it, 404 afterwards
        listed = (await ops.get("/webhooks")).json()
        assert [(w["id"], w["pending"], w["dead"]) for w in listed["items"]] == [(late, 0, 0), (wid, 0, 0)]
        assert all("secret" not in w and w["created_by"] == "yan.ops" for w in listed["items"])
        assert (await food.get("/webhooks")).status_code == 403
        assert await api.pool.fetchval("SELECT count(*) FROM webhook_secrets WHERE subscription_id = $1", wid) == 1
        assert (await ops.delete(f"/webhooks/{wid}")).status_code == 204
        assert await api.pool.fetchval("SELECT count(*) FROM webhook_secrets WHERE subscription_id = $1", wid) == 0
        assert (await ops.delete(f"/webhooks/{wid}")).status_code == 404
        assert (await ops.get(f"/webhooks/{wid}/deliveries")).status_code == 404
        assert [w["id"] for w in (await ops.get("/webhooks")).json()["items"]] == [late]
        cid2 = (await food.post("/campaigns", json=body("wh-2"))).json()["campaign_id"]
        await wait_until(lambda: _scored(ops, cid2), what="the second campaign scored")
        assert await api.pool.fetchval("SELECT count(*) FROM webhook_deliveries WHERE campaign_id = $1", cid2) == 0


async def _scored(http, cid: str) -> bool:
    return (await http.get(f"/campaigns/{cid}")).json()["status"] != "submitted"


def _app(dev_env, pool, **settings):
    from api.app import Deps, create_app
    from api.auth import TokenBook
    from infra.settings import Settings
    from tests.api.conftest import TOKENS

    app = create_app(Deps(Settings(**settings), dev_env.client, pool, TokenBook(TOKENS)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                             headers={"Authorization": "Bearer yan.ops"})


async def test_a_url_httpx_cannot_send_to_is_refused_at_subscription(dev_env, pool):
    async with _app(dev_env, pool, secret_key=SECRET_KEY, webhook_allow="127.0.0.1,hooks.test:8443") as ops:
        for url in ("http://127.0.0.1:abc/", "http://127.0.0.1:99999/", "http://u:p@127.0.0.1/"):
            r = await ops.post("/webhooks", json={"url": url, "events": ["ReviewScored"], "secret": SECRET})
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (url, r.text)
        r = await ops.post("/webhooks", json={"url": "https://hooks.test/x", "events": ["ReviewScored"],
                                              "secret": SECRET})
        assert r.status_code == 422 and r.json()["error"]["code"] == "url_not_allowed"  # only on 8443
        r = await ops.post("/webhooks", json={"url": "https://hooks.test:8443/x", "events": ["ReviewScored"],
                                              "secret": SECRET})
        assert r.status_code == 201, r.text
        assert [w["url"] for w in (await ops.get("/webhooks")).json()["items"]] == ["https://hooks.test:8443/x"]


async def test_secrets_are_sealed_at_rest_never_returned_and_never_in_an_event(dev_env, pool):
    async with _app(dev_env, pool, secret_key=SECRET_KEY) as ops:
        r = await ops.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["ReviewScored"],
                                              "secret": SECRET})
        assert r.status_code == 201 and SECRET not in r.text
        wid = r.json()["id"]
        assert SECRET not in (await ops.get("/webhooks")).text
        assert SECRET not in (await ops.get(f"/webhooks/{wid}/deliveries")).text
    assert await pool.fetchval("SELECT secret FROM webhook_subscriptions WHERE id = $1", wid) is None
    sealed = await pool.fetchval("SELECT secret_enc FROM webhook_secrets WHERE subscription_id = $1", wid)
    assert SECRET not in sealed and SecretBox(SECRET_KEY).open(sealed) == SECRET
    assert await pool.fetchval("SELECT count(*) FROM events WHERE data::text LIKE $1", f"%{SECRET}%") == 0


async def test_without_a_secret_key_subscribing_is_503_naming_the_variable(dev_env, pool):
    async with _app(dev_env, pool, secret_key=None) as ops:
        r = await ops.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["ReviewScored"],
                                              "secret": SECRET})
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "not_configured" and "PROMOFLOW_SECRET_KEY" in r.json()["error"]["message"]
        assert (await ops.get("/webhooks")).json()["items"] == []


async def test_subscribing_and_deleting_are_events_and_a_rebuild_gives_the_table_back(dev_env, pool):
    from store.projections import rebuild

    async with _app(dev_env, pool, secret_key=SECRET_KEY, webhook_allow="127.0.0.1") as ops:
        kept = (await ops.post("/webhooks", json={"url": "http://127.0.0.1:9/a", "events": ["PolicyOverridden"],
                                                  "secret": SECRET})).json()["id"]
        gone = (await ops.post("/webhooks", json={"url": "http://127.0.0.1:9/b", "events": ["ReviewScored"],
                                                  "secret": SECRET})).json()["id"]
        assert (await ops.delete(f"/webhooks/{gone}")).status_code == 204
        assert (await ops.delete(f"/webhooks/{gone}")).status_code == 404
        rows = await pool.fetch("SELECT seq, type, actor, data FROM events WHERE campaign_id = $1 ORDER BY seq",
                                f"webhook-{gone}")
        assert [(r["seq"], r["type"], r["actor"]) for r in rows] == [
            (1, "WebhookSubscribed", "yan.ops"), (2, "WebhookUnsubscribed", "yan.ops")]
        assert rows[0]["data"]["url"] == "http://127.0.0.1:9/b" and rows[0]["data"]["events"] == ["ReviewScored"]
        assert await pool.fetchval("SELECT count(*) FROM webhook_secrets WHERE subscription_id = $1", gone) == 0
        listed = (await ops.get("/webhooks")).json()
        assert [w["id"] for w in listed["items"]] == [kept]
        await pool.execute("TRUNCATE webhook_subscriptions")
        assert (await ops.get("/webhooks")).json()["items"] == []
        await rebuild(pool)
        assert (await ops.get("/webhooks")).json() == listed
    sealed = await pool.fetchval("SELECT secret_enc FROM webhook_secrets WHERE subscription_id = $1", kept)
    assert SecretBox(SECRET_KEY).open(sealed) == SECRET  # outside the log, untouched by the rebuild

"""Identity over real HTTP with single sign-on (shared/API.md "Who did it"): an SSO
principal is `<issuer>|<sub>`, its `preferred_username` only what people read. Two people
with one name are two people (a delegation to one lets only that one decide, and shows in
only that one's inbox and list; a delegation naming the shared name is nobody's; each
carries its own line for separation of duties); a changed name keeps the delegation; and
"my own delegation" (list, revoke, self-delegation) is by identity."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from domain.dates import local_date
from domain.policy import Policy
from tests.api.test_approvals import S_EXTRA, _submit
from tests.api.test_oidc import ISSUER, sso_api


def _client(url: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def test_two_sso_principals_with_one_name_are_two_people_and_a_new_name_keeps_the_delegation(dev_env, pool):
    today = str(local_date(Policy.for_year(2027), datetime.now(UTC)))
    async with sso_api(dev_env, pool) as (issuer, url):
        def sam(sub: str, name: str = "sam", line: str | None = None) -> str:
            return issuer.token(sub=sub, preferred_username=name, promoflow_role="approver", business_line=line)

        async with _client(url, "lin.food") as food, _client(url, "wei.leader") as wei, \
                _client(url, "yan.ops") as ops, _client(url, sam("u-sam-1")) as sam1, \
                _client(url, sam("u-sam-2")) as sam2, _client(url, sam("u-sam-3", line="food")) as sam_food:
            cid = await _submit(food, "id-s", tier=None, month="2027-06", **S_EXTRA)  # an S: a leader's decision

            # a delegation naming "sam" (no principal of the tokens file) is nobody's: not by name
            r = await wei.post("/delegations", json={"to": "sam", "from": today, "until": today})
            assert r.status_code == 201, r.text
            for who in (sam1, sam2):
                r = await who.post(f"/campaigns/{cid}/approve", json={})
                assert r.status_code == 403, r.text
                assert (await who.get("/inbox")).json()["items"] == []

            # to sam 1 by identity: sam 1 may, sam 2 (same name, another sub) still may not
            for sub in ("u-sam-1", "u-sam-3"):
                r = await wei.post("/delegations", json={"to": f"{ISSUER}|{sub}", "from": today, "until": today})
                assert r.status_code == 201 and r.json()["to"] == f"{ISSUER}|{sub}", r.text
                assert r.json()["from_id"] == "wei.leader" and r.json()["active"] is True
            assert [(i["campaign_id"], i["on_behalf_of"]) for i in (await sam1.get("/inbox")).json()["items"]] == [
                (cid, "wei.leader")]
            assert (await sam2.get("/inbox")).json()["items"] == []
            assert [x["to"] for x in (await sam2.get("/delegations")).json()["items"]] == []
            r = await sam2.post(f"/campaigns/{cid}/approve", json={})
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
            # the "sam" of food holds a delegation too, but decides no campaign of its own line
            r = await sam_food.post(f"/campaigns/{cid}/approve", json={})
            assert r.status_code == 403 and r.json()["error"]["code"] == "separation_of_duties", r.text

            # sam 1's name changes between two tokens: the same person, the same delegation
            async with _client(url, sam("u-sam-1", name="samuel")) as samuel:
                listed = (await samuel.get("/delegations")).json()["items"]
                assert [x["to"] for x in listed] == [f"{ISSUER}|u-sam-1"]
                r = await samuel.post(f"/campaigns/{cid}/approve", json={"comment": "for wei"})
                assert r.status_code == 200 and r.json()["tier"] == "S", r.text
            approved = next(e for e in (await ops.get(f"/campaigns/{cid}/events")).json()
                            if e["type"] == "CampaignApproved")
            assert approved["actor"] == "samuel"  # answers and events keep the display name
            assert approved["data"]["actor_id"] == f"{ISSUER}|u-sam-1"
            assert approved["data"]["on_behalf_of"] == "wei.leader"
            assert approved["data"]["on_behalf_of_id"] == "wei.leader"


async def test_my_own_delegations_are_those_of_my_identity_not_of_my_name(dev_env, pool):
    today = str(local_date(Policy.for_year(2027), datetime.now(UTC)))
    async with sso_api(dev_env, pool) as (issuer, url):
        # SSO leaders who carry the names of principals of the tokens file
        fake_wei = issuer.token(sub="u-w", preferred_username="wei.leader", promoflow_role="leader",
                                business_line=None)
        sso_jun = issuer.token(sub="u-j", preferred_username="jun.approver", promoflow_role="leader",
                               business_line=None)
        async with _client(url, "wei.leader") as wei, _client(url, fake_wei) as other_wei, \
                _client(url, sso_jun) as other_jun:
            r = await wei.post("/delegations", json={"to": "jun.approver", "from": today, "until": today})
            assert r.status_code == 201, r.text
            did = r.json()["id"]
            # not theirs to list or revoke
            assert (await other_wei.get("/delegations")).json()["items"] == []
            r = await other_wei.delete(f"/delegations/{did}")
            assert r.status_code == 403, r.text
            # jun.approver of the tokens file is someone else than the SSO leader of that name ...
            r = await other_jun.post("/delegations", json={"to": "jun.approver", "from": today, "until": today})
            assert r.status_code == 201 and r.json()["from_name"] == "jun.approver", r.text
            assert r.json()["from_id"] == f"{ISSUER}|u-j"
            # ... while the SSO leader's own identity is themselves
            r = await other_jun.post("/delegations", json={"to": f"{ISSUER}|u-j", "from": today, "until": today})
            assert r.status_code == 422 and "themselves" in r.json()["error"]["message"], r.text
            assert (await wei.delete(f"/delegations/{did}")).status_code == 204

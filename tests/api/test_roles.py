"""Role x route matrix: who may call what (shared/API.md "Who may call")."""

from __future__ import annotations

import pytest

from tests.api.conftest import body
from tests.conftest import wait_until

NOPE = "campaign-food-does-not-exist"
# principal -> short name
WHO = {"owner": "lin.food", "other_line": "mei.apparel", "approver": "jun.approver", "leader": "wei.leader",
       "ops": "yan.ops"}


def routes(cid: str):
    """(name, method, path, json, who may) - paths on a real campaign for reads and
    ownership; decisions target a missing campaign so an allowed call changes nothing."""
    return [
        ("submit", "POST", "/campaigns", body("roles-x"), {"owner"}),
        ("get", "GET", f"/campaigns/{cid}", None, {"owner", "approver", "leader", "ops"}),
        ("list", "GET", "/campaigns", None, {"owner", "other_line", "approver", "leader", "ops"}),
        ("events", "GET", f"/campaigns/{cid}/events", None, {"owner", "approver", "leader", "ops"}),
        ("approve", "POST", f"/campaigns/{NOPE}/approve", {}, {"approver", "leader"}),
        ("downgrade", "POST", f"/campaigns/{NOPE}/downgrade", {"to_tier": "C", "reason": "r"}, {"approver", "leader"}),
        ("reject", "POST", f"/campaigns/{NOPE}/reject", {"reason": "r"}, {"approver", "leader"}),
        ("choose-month own", "POST", f"/campaigns/{cid}/choose-month", {"month": "2027-04"}, {"owner"}),
        ("cancel other", "POST", f"/campaigns/{NOPE}/cancel", {"reason": "r"}, {"owner", "other_line", "ops"}),
        ("cancel real", "POST", f"/campaigns/{cid}/cancel", {"reason": "r"}, {"owner", "ops"}),
        ("calendar", "GET", "/calendar/2027", None, {"owner", "other_line", "approver", "leader", "ops"}),
        ("calendar page", "GET", "/calendar/2027.html", None, {"owner", "other_line", "approver", "leader", "ops"}),
        ("bookings", "GET", "/bookings", None, {"approver", "leader", "ops"}),
        ("milestones of one", "GET", f"/campaigns/{cid}/milestones", None, {"owner", "approver", "leader", "ops"}),
        ("milestone done", "POST", f"/campaigns/{NOPE}/milestones/setup/done", {}, {"owner", "other_line", "ops"}),
        ("milestones", "GET", "/milestones", None, {"approver", "leader", "ops"}),
        ("team load", "GET", "/teams/load?year=2027", None, {"approver", "leader", "ops"}),
        ("ics", "GET", "/calendar/2027.ics", None, {"owner", "other_line", "approver", "leader", "ops"}),
        ("csv", "GET", "/campaigns.csv", None, {"owner", "other_line", "approver", "leader", "ops"}),
        # reference data: an allowed change here is refused by its content (422/404), so nothing changes
        ("policy", "GET", "/policy/2027", None, {"owner", "other_line", "approver", "leader", "ops"}),
        ("policy history", "GET", "/policy/2027/history", None, {"owner", "other_line", "approver", "leader", "ops"}),
        ("policy change", "PATCH", "/policy/2027", {"changes": {"no_such_key": 1}, "reason": "r"}, {"leader", "ops"}),
        ("business lines", "GET", "/business-lines", None, {"owner", "other_line", "approver", "leader", "ops"}),
        ("business line change", "PATCH", "/business-lines/no_such_line",
         {"changes": {"strategic_weight": 0.5}, "reason": "r"}, {"ops"}),
    ]


async def test_role_route_matrix(api):
    async with api.as_("lin.food") as food:
        cid = (await food.post("/campaigns", json=body("roles-1"))).json()["campaign_id"]

        async def in_review():
            return (await food.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
        await wait_until(in_review, what="in review")

    failures = []
    for name, method, path, payload, allowed in routes(cid):
        for who, principal in WHO.items():
            if name == "cancel real" and who in allowed:
                continue  # allowed cancels would end the campaign: checked elsewhere
            async with api.as_(principal) as http:
                r = await http.request(method, path, json=payload)
            denied = r.status_code in (401, 403)
            if (who in allowed) == denied:
                failures.append(f"{name} as {who}: {r.status_code} {r.text[:120]}")
            if denied:
                assert r.json()["error"]["code"] in ("forbidden", "separation_of_duties"), r.text
        for token in (None, "not-a-token"):
            async with api.as_(token) as http:
                r = await http.request(method, path, json=payload)
            if r.status_code != 401:
                failures.append(f"{name} with token {token!r}: {r.status_code}")
            else:
                assert r.json()["error"]["code"] == "unauthenticated"
    assert not failures, "\n".join(failures)
    # Nothing was decided or cancelled along the way.
    async with api.as_("yan.ops") as ops:
        assert (await ops.get(f"/campaigns/{cid}")).json()["status"] == "in_review"


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer x y", "token lin.food", "lin.food"])
async def test_malformed_authorization_is_401(api, header):
    async with api.as_(None) as http:
        r = await http.get("/campaigns", headers={"Authorization": header})
    assert r.status_code == 401


async def test_a_business_line_sees_only_its_own_campaigns(api):
    async with api.as_("lin.food") as food, api.as_("mei.apparel") as apparel:
        f = (await food.post("/campaigns", json=body("own-1"))).json()["campaign_id"]
        a = (await apparel.post("/campaigns", json=body("own-2", line="apparel"))).json()["campaign_id"]

        async def both_listed():
            return (await food.get("/campaigns")).json()["total"] == 1 and \
                (await apparel.get("/campaigns")).json()["total"] == 1
        await wait_until(both_listed, what="read model")
        assert [i["campaign_id"] for i in (await food.get("/campaigns")).json()["items"]] == [f]
        assert (await food.get("/campaigns", params={"business_line": "apparel"})).status_code == 403
        assert (await food.get(f"/campaigns/{a}")).status_code == 403
        assert (await food.get(f"/campaigns/{a}/events")).status_code == 403
        r = await food.post("/campaigns", json=body("own-3", line="apparel"))
        assert r.status_code == 403

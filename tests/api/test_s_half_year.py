"""S per half-year on the live path (DOMAIN.md Tiers: "twice a year: one in each half; three
times: add one in the second half"; policy `s_per_half`): an S approved into a half already
at its cap is 409 `s_half_year` and changes nothing, unless a leader approves it with
`s_half_override: true` and a reason, which the approval records."""

from __future__ import annotations

from tests.api.conftest import A_EXTRA, body
from tests.conftest import wait_until


async def _in_review(http, cid: str) -> None:
    async def ready() -> bool:
        return (await http.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
    await wait_until(ready, timeout=30, what=f"{cid} in review")


async def test_a_second_s_in_the_first_half_is_409_unless_a_leader_overrides_with_a_reason(api):
    async with api.as_("lin.food") as food, api.as_("mei.apparel") as apparel, \
            api.as_("wei.leader") as leader, api.as_("jun.approver") as approver:
        first = (await food.post("/campaigns", json=body("sh-1", tier="S", month="2027-05", **A_EXTRA))).json()
        second = (await apparel.post("/campaigns", json=body("sh-2", tier="S", month="2027-06", line="apparel",
                                                             **A_EXTRA))).json()
        for cid, http in ((first["campaign_id"], food), (second["campaign_id"], apparel)):
            await _in_review(http, cid)
        r = await leader.post(f"/campaigns/{first['campaign_id']}/approve", json={})
        assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text

        cid = second["campaign_id"]
        before = len((await leader.get(f"/campaigns/{cid}/events")).json())
        r = await leader.post(f"/campaigns/{cid}/approve", json={})
        assert r.status_code == 409, r.text
        err = r.json()["error"]
        assert err["code"] == "s_half_year" and "first half of 2027 already holds 1 S campaign" in err["message"]
        assert (await leader.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
        assert len((await leader.get(f"/campaigns/{cid}/events")).json()) == before  # nothing recorded

        # the override: a leader's, with a reason
        r = await approver.post(f"/campaigns/{cid}/approve", json={"s_half_override": True, "reason": "x"})
        assert r.status_code == 403, r.text
        r = await leader.post(f"/campaigns/{cid}/approve", json={"s_half_override": True})
        assert r.status_code == 422 and "reason" in r.json()["error"]["message"], r.text
        r = await leader.post(f"/campaigns/{cid}/approve",
                              json={"s_half_override": True, "reason": "618 and Mother's Day this year"})
        assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text
        approved = [e for e in (await leader.get(f"/campaigns/{cid}/events")).json() if e["type"] == "CampaignApproved"]
        assert approved and approved[0]["reason"].startswith("s_half_override: 618 and Mother's Day this year")

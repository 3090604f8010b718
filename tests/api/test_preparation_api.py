"""Preparation, people and exports over real HTTP (API -> dev server -> worker -> PostgreSQL):
milestones of a campaign and marking one done, the ops list, team load, the iCalendar and
the spreadsheet exports parsed back with their own libraries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
from icalendar import Calendar

from tests.api.conftest import body
from tests.conftest import wait_until

AWKWARD = 'Snacks, "big" sale; 新年 =SUM(A1)'


async def _scheduled_b(food, approver, request_id: str, name: str | None = None, line: str = "food") -> dict:
    extra = {"name": name} if name else {}
    r = await food.post("/campaigns", json=body(request_id, line=line, **extra))
    assert r.status_code == 201, r.text
    cid = r.json()["campaign_id"]

    async def in_review():
        return (await food.get(f"/campaigns/{cid}")).json()["status"] == "in_review"
    await wait_until(in_review, what="in review")
    st = (await approver.post(f"/campaigns/{cid}/approve", json={})).json()
    assert st["status"] == "scheduled", st
    return st


async def test_milestones_of_a_campaign_done_by_the_owner_and_the_ops_views(api):
    async with (api.as_("lin.food") as food, api.as_("jun.approver") as approver, api.as_("yan.ops") as ops,
                api.as_("mei.apparel") as apparel):
        st = await _scheduled_b(food, approver, "prep-1")
        cid, burst = st["campaign_id"], date.fromisoformat(st["burst_start"])
        assert [m["key"] for m in st["milestones"]] == ["creative", "setup"]

        items = (await approver.get(f"/campaigns/{cid}/milestones")).json()["items"]
        assert [(i["key"], i["team"], i["due"], i["status"]) for i in items] == [
            ("creative", "design", (burst - timedelta(days=7)).isoformat(), "open"),
            ("setup", "operations", (burst - timedelta(days=1)).isoformat(), "open")]
        assert (await apparel.get(f"/campaigns/{cid}/milestones")).status_code == 403

        r = await food.post(f"/campaigns/{cid}/milestones/creative/done", json={"comment": "key visual approved"})
        assert r.status_code == 200, r.text
        done = next(i for i in r.json()["items"] if i["key"] == "creative")
        assert done["status"] == "done" and done["done_by"] == "lin.food" and done["done_at"]
        again = await ops.post(f"/campaigns/{cid}/milestones/creative/done", json={})
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
        assert (await apparel.post(f"/campaigns/{cid}/milestones/setup/done", json={})).status_code == 403
        assert (await approver.post(f"/campaigns/{cid}/milestones/setup/done", json={})).status_code == 403
        assert (await ops.post(f"/campaigns/{cid}/milestones/nope/done", json={})).status_code == 404
        assert (await ops.post("/campaigns/campaign-food-none/milestones/setup/done", json={})).status_code == 404

        async def listed():
            items = (await ops.get("/milestones")).json()["items"]
            return [(i["campaign_id"], i["key"]) for i in items] == [(cid, "setup")]
        await wait_until(listed, what="the ops list to show the open milestone only")
        assert (await ops.get("/milestones", params={"team": "design"})).json()["items"] == []
        assert (await ops.get("/milestones", params={"status": "overdue"})).json()["items"] == []
        assert (await ops.get("/milestones", params={"due_before": burst.isoformat()})).json()["items"]
        assert (await ops.get("/milestones", params={"status": "done"})).status_code == 422
        assert (await food.get("/milestones")).status_code == 403

        load = (await ops.get("/teams/load", params={"year": 2027})).json()["items"]
        assert len(load) == 4 * 52
        week = f"{burst.isocalendar()[0]}-W{burst.isocalendar()[1]:02d}"
        cs = next(i for i in load if i["team"] == "customer_service" and i["week"] == week)
        assert cs == {"team": "customer_service", "week": week, "capacity": 60, "demand": 4, "campaigns": [cid]}
        assert (await food.get("/teams/load", params={"year": 2027})).status_code == 403

        # the calendar page draws the same load under the year grid, and the milestones due soon
        page = (await ops.get("/calendar/2027.html")).text
        assert page.count('<div class="trow" data-team=') == 4
        cell = re.search(rf'data-week="{week}" title="customer service · {week} \([^)]*\)\n'
                         r'demand 4 of capacity 60 people-days \(6%\)\ncampaigns: ([^"]*)">4<', page)
        assert cell and cell.group(1) == st["name"], page[page.find('data-team="customer_service"'):][:600]
        assert 'id="milestones"' in page


async def test_ics_and_spreadsheet_exports_parse_back(api):
    async with (api.as_("lin.food") as food, api.as_("jun.approver") as approver, api.as_("yan.ops") as ops,
                api.as_("mei.apparel") as apparel):
        st = await _scheduled_b(food, approver, "prep-2", name=AWKWARD)
        cid = st["campaign_id"]
        other = (await _scheduled_b(apparel, approver, "prep-3", line="apparel"))["campaign_id"]

        async def projected():
            last = [(await ops.get(f"/campaigns/{c}/events")).json()[-1]["type"] for c in (cid, other)]
            return last == ["MilestonesPlanned"] * 2
        await wait_until(projected, what="milestones recorded")

        def uids(c: str) -> set[str]:
            return {f"{c}.warmup@promoflow", f"{c}.burst@promoflow", f"{c}.milestone.creative@promoflow",
                    f"{c}.milestone.setup@promoflow"}

        r = await ops.get("/calendar/2027.ics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
        cal = Calendar.from_ical(r.content)
        events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
        assert set(events) == uids(cid) | uids(other)
        burst = events[f"{cid}.burst@promoflow"]
        assert burst.decoded("DTSTART") == date.fromisoformat(st["burst_start"])
        assert AWKWARD in str(burst["SUMMARY"])
        assert events[f"{cid}.milestone.setup@promoflow"].decoded("DTSTART") == \
            date.fromisoformat(st["burst_start"]) - timedelta(days=1)
        assert (await ops.get("/calendar/2027.ics")).content == r.content  # stable: a re-import updates

        design = Calendar.from_ical((await ops.get("/calendar/2027.ics", params={"team": "design"})).content)
        assert {str(e["UID"]) for e in design.walk("VEVENT")} == {
            f"{cid}.milestone.creative@promoflow", f"{other}.milestone.creative@promoflow"}
        ops_cal = Calendar.from_ical((await ops.get("/calendar/2027.ics", params={"team": "operations"})).content)
        assert {str(e["UID"]) for e in ops_cal.walk("VEVENT")} == {
            f"{c}.{k}@promoflow" for c in (cid, other) for k in ("burst", "milestone.setup")}

        # a business line gets its own campaigns only: their phases and milestones
        for http, own in ((food, cid), (apparel, other)):
            r = await http.get("/calendar/2027.ics")
            assert r.status_code == 200, r.text
            assert {str(e["UID"]) for e in Calendar.from_ical(r.content).walk("VEVENT")} == uids(own)
        line_design = Calendar.from_ical((await food.get("/calendar/2027.ics", params={"team": "design"})).content)
        assert [str(e["UID"]) for e in line_design.walk("VEVENT")] == [f"{cid}.milestone.creative@promoflow"]
        assert (await ops.get("/calendar/2027", headers={"Accept": "application/json"})).status_code == 200

        r = await food.get("/campaigns.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
        assert [(row["campaign_id"], row["name"], row["tier"]) for row in rows] == [(cid, AWKWARD, "B")]
        assert list(rows[0])[:3] == ["campaign_id", "request_id", "name"]
        assert [row["campaign_id"] for row in csv.DictReader(io.StringIO((await apparel.get("/campaigns.csv")).text))
                ] == [other]
        assert (await apparel.get("/campaigns.csv", params={"business_line": "food"})).status_code == 403
        assert len(list(csv.DictReader(io.StringIO((await ops.get("/campaigns.csv",
                                                                  params={"tier": "B"})).text)))) == 2

        r = await food.get("/campaigns.xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        values = list(sheet.values)
        assert values[0][:3] == ("campaign_id", "request_id", "name")
        assert values[1][0] == cid and values[1][2] == AWKWARD  # text, not a formula
        assert len(values) == 2

"""The CLI reads a whole paged list (shared/API.md "Limits": at most 500 a page) a page at a
time, and splits an actuals import into calls within the API's caps (campaigns and rows)."""

from __future__ import annotations

import io

import httpx

import starter
from cli.results import _parts

ROWS = [{"campaign_id": f"c-{i}", "campaign_name": "x", "business_line": "food", "key": "k", "name": "n",
         "team": "design", "due": "2027-03-02", "status": "open"} for i in range(1_234)]


def test_milestones_reads_every_page():
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", 100))
        offset = int(request.url.params.get("offset", 0))
        calls.append((limit, offset))
        if limit > 500:
            return httpx.Response(422, json={"error": {"code": "invalid_request", "message": "limit"}})
        return httpx.Response(200, json={"items": ROWS[offset:offset + limit], "total": len(ROWS), "limit": limit,
                                         "offset": offset})

    out, err = io.StringIO(), io.StringIO()
    code = starter.main(["--token", "t", "milestones"], out=out, err=err, transport=httpx.MockTransport(handle))
    assert code == 0, err.getvalue()
    assert out.getvalue().rstrip().endswith("1234 milestones pending, 0 overdue")
    assert calls == [(500, 0), (500, 500), (500, 1000)]


def test_actuals_calls_stay_within_the_campaign_and_row_caps():
    ids = [f"c-{i}" for i in range(7)]
    rows = {"c-0": 30, "c-1": 30, "c-2": 50, "c-3": 10, "c-4": 100, "c-5": 1, "c-6": 1}
    assert _parts(ids, rows, 3, 100) == [["c-0", "c-1"], ["c-2", "c-3"], ["c-4"], ["c-5", "c-6"]]
    assert _parts(ids, rows, 2, 10_000) == [["c-0", "c-1"], ["c-2", "c-3"], ["c-4", "c-5"], ["c-6"]]

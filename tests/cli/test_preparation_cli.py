"""`starter.py milestones`, `milestone-done` and `export` against a mock transport: the
requests they send (path, filters, body), what they print or write, and the options they
refuse before sending anything (the routes themselves: tests/api/test_preparation_api.py)."""

from __future__ import annotations

import io
import json

import httpx
import pytest

import starter

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:c-1.burst@promoflow\r\nEND:VEVENT\r\n"
       "BEGIN:VEVENT\r\nUID:c-1.milestone.creative@promoflow\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
CSV = ("campaign_id,name,month\r\nc-1,\"Snacks, \"\"big\"\" sale\",2027-03\r\nc-2,Old,2026-11\r\n"
       "c-3,新年,2027-01\r\n")
PENDING = [{"campaign_id": "c-1", "campaign_name": "Snacks", "business_line": "food", "key": "creative",
            "name": "creative due", "team": "design", "due": "2027-03-02", "status": "overdue"},
           {"campaign_id": "c-1", "campaign_name": "Snacks", "business_line": "food", "key": "setup",
            "name": "site set up", "team": "operations", "due": "2027-03-08", "status": "open"}]


def _transport(seen: list):
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, dict(request.url.params), body))
        path = request.url.path
        if path == "/milestones":
            return httpx.Response(200, json={"items": PENDING})
        if path.endswith("/done"):
            if "nope" in path:
                return httpx.Response(404, json={"error": {"code": "not_found", "message": "no milestone nope"}})
            done = {**PENDING[0], "status": "done", "done_by": "lin.food", "done_at": "2027-03-01T09:00:00Z"}
            return httpx.Response(200, json={"items": [done, {**PENDING[1], "done_by": None, "done_at": None}]})
        if path.endswith(".ics"):
            return httpx.Response(200, content=ICS.encode(), headers={"content-type": "text/calendar"})
        if path == "/campaigns.csv":
            return httpx.Response(200, content=CSV.encode(), headers={"content-type": "text/csv"})
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path}})
    return httpx.MockTransport(handle)


def _run(*argv: str, seen: list | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = starter.main(["--token", "t", *argv], out=out, err=err, transport=_transport([] if seen is None else seen))
    return code, out.getvalue(), err.getvalue()


def test_milestones_lists_with_filters_and_done_marks_one():
    seen: list = []
    code, out, _ = _run("milestones", "--team", "design", "--status", "overdue", "--due-before", "2027-04-01",
                        seen=seen)
    assert code == 0
    assert seen == [("GET", "/milestones", {"team": "design", "status": "overdue", "due_before": "2027-04-01",
                                            "limit": "500", "offset": "0"}, None)]
    assert "2027-03-02  overdue  design" in out and "creative due" in out
    assert out.rstrip().endswith("2 milestones pending, 1 overdue")

    seen.clear()
    code, out, _ = _run("milestone-done", "c-1", "creative", "--comment", "key visual approved", seen=seen)
    assert code == 0
    assert seen == [("POST", "/campaigns/c-1/milestones/creative/done", {}, {"comment": "key visual approved"})]
    assert out.splitlines()[0] == "* 2027-03-02  done     creative (design): creative due by lin.food at " \
                                  "2027-03-01T09:00:00Z"
    code, _, err = _run("milestone-done", "c-1", "nope")
    assert code == 1 and err.strip() == "error not_found: no milestone nope"


def test_export_ics_and_csv_to_stdout_or_a_file(tmp_path):
    seen: list = []
    code, out, _ = _run("export", "ics", "2027", "--team", "design", seen=seen)
    assert code == 0 and out == ICS
    assert seen == [("GET", "/calendar/2027.ics", {"team": "design"}, None)]

    target = tmp_path / "cal.ics"
    code, out, _ = _run("export", "ics", "2027", "--out", str(target))
    assert code == 0 and target.read_bytes() == ICS.encode() and out == f"wrote 2 events to {target}\n"

    seen.clear()
    target = tmp_path / "c.csv"
    code, out, _ = _run("export", "csv", "2027", "--tier", "B", "--out", str(target), seen=seen)
    assert code == 0 and out == f"wrote 2 campaigns to {target}\n"
    assert seen == [("GET", "/campaigns.csv", {"tier": "B"}, None)]
    assert target.read_bytes().decode("utf-8") == ("campaign_id,name,month\r\nc-1,\"Snacks, \"\"big\"\" sale\",2027-03"
                                                  "\r\nc-3,新年,2027-01\r\n")  # the year's months only
    code, out, _ = _run("export", "csv")
    assert code == 0 and out == CSV


@pytest.mark.parametrize(("argv", "message"), [
    (("export", "ics"), "export ics needs YEAR"),
    (("export", "ics", "2027", "--tier", "B"), "--tier filter the csv export"),
    (("export", "csv", "--team", "design"), "--team filters the ics export"),
    (("export", "ics", "1999"), "YEAR must be between 2000 and 2100"),
])
def test_export_refuses_options_of_the_other_format_before_sending(argv, message):
    seen: list = []
    code, _, err = _run(*argv, seen=seen)
    assert code == 1 and err.startswith("error bad_option: ") and message in err
    assert seen == []


def test_a_bad_choice_is_refused_by_the_parser():
    with pytest.raises(SystemExit) as exc:
        _run("export", "pdf", "2027")
    assert exc.value.code == 2

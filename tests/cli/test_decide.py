"""`starter.py decide --file`: a JSON or CSV file becomes one POST /decisions; one line per
item; exit 1 when any item was refused (the server is a mock transport here; the route
itself is tested in tests/api/test_approvals.py)."""

from __future__ import annotations

import io
import json

import httpx

import starter


def _transport(seen: list):
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request.url.path, body))
        results = [{"campaign_id": d["campaign_id"], "action": d["action"],
                    "status": "scheduled" if d["action"] == "approve" else "in_review",
                    "error": None if d["action"] == "approve" else {"code": "invalid_request", "message": "no tier"}}
                   for d in body["decisions"]]
        return httpx.Response(200, json={"results": results})
    return httpx.MockTransport(handle)


def test_decide_from_csv_and_json(tmp_path):
    csv_file = tmp_path / "d.csv"
    csv_file.write_text("campaign_id,action,comment,to_tier,reason\nc-1,approve,fine,,\nc-2,downgrade,,,no\n")
    seen: list = []
    out = io.StringIO()
    code = starter.main(["--token", "t", "decide", "--file", str(csv_file)], out=out, err=io.StringIO(),
                        transport=_transport(seen))
    assert code == 1
    assert seen == [("/decisions", {"decisions": [{"campaign_id": "c-1", "action": "approve", "comment": "fine"},
                                                  {"campaign_id": "c-2", "action": "downgrade", "reason": "no"}]})]
    assert "c-1: approve -> scheduled" in out.getvalue() and "1 decided, 1 refused" in out.getvalue()
    js = tmp_path / "d.json"
    js.write_text(json.dumps({"decisions": [{"campaign_id": "c-3", "action": "approve"}]}))
    assert starter.main(["--token", "t", "decide", "--file", str(js)], out=io.StringIO(), err=io.StringIO(),
                        transport=_transport(seen)) == 0
    err = io.StringIO()
    (tmp_path / "bad.json").write_text("{")
    assert starter.main(["--token", "t", "decide", "--file", str(tmp_path / "bad.json")], out=io.StringIO(),
                        err=err) == 1 and "not JSON" in err.getvalue()

"""Results over real HTTP: history import (one bad item), outcome, report ranking and page,
forecast_check against history, future-dated actuals refused, corrections keeping both
versions, `GET /campaigns/{id}` from the read model, and rebuild reproducing the tables."""

from __future__ import annotations

from datetime import date, timedelta

from store.projections import rebuild
from tests.api.conftest import A_EXTRA, body
from tests.conftest import wait_until


def phases(warmup: str, burst: str, end: str) -> list[dict]:
    return [{"phase": "warmup", "start": warmup, "end": burst}, {"phase": "burst", "start": burst, "end": end}]


def actuals(start: date, days: int, gmv: float, profit_share: float = 0.2, traffic: int = 100_000,
            orders: int = 2_000) -> list[dict]:
    return [{"date": (start + timedelta(days=i)).isoformat(), "traffic": traffic, "orders": orders, "gmv": gmv,
             "gross_profit": gmv * profit_share} for i in range(days)]


def history_item(rid: str, month: str, warmup: date, gmv: float, *, line: str = "food", tier: str = "A") -> dict:
    burst, end = warmup + timedelta(days=4), warmup + timedelta(days=7)
    item = body(rid, tier=tier, month=month, line=line, **A_EXTRA)
    item.pop("requested_tier")
    # forecast 8,000,000 x 120 x 0.03 = 28.8 M; 21 days of actuals: 7 before, 7 own, 7 after
    return {**item, "tier": tier, "phases": phases(warmup.isoformat(), burst.isoformat(), end.isoformat()),
            "actuals": actuals(warmup - timedelta(days=7), 21, gmv)}


async def test_history_outcome_report_and_forecast_check(api):
    good = history_item("h-1", "2026-09", date(2026, 9, 7), 400_000.0)
    better = history_item("h-2", "2026-10", date(2026, 10, 12), 800_000.0, line="beauty")
    bad = history_item("h-3", "2026-09", date(2026, 9, 14), 1.0)
    bad["actuals"][3]["orders"] = 10**6  # orders > traffic
    async with api.as_("yan.ops") as ops, api.as_("lin.food") as food, api.as_("jun.approver") as approver:
        r = await ops.post("/history", json={"campaigns": [good, bad, better]})
        assert r.status_code == 200, r.text
        res = r.json()["results"]
        assert [x["status"] for x in res] == ["created", "invalid", "created"]
        assert res[1]["campaign_id"] == "campaign-food-h-3" and "row 3" in res[1]["error"]["message"]
        assert (await ops.get("/campaigns/campaign-food-h-3")).status_code == 404  # nothing stored
        again = (await ops.post("/history", json={"campaigns": [good]})).json()["results"]
        assert again[0]["status"] == "exists"

        cid = res[0]["campaign_id"]
        st = await food.get(f"/campaigns/{cid}")  # no workflow: from the read model
        assert st.status_code == 200, st.text
        assert st.json()["status"] == "completed" and st.json()["tier"] == "A" and st.json()["outcome_recorded"]
        o = (await food.get(f"/campaigns/{cid}/outcome")).json()
        assert o["actual"]["sales"] == 7 * 400_000 and o["forecast"]["sales"] == 8_000_000 * 120 * 0.03
        assert abs(sum(o["contributions"].values()) - o["gap"]) < 1e-6 * abs(o["gap"])
        assert o["fatigue"] == {"before": 400_000.0, "after": 400_000.0, "ratio": 1.0}
        assert o["gross_profit_per_counted_day"] == 7 * 80_000 / 7

        # late actuals of an imported campaign: future days refused, a correction keeps both versions
        future = (date.today() + timedelta(days=3)).isoformat()
        r = await ops.post(f"/campaigns/{cid}/actuals", json={"rows": [{**actuals(date(2026, 9, 7), 1, 1.0)[0],
                                                                          "date": future}]})
        assert r.status_code == 422 and "row 0" in r.json()["error"]["message"]
        fixed = actuals(date(2026, 9, 7), 1, 500_000.0)
        r = await food.post(f"/campaigns/{cid}/actuals", json={"rows": fixed})
        assert r.status_code == 200, r.text
        assert (r.json()["corrected"], r.json()["via"]) == (1, "store")
        assert (await food.post(f"/campaigns/{cid}/actuals", json={"rows": fixed})).json()["unchanged"] == 1
        events = (await ops.get(f"/campaigns/{cid}/events")).json()
        corr = [e for e in events if e["type"] == "ActualsCorrected"][0]["data"]["corrections"][0]
        assert (corr["old"]["gmv"], corr["new"]["gmv"]) == (400_000.0, 500_000.0)
        assert (await food.get(f"/campaigns/{cid}/outcome")).json()["actual"]["sales"] == 6 * 400_000 + 500_000

        report = (await approver.get("/reports/2026")).json()
        assert [c["campaign_id"] for c in report["campaigns"]] == ["campaign-beauty-h-2", cid]
        assert [x["business_line"] for x in report["business_lines"]] == ["beauty", "food"]
        page = await approver.get("/reports/2026.html")
        assert page.status_code == 200 and page.text.count("<svg") >= 3 and "campaign-beauty-h-2" in page.text

        # forecast_check: a request 10x the line's history is optimistic, one like it is not
        hist_sales = (6 * 400_000 + 500_000)
        like = body("fc-like", tier="A", month="2027-09", revenue_target=2_500_000, gross_margin=0.3,
                    forecast={"traffic": 700_000, "avg_order_value": hist_sales / 14_000, "conversion_rate": 0.02})
        ten = body("fc-ten", tier="A", month="2027-09", revenue_target=25_000_000, gross_margin=0.3,
                   forecast={"traffic": 7_000_000, "avg_order_value": hist_sales / 14_000, "conversion_rate": 0.02})
        checks = {}
        for b in (like, ten):
            r = await food.post("/campaigns", json=b)
            assert r.status_code == 201, r.text
            cid_new = r.json()["campaign_id"]

            async def scored(c=cid_new):
                return (await food.get(f"/campaigns/{c}")).json()["status"] != "submitted"
            await wait_until(scored, what="scored")
            checks[b["request_id"]] = (await food.get(f"/campaigns/{cid_new}")).json()
        like_check, ten_check = checks["fc-like"]["forecast_check"], checks["fc-ten"]["forecast_check"]
        assert like_check["basis"] == "tier+season" and not like_check["optimistic"]
        assert like_check["ratio"] == abs(like_check["ratio"]) and 0.9 < like_check["ratio"] < 1.1
        assert ten_check["optimistic"] and 9.9 < ten_check["ratio"] < 10.1
        # the review's line figures came from recorded results (the food actuals of 2026)
        assert checks["fc-like"]["score_source"] == "results"

    tables = ("campaign_actuals", "campaign_outcomes")

    async def rows():
        return {t: [dict(r) for r in await api.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2")] for t in tables}
    live = await rows()
    await rebuild(api.pool)
    assert await rows() == live


async def test_starter_history_and_actuals_import(api, tmp_path):
    import asyncio
    import io
    import json

    from cli.main import main

    hist = tmp_path / "history.json"
    hist.write_text(json.dumps({"campaigns": [history_item("cli-1", "2026-09", date(2026, 9, 7), 100_000.0)]}))
    csv_file = tmp_path / "actuals.csv"
    lines = ["campaign_id,date,traffic,orders,gmv,gross_profit",
             "campaign-food-cli-1,2026-09-07,100000,2000,120000,24000",   # a correction
             "campaign-food-cli-1,2026-09-20,100000,2000,90000,18000",    # the last day after the end
             "campaign-food-nope,2026-09-07,1,1,1,1"]                     # no such campaign
    csv_file.write_text("\n".join(lines) + "\n")

    def run(*argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--api", api.url, "--token", "yan.ops", *argv], out=out, err=err)
        return code, out.getvalue()

    code, text = await asyncio.to_thread(run, "history", "import", str(hist), "--no-progress")
    assert code == 0 and "1 created" in text
    code, text = await asyncio.to_thread(run, "actuals", "import", str(csv_file), "--no-progress")
    assert code == 1 and "2 rows stored, 1 refused" in text and "row 4" in text and "not_found" in text
    o = await api.pool.fetchval("SELECT outcome FROM campaign_outcomes WHERE campaign_id = 'campaign-food-cli-1'")
    assert o["actual"]["sales"] == 6 * 100_000 + 120_000 and o["fatigue"]["after"] == 100_000.0 * 6 / 7 + 90_000 / 7


async def test_actuals_import_with_calls_in_flight_answers_in_file_order(api, tmp_path):
    """`actuals import` with one campaign a call and three calls in flight: every campaign's
    rows stored, the refused campaign's bad row named by its row in the file, the totals
    whole, as when the calls go one after the other."""
    import asyncio
    import io

    from cli.client import Api
    from cli.results import import_actuals

    async with api.as_("yan.ops") as ops:
        items = [history_item(f"conc-{i}", "2026-09", date(2026, 9, 7), 100_000.0) for i in range(4)]
        assert [x["status"] for x in (await ops.post("/history", json={"campaigns": items})).json()["results"]] \
            == ["created"] * 4
    lines = ["campaign_id,date,traffic,orders,gmv,gross_profit"]
    for day in (7, 8):
        for i in range(4):
            orders = 200_000 if (i, day) == (2, 8) else 2000  # row 8 of the file: orders > traffic
            lines.append(f"campaign-food-conc-{i},2026-09-{day:02d},100000,{orders},{50_000 * (i + 1)},1000")
    csv_file = tmp_path / "actuals.csv"
    csv_file.write_text("\n".join(lines) + "\n")

    def run() -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        with Api(api.url, "yan.ops") as client:
            code = import_actuals(client, str(csv_file), out, err, chunk=1, concurrency=3, progress=False)
        return code, out.getvalue()

    code, text = await asyncio.to_thread(run)
    assert code == 1, text
    assert text.splitlines() == ["row 8 (campaign-food-conc-2): orders (200000) exceed traffic (100000)",
                                 "6 rows stored, 2 refused (8 rows, 4 campaigns)"]
    got = await api.pool.fetch("SELECT campaign_id, day, gmv FROM campaign_actuals WHERE campaign_id LIKE "
                               "'campaign-food-conc-%' AND day IN ('2026-09-07', '2026-09-08') ORDER BY 1, 2")
    assert {(r["campaign_id"], r["day"].day): r["gmv"] for r in got} == {
        (f"campaign-food-conc-{i}", day): (100_000.0 if i == 2 else 50_000.0 * (i + 1))
        for i in range(4) for day in (7, 8)}


async def test_bulk_actuals_mixed_items_answer_as_one_by_one(api, monkeypatch):
    """One bulk call mixing a live workflow's item, imported campaigns' items (a correction,
    bad rows, the same campaign again), an unknown campaign and another line's campaign
    answers item by item, in order. The same call on twin campaigns with the store batch
    failing (so every item goes the one-by-one path) answers the same and stores the same."""
    from store import results

    real_batch, calls = results.record_actuals_batch, []

    async def failing_batch(*args, **kwargs):
        calls.append(len(args[1]))
        raise RuntimeError("batch broken on purpose")

    def row(day: date, gmv: float) -> dict:
        return actuals(day, 1, gmv)[0]

    answers, ids = {}, {}
    async with api.as_("yan.ops") as ops, api.as_("lin.food") as food:
        for twin in ("bulk-x", "bulk-y"):
            hist = [history_item(f"{twin}-1", "2026-09", date(2026, 9, 7), 400_000.0),
                    history_item(f"{twin}-2", "2026-10", date(2026, 10, 12), 300_000.0),
                    history_item(f"{twin}-3", "2026-09", date(2026, 9, 14), 200_000.0, line="beauty")]
            r = await ops.post("/history", json={"campaigns": hist})
            assert [x["status"] for x in r.json()["results"]] == ["created"] * 3, r.text
            c1, c2, c3 = (x["campaign_id"] for x in r.json()["results"])
            r = await food.post("/campaigns", json=body(f"{twin}-live", tier="B", month="2027-09"))
            assert r.status_code == 201, r.text
            live = r.json()["campaign_id"]

            async def scored(c=live):
                return (await food.get(f"/campaigns/{c}")).json()["status"] != "submitted"
            await wait_until(scored, what="scored")
            bad = actuals(date(2026, 10, 12), 2, 1.0)
            bad[1]["orders"] = 10**6  # orders > traffic
            items = [
                {"campaign_id": live, "rows": [row(date(2026, 9, 7), 1.0)]},  # the workflow answers: no phases yet
                {"campaign_id": c1, "rows": [row(date(2026, 9, 7), 500_000.0)]},
                {"campaign_id": c2, "rows": bad},
                {"campaign_id": "campaign-food-nope", "rows": [row(date(2026, 9, 7), 1.0)]},
                {"campaign_id": c3, "rows": [row(date(2026, 9, 14), 1.0)]},  # beauty's: not lin.food's
                {"campaign_id": c1, "rows": [row(date(2026, 9, 7), 500_000.0), row(date(2026, 9, 8), 450_000.0)]},
                {"campaign_id": c2, "rows": [row(date(2026, 10, 12), 1.0)]},
            ]
            if twin == "bulk-y":
                monkeypatch.setattr(results, "record_actuals_batch", failing_batch)
            r = await food.post("/actuals", json={"campaigns": items})
            monkeypatch.setattr(results, "record_actuals_batch", real_batch)
            assert r.status_code == 200, r.text
            answers[twin], ids[twin] = r.json()["results"], [c1, c2, c3, live]
    assert calls == [4]  # bulk-y's four items of imported food campaigns tried the batch, then went one by one

    got = answers["bulk-x"]
    assert [x["campaign_id"] for x in got] == [ids["bulk-x"][i] for i in (3, 0, 1)] + [
        "campaign-food-nope", ids["bulk-x"][2], ids["bulk-x"][0], ids["bulk-x"][1]]
    assert [x["status"] for x in got] == ["invalid", "stored", "invalid", "invalid", "invalid", "stored", "stored"]
    assert [x["error"]["code"] for x in got if x["error"]] == ["invalid_state", "invalid_actuals", "not_found",
                                                               "forbidden"]
    assert "row 1" in got[2]["error"]["message"] and "without phases" in got[0]["error"]["message"]
    assert [(x["result"]["recorded"], x["result"]["corrected"], x["result"]["unchanged"],
             x["result"]["outcome_recorded"], x["result"]["via"]) for x in got if x["result"]] == [
        (0, 1, 0, True, "store"), (0, 1, 1, True, "store"), (0, 1, 0, True, "store")]
    assert _renamed(got, "bulk-x", "bulk-y") == answers["bulk-y"]

    async def stored(twin: str) -> list:
        """The twin's log after the import and its results rows, with the twin's name taken out."""
        cids = ids[twin][:3]
        rows = [
            [dict(r) for r in await api.pool.fetch(
                "SELECT campaign_id, seq, type, data, actor, reason FROM events WHERE campaign_id = ANY($1::text[]) "
                "ORDER BY campaign_id, seq", cids)],
            [dict(r) for r in await api.pool.fetch(
                "SELECT * FROM campaign_actuals WHERE campaign_id = ANY($1::text[]) ORDER BY 1, 2", cids)],
            [{k: v for k, v in dict(r).items() if k != "name"} for r in await api.pool.fetch(
                "SELECT * FROM campaign_outcomes WHERE campaign_id = ANY($1::text[]) ORDER BY 1", cids)],
        ]
        return _renamed(rows, twin, "twin")

    assert await stored("bulk-x") == await stored("bulk-y")


def _renamed(value, old: str, new: str):
    """`value` with `old` replaced by `new` in every string in it (keys too)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {_renamed(k, old, new): _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_renamed(v, old, new) for v in value]
    return value

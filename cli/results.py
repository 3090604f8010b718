"""`history import FILE` and `actuals import FILE`: results files sent in chunks, with a
progress bar on stderr and one line per bad item or row (naming the file's row), so a
large import shows where it is and what it refused without stopping at the first error.

Actuals files: CSV with the columns campaign_id,date,traffic,orders,gmv,gross_profit, or
JSON (a list of such rows, or {"campaigns": [{"campaign_id", "rows": [...]}]}). Rows are
grouped per campaign and sent through `POST /actuals` many campaigns at a time.
History files: JSON, {"campaigns": [...]} or a list (the `POST /history` items).
"""

from __future__ import annotations

import csv
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

from cli.client import Api
from cli.errors import CliError
from cli.render import Progress

ACTUALS_COLUMNS = ("campaign_id", "date", "traffic", "orders", "gmv", "gross_profit")


def _number(v: Any, kind: type) -> Any:
    if isinstance(v, str):
        try:
            return kind(float(v)) if kind is int and float(v).is_integer() else kind(v)
        except ValueError:
            return v  # the API names the row and the field
    return v


def load_actuals(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(file row number, row) pairs; CSV row numbers count the header as row 1."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CliError("bad_file", f"cannot read {path}: {err.strerror}") from None
    if p.suffix.lower() == ".csv":
        return _csv_actuals(path, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError("bad_file", f"{path}: not JSON ({err.msg}, line {err.lineno})") from None
    if isinstance(data, dict):
        data = [{"campaign_id": c.get("campaign_id"), **r}
                for c in data.get("campaigns", []) for r in c.get("rows", [])]
    if not isinstance(data, list):
        raise CliError("bad_file", f"{path}: expected a list of rows or {{\"campaigns\": [...]}}")
    return list(enumerate(data, start=1))


def _csv_actuals(path: str | Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    """A CSV's rows by column position (a file has tens of thousands: a dict per row from
    `csv.DictReader` and a comprehension per field cost twice the reading); extra columns
    are ignored, and a short row's missing fields are empty, as with DictReader."""
    reader = csv.reader(text.splitlines())
    header = next(reader, [])
    missing = [c for c in ACTUALS_COLUMNS if c not in header]
    if missing:
        raise CliError("bad_file", f"{path}: missing columns {', '.join(missing)}")
    at = [len(header) - 1 - header[::-1].index(c) for c in ACTUALS_COLUMNS]  # the last of a repeated name
    width = max(at) + 1
    out = []
    n = 1  # the file's row, the header being row 1 (blank lines skipped and not counted, as by DictReader)
    for raw in reader:
        if not raw:
            continue
        n += 1
        if len(raw) < width:
            raw = raw + [""] * (width - len(raw))
        cid, day, traffic, orders, gmv, profit = (raw[i].strip() for i in at)
        out.append((n, {"campaign_id": cid, "date": day, "traffic": _number(traffic, int),
                        "orders": _number(orders, int), "gmv": _number(gmv, float),
                        "gross_profit": _number(profit, float)}))
    return out


def import_actuals(api: Api, path: str, out: TextIO, err: TextIO, *, chunk: int = 200,
                   progress: bool = True, concurrency: int = 2) -> int:
    """The file's rows, grouped per campaign, `chunk` campaigns a call, `concurrency` calls
    in flight (a campaign's rows are all in one call, so calls never race on a campaign);
    the answers are read in file order."""
    rows = load_actuals(path)
    by_campaign: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n, r in rows:
        by_campaign.setdefault(str(r.get("campaign_id") or ""), []).append((n, r))
    bar = Progress(len(rows), err, enabled=progress)
    ids = list(by_campaign)
    stored = refused = 0
    problems: list[str] = []

    def send(part: list[str]) -> list[dict[str, Any]]:
        body = {"campaigns": [{"campaign_id": cid, "rows": [{k: v for k, v in r.items() if k != "campaign_id"}
                                                             for _, r in by_campaign[cid]]} for cid in part]}
        return api.json("POST", "/actuals", json=body)["results"]

    parts = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as calls:
        for answers in calls.map(send, parts):  # in file order, each as soon as it and those before it are in
            for res in answers:
                numbers = [n for n, _ in by_campaign[res["campaign_id"]]]
                if res["status"] == "stored":
                    stored += len(numbers)
                else:
                    refused += len(numbers)
                    problems += _problems(res, numbers)
                bar.step(len(numbers))
    bar.finish()
    for line in problems:
        print(line, file=out)
    print(f"{stored} rows stored, {refused} refused ({len(rows)} rows, {len(ids)} campaigns)", file=out)
    return 1 if refused else 0


def _problems(res: dict[str, Any], numbers: list[int]) -> list[str]:
    """A refused item's lines: one per bad row the API named (as the file's row), else one for the item."""
    e = res["error"] or {}
    details = e.get("details") if isinstance(e.get("details"), list) else None
    named = [d for d in details or [] if isinstance(d, dict) and isinstance(d.get("row"), int)]
    if named:
        return [f"row {numbers[d['row']]} ({res['campaign_id']}): {d.get('message')}"
                for d in named if d["row"] < len(numbers)]
    where = f"row {numbers[0]}" if len(numbers) == 1 else f"rows {numbers[0]}..{numbers[-1]}"
    return [f"{where} ({res['campaign_id']}): {e.get('code')}: {e.get('message')}"]


def import_history(api: Api, path: str, out: TextIO, err: TextIO, *, chunk: int = 50, progress: bool = True) -> int:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as e:
        raise CliError("bad_file", f"cannot read {path}: {e}") from None
    items = data.get("campaigns") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise CliError("bad_file", f"{path}: expected {{\"campaigns\": [...]}} or a list of campaigns")
    bar = Progress(len(items), err, enabled=progress)
    counts = {"created": 0, "exists": 0, "invalid": 0}
    for i in range(0, len(items), chunk):
        for j, res in enumerate(api.json("POST", "/history", json={"campaigns": items[i:i + chunk]})["results"]):
            counts[res["status"]] += 1
            if res["status"] == "invalid":
                print(f"item {i + j + 1} ({res.get('request_id') or '-'}): {res['error']['message']}", file=out)
            bar.step()
    bar.finish()
    print(f"{counts['created']} created, {counts['exists']} already existed, {counts['invalid']} invalid "
          f"({len(items)} campaigns)", file=out)
    return 1 if counts["invalid"] else 0

"""`history import FILE` and `actuals import FILE`: results files sent in chunks, with a
progress bar on stderr and one line per bad item or row (naming the file's row), so a
large import shows where it is and what it refused without stopping at the first error.

Actuals files: CSV with the columns campaign_id,date,traffic,orders,gmv,gross_profit (and,
optional, promotion_cost,paid_traffic: an empty field is not stated), or JSON (a list of
such rows, or {"campaigns": [{"campaign_id", "rows": [...]}]}). Rows are
grouped per campaign and sent through `POST /actuals` many campaigns at a time.
History files: JSON, {"campaigns": [...]} or a list (the `POST /history` items).
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from pydantic_core import to_json

from cli.client import JSON, Api
from cli.errors import CliError
from cli.render import Progress

ACTUALS_COLUMNS = ("campaign_id", "date", "traffic", "orders", "gmv", "gross_profit")
MONEY_COLUMNS = ("promotion_cost", "paid_traffic")  # optional (DOMAIN.md "Money")
_EXACT = 2 ** 53  # past it `int(float(text))` rounds; such text still goes through float, as it always did

MAX_ROWS_PER_CALL = 10_000  # the policy's default actuals row cap per call (Policy.results.max_rows)


def _number(v: Any, kind: type) -> Any:
    if isinstance(v, str):
        try:
            return kind(float(v)) if kind is int and float(v).is_integer() else kind(v)
        except ValueError:
            return v  # the API names the row and the field
    return v


def _int(text: str) -> Any:
    """`_number(text, int)` of a CSV field, without the float for plain integers (most fields)."""
    try:
        n = int(text)
    except ValueError:
        return _number(text, int)
    return n if -_EXACT <= n <= _EXACT else _number(text, int)


def _float(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text  # the API names the row and the field


def _csv_day(fields: tuple[str, ...]) -> dict[str, Any]:
    """A CSV row's day as the API takes it: numbers where the text is one, else the text
    as written (the API then names the row and the field)."""
    day, traffic, orders, gmv, profit = fields
    return {"date": day.strip(), "traffic": _int(traffic.strip()), "orders": _int(orders.strip()),
            "gmv": _float(gmv.strip()), "gross_profit": _float(profit.strip())}


def _csv_money_day(fields: tuple[str, ...]) -> dict[str, Any]:
    """`_csv_day` of a file with the money columns: a field left empty is not stated."""
    day = _csv_day(fields[:5])
    cost, paid = fields[5].strip(), fields[6].strip()
    if cost:
        day["promotion_cost"] = _float(cost)
    if paid:
        day["paid_traffic"] = _float(paid)
    return day


def _json_day(row: Any) -> Any:
    """A JSON row without its campaign id (what is not an object goes as it is: the API names it)."""
    return {k: v for k, v in row.items() if k != "campaign_id"} if isinstance(row, dict) else row


# A file's rows as read: (file row number, campaign id, the row's day not yet made into
# the API's form: the CSV's five other fields as text, or the JSON row).
Read = list[tuple[int, str, Any]]


def _read_actuals(path: str | Path) -> tuple[Read, Callable[[Any], dict[str, Any]]]:
    """The file's rows, and how a row's day becomes what the API takes (done per call,
    while the calls before it are being answered)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CliError("bad_file", f"cannot read {path}: {err.strerror}") from None
    if p.suffix.lower() == ".csv":
        return _csv_rows(path, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError("bad_file", f"{path}: not JSON ({err.msg}, line {err.lineno})") from None
    if isinstance(data, dict):
        data = [{"campaign_id": c.get("campaign_id"), **r}
                for c in data.get("campaigns", []) for r in c.get("rows", [])]
    if not isinstance(data, list):
        raise CliError("bad_file", f"{path}: expected a list of rows or {{\"campaigns\": [...]}}")
    return [(n, str(r.get("campaign_id") or "") if isinstance(r, dict) else "", r)
            for n, r in enumerate(data, start=1)], _json_day


def load_actuals(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(file row number, row) pairs; CSV row numbers count the header as row 1."""
    rows, day = _read_actuals(path)
    if day is _json_day:
        return [(n, r) for n, _, r in rows]
    return [(n, {"campaign_id": cid, **day(r)}) for n, cid, r in rows]


def csv_actuals(name: str, text: str) -> list[tuple[int, dict[str, Any]]]:
    """`load_actuals` of a CSV's text (an upload; `name` for the messages): (file row number,
    row) pairs, the header being row 1; `CliError` when a column is missing."""
    rows, day = _csv_rows(name, text.removeprefix("\ufeff"))
    return [(n, {"campaign_id": cid, **day(r)}) for n, cid, r in rows]


def _csv_rows(path: str | Path, text: str) -> tuple[Read, Callable[[Any], dict[str, Any]]]:
    """A CSV's rows by column position (a file has tens of thousands: a dict per row from
    `csv.DictReader` and a comprehension per field cost twice the reading); extra columns
    are ignored, and a short row's missing fields are empty, as with DictReader. With
    either money column in the header both are read (`_csv_money_day`), else the row is
    read as before (`_csv_day`)."""
    reader = csv.reader(text.splitlines())
    header = next(reader, [])
    missing = [c for c in ACTUALS_COLUMNS if c not in header]
    if missing:
        raise CliError("bad_file", f"{path}: missing columns {', '.join(missing)}")
    money = any(c in header for c in MONEY_COLUMNS)
    if money:  # a money column the file lacks is read past the end of every row: always empty
        header = header + [c for c in MONEY_COLUMNS if c not in header]
    columns = ACTUALS_COLUMNS + MONEY_COLUMNS if money else ACTUALS_COLUMNS
    at = [len(header) - 1 - header[::-1].index(c) for c in columns]  # the last of a repeated name
    width, cid_at, fields = max(at) + 1, at[0], itemgetter(*at[1:])
    out: Read = []
    n = 1  # the file's row, the header being row 1 (blank lines skipped and not counted, as by DictReader)
    for raw in reader:
        if not raw:
            continue
        n += 1
        if len(raw) < width:
            raw += [""] * (width - len(raw))
        out.append((n, raw[cid_at].strip(), fields(raw)))
    return out, _csv_money_day if money else _csv_day


def _parts(ids: list[str], rows: dict[str, int], chunk: int, max_rows: int) -> list[list[str]]:
    """Campaigns in file order, at most `chunk` and `max_rows` rows a call (the API's caps,
    shared/API.md "Limits"); a campaign's rows stay in one call."""
    parts: list[list[str]] = []
    part: list[str] = []
    size = 0
    for cid in ids:
        if part and (len(part) >= chunk or size + rows[cid] > max_rows):
            parts.append(part)
            part, size = [], 0
        part.append(cid)
        size += rows[cid]
    if part:
        parts.append(part)
    return parts


def import_actuals(api: Api, path: str, out: TextIO, err: TextIO, *, chunk: int = 200,
                   progress: bool = True, concurrency: int = 3, max_rows: int = MAX_ROWS_PER_CALL) -> int:
    """The file's rows, grouped per campaign, `chunk` campaigns (at most `max_rows` rows) a call, `concurrency` calls
    in flight (a campaign's rows are all in one call, so calls never race on a campaign);
    the answers are read in file order. The rows become the API's form only as their
    call's body is built, so only reading the file comes before the first call."""
    rows, day = _read_actuals(path)
    by_campaign: dict[str, list[tuple[int, Any]]] = {}
    for n, cid, r in rows:
        by_campaign.setdefault(cid, []).append((n, r))
    bar = Progress(len(rows), err, enabled=progress)
    ids = list(by_campaign)
    stored = refused = 0
    problems: list[str] = []

    ahead = threading.BoundedSemaphore(2 * max(1, concurrency))  # bodies encoded and not yet answered

    def encode(part: list[str]) -> bytes:
        ahead.acquire()
        body = {"campaigns": [{"campaign_id": cid, "rows": [day(r) for _, r in by_campaign[cid]]} for cid in part]}
        return to_json(body)

    def send(body: Future[bytes]) -> list[dict[str, Any]]:
        try:
            return api.json("POST", "/actuals", content=body.result(), headers=JSON)["results"]
        finally:
            ahead.release()

    parts = _parts(ids, {cid: len(by_campaign[cid]) for cid in ids}, chunk, max_rows)
    # One thread encodes the bodies in order, ahead of the calls: a call goes out as soon as
    # the one before it on its connection is answered, not after its body is built.
    with ThreadPoolExecutor(max_workers=1) as encoder, ThreadPoolExecutor(max_workers=max(1, concurrency)) as calls:
        bodies = [encoder.submit(encode, part) for part in parts]
        for answers in calls.map(send, bodies):  # in file order, each as soon as it and those before it are in
            done = 0
            for res in answers:
                numbers = [n for n, _ in by_campaign[res["campaign_id"]]]
                done += len(numbers)
                if res["status"] == "stored":
                    stored += len(numbers)
                else:
                    refused += len(numbers)
                    problems += _problems(res, numbers)
            bar.step(done)
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

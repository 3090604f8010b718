"""Import files and submit flags -> `POST /campaigns` bodies. Pure (no HTTP), so the
bulk import, `submit --file` and `submit` with flags share one reading of a row and
the tests can check it without a server."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.errors import CliError

TIERS = ("S", "A", "B", "C")

# The flat columns of an import file (CSV header, or keys of a flat JSON object).
FORECAST_FIELDS = ("traffic", "avg_order_value", "conversion_rate")
REQUIRED = ("request_id", "name", "business_line", "category", "month", "revenue_target", "gross_margin",
            *FORECAST_FIELDS)
OPTIONAL = ("requested_tier", "burst_start", "hot_topic", "category_reason")
COLUMNS = ("request_id", "name", "business_line", "category", "requested_tier", "month", "burst_start",
           "revenue_target", "gross_margin", *FORECAST_FIELDS, "hot_topic", "category_reason")
# Money (DOMAIN.md "Money"), optional columns after those: `mechanics` in a cell is
# "type:depth:platform_share[:threshold:off]" items separated by ";" (or a JSON list)
MONEY_COLUMNS = ("mechanics", "paid_traffic", "skus", "inventory_value")
_INTS = {"traffic", "skus"}
_FLOATS = {"revenue_target", "gross_margin", "avg_order_value", "conversion_rate", "paid_traffic", "inventory_value"}
_BOOLS = {"hot_topic"}
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


class RowError(ValueError):
    """A row of an import file that cannot become a request body."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _number(name: str, value: Any, kind: type) -> int | float:
    if isinstance(value, bool):
        raise RowError(f"{name}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        number = value
    else:
        text = str(value).strip().replace("_", "").replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise RowError(f"{name}: expected a number, got {value!r}") from None
    if kind is int:
        if float(number) != int(number):
            raise RowError(f"{name}: expected a whole number, got {value!r}")
        return int(number)
    return float(number)


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowError(f"{name}: expected true or false, got {value!r}")


def _mechanics(value: Any) -> list[Any]:
    """A `mechanics` cell: a JSON list, or "type:depth:share[:threshold:off]; ..." (the API checks the values)."""
    if isinstance(value, list):
        return value
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise RowError(f"mechanics: not a JSON list: {text!r}") from None
        if not isinstance(parsed, list):
            raise RowError(f"mechanics: not a JSON list: {text!r}")
        return parsed
    out = []
    for item in (x.strip() for x in text.split(";")):
        if not item:
            continue
        parts = [x.strip() for x in item.split(":")]
        if len(parts) not in (3, 5):
            raise RowError(f"mechanics: expected type:depth:platform_share[:threshold:off], got {item!r}")
        m: dict[str, Any] = {"type": parts[0], "depth": _number("mechanics depth", parts[1], float),
                             "platform_share": _number("mechanics platform_share", parts[2], float)}
        if len(parts) == 5:
            m["threshold"] = _number("mechanics threshold", parts[3], float)
            m["off"] = _number("mechanics off", parts[4], float)
        out.append(m)
    return out


def row_to_body(row: dict[str, Any]) -> dict[str, Any]:
    """One flat row (CSV cells or a JSON object, flat or with a nested "forecast") -> a
    `POST /campaigns` body. Empty cells are omitted optional fields. Checks only what a
    client can (presence, numbers, booleans); the API validates the rest (422)."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:  # csv.DictReader puts extra cells of a long row under None
            if any(not _blank(v) for v in value):
                raise RowError(f"more cells than columns: {[v for v in value if not _blank(v)]}")
            continue
        key = key.strip()
        if key == "forecast" and isinstance(value, dict):
            for fk, fv in value.items():
                flat[fk] = fv
            continue
        if key.startswith("_"):  # comment columns, e.g. "_note"
            continue
        flat[key] = value.strip() if isinstance(value, str) else value

    problems: list[str] = []
    missing = [k for k in REQUIRED if _blank(flat.get(k))]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    body: dict[str, Any] = {}
    forecast: dict[str, Any] = {}
    for key, value in flat.items():
        if _blank(value):
            continue  # empty cell: an omitted optional field (or a missing required one, reported above)
        try:
            if key in _INTS:
                value = _number(key, value, int)
            elif key in _FLOATS:
                value = _number(key, value, float)
            elif key in _BOOLS:
                value = _boolean(key, value)
            elif key == "mechanics":
                value = _mechanics(value)
            elif key == "requested_tier":
                value = str(value).strip().upper()
                if value not in TIERS:
                    raise RowError(f"requested_tier: expected one of {'/'.join(TIERS)}, got {value!r}")
        except RowError as err:
            problems.append(str(err))
            continue
        if key in FORECAST_FIELDS:
            forecast[key] = value
        else:
            body[key] = value  # unknown keys go through: the API answers 422 if they are wrong
    if problems:
        raise RowError("; ".join(problems))
    body["forecast"] = {k: forecast[k] for k in FORECAST_FIELDS}
    return body


@dataclass
class Row:
    """One request of an import file: `body` when it parsed, `error` when it did not."""

    number: int  # 1-based position among the file's requests (CSV: the header is not counted)
    request_id: str | None
    body: dict[str, Any] | None = None
    error: str | None = None


def _row(number: int, raw: Any) -> Row:
    if not isinstance(raw, dict):
        return Row(number, None, error=f"expected an object, got {type(raw).__name__}")
    rid = raw.get("request_id")
    rid = str(rid).strip() if not _blank(rid) else None
    try:
        return Row(number, rid, body=row_to_body(raw))
    except RowError as err:
        return Row(number, rid, error=str(err))


def parse_csv(text: str) -> list[Row]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise CliError("bad_file", "the CSV file has no header row")
    headers = [h.strip() for h in reader.fieldnames if h is not None]
    if "request_id" not in headers:
        raise CliError("bad_file", f"the CSV header has no request_id column (got {', '.join(headers)})")
    rows: list[Row] = []
    for raw in reader:
        if all(_blank(v) for k, v in raw.items() if k is not None) and not raw.get(None):
            continue  # a blank line
        rows.append(_row(len(rows) + 1, raw))
    return rows


def parse_json(text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError("bad_file", f"not valid JSON: {err}") from None
    if isinstance(data, dict):
        for key in ("campaigns", "requests"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        raise CliError("bad_file", "expected a JSON list of campaign requests")
    return [_row(i, raw) for i, raw in enumerate(data, 1)]


def load_rows(path: str | Path) -> list[Row]:
    """Rows of a CSV or JSON file, by extension."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CliError("bad_file", f"cannot read {p}: {err.strerror or err}") from None
    ext = p.suffix.lower()
    if ext == ".csv":
        return parse_csv(text)
    if ext == ".json":
        return parse_json(text)
    raise CliError("bad_file", f"{p.name}: use a .csv or .json file")

#!/usr/bin/env python3
"""promoflow command-line tool for business lines and ops: talks to the HTTP API only.

    python starter.py --as lin.food submit --request-id r-1 --name "517 foodie festival" \\
        --business-line food --category food --tier A --month 2027-05 --revenue-target 3.5e7 \\
        --gross-margin 0.26 --traffic 8000000 --aov 150 --conversion 0.032
    python starter.py --as yan.ops import examples/year-2027.csv --token-per-line
    python starter.py --as yan.ops list --status in_review --month 2027-05
    python starter.py --as yan.ops show campaign-food-r-1
    python starter.py --as jun.approver approve campaign-food-r-1 --comment "fits the season"

Configuration: --api (env PROMOFLOW_API, default http://127.0.0.1:8000); --token (env
PROMOFLOW_TOKEN) or --as NAME, which picks the token of that principal from the tokens
file that `make run` writes (--tokens-file, env PROMOFLOW_DEMO_TOKENS, default
.data/tokens.json). Options may go before or after the subcommand.

Errors from the API are printed as `error <code>: <message>` and the exit code is 1.
Only the standard library and httpx are used.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TextIO

import httpx

ROOT = Path(__file__).resolve().parent
DEFAULT_API = "http://127.0.0.1:8000"
TIERS = ("S", "A", "B", "C")
STATUSES = ("submitted", "in_review", "awaiting_month_choice", "scheduled", "warmup", "burst", "encore",
            "completed", "rejected", "cancelled", "expired")

# The flat columns of an import file (CSV header, or keys of a flat JSON object).
FORECAST_FIELDS = ("traffic", "avg_order_value", "conversion_rate")
REQUIRED = ("request_id", "name", "business_line", "category", "month", "revenue_target", "gross_margin",
            *FORECAST_FIELDS)
OPTIONAL = ("requested_tier", "burst_start", "hot_topic", "category_reason")
COLUMNS = ("request_id", "name", "business_line", "category", "requested_tier", "month", "burst_start",
           "revenue_target", "gross_margin", *FORECAST_FIELDS, "hot_topic", "category_reason")
_INTS = {"traffic"}
_FLOATS = {"revenue_target", "gross_margin", "avg_order_value", "conversion_rate"}
_BOOLS = {"hot_topic"}
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}
RETRY_STATUSES = {502, 503, 504}


class CliError(Exception):
    """A failure to report as `error <code>: <message>` (exit code 1)."""

    def __init__(self, code: str, message: str, status: int | None = None, details: Any = None):
        super().__init__(message)
        self.code, self.message, self.status, self.details = code, message, status, details

    def __str__(self) -> str:
        return f"error {self.code}: {self.message}"


class RowError(ValueError):
    """A row of an import file that cannot become a request body."""


# ---------------------------------------------------------------------------- parsing
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


# ---------------------------------------------------------------------------- tokens
def default_tokens_file() -> Path:
    # The demo tokens in clear (the API itself reads only their SHA-256 digests).
    if os.environ.get("PROMOFLOW_DEMO_TOKENS"):
        return Path(os.environ["PROMOFLOW_DEMO_TOKENS"])
    return Path(os.environ.get("PROMOFLOW_DATA_DIR", ROOT / ".data")) / "tokens.json"


def load_tokens(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    try:
        entries = json.loads(p.read_text())
    except OSError:
        raise CliError("no_tokens", f"cannot read tokens file {p} (does `make run` run? or pass --tokens-file)") from None
    except json.JSONDecodeError as err:
        raise CliError("no_tokens", f"tokens file {p} is not valid JSON: {err}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CliError("no_tokens", f"tokens file {p} should hold a list of {{token, name, role, business_line}}")
    return entries


def token_for_name(entries: list[dict[str, Any]], name: str) -> str:
    for e in entries:
        if e.get("name") == name and e.get("token"):
            return e["token"]
    names = ", ".join(sorted(str(e.get("name")) for e in entries if e.get("token")))
    raise CliError("unknown_principal", f"no token for {name!r} in the tokens file (known: {names})")


def tokens_by_line(entries: list[dict[str, Any]]) -> dict[str, str]:
    """business_line -> token of a principal with role business_line (the first one listed)."""
    out: dict[str, str] = {}
    for e in entries:
        if e.get("role") == "business_line" and e.get("business_line") and e.get("token"):
            out.setdefault(e["business_line"], e["token"])
    return out


# ---------------------------------------------------------------------------- HTTP
def api_error(response: httpx.Response) -> CliError:
    try:
        err = response.json()["error"]
        return CliError(str(err.get("code") or f"http_{response.status_code}"), str(err.get("message")),
                        response.status_code, err.get("details"))
    except (ValueError, KeyError, TypeError):
        text = response.text.strip().replace("\n", " ")[:200] or response.reason_phrase
        return CliError(f"http_{response.status_code}", text, response.status_code)


class Api:
    """A thin, thread-safe client: one method per call, API errors raised as CliError."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 30.0, retries: int = 3,
                 transport: httpx.BaseTransport | None = None, max_connections: int = 10):
        self.base_url, self.token, self.retries = base_url.rstrip("/"), token, retries
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                 limits=httpx.Limits(max_connections=max_connections))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "Api":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, *, token: str | None = None, idempotent: bool = False,
                **kwargs) -> httpx.Response:
        """Send; retry connection failures and 502/503/504 when the call is idempotent."""
        token = token or self.token
        if not token:
            raise CliError("no_token", "give --token, --as NAME, or set PROMOFLOW_TOKEN")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        attempts = self.retries if idempotent else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as err:
                if attempt < attempts:
                    time.sleep(0.3 * 2 ** (attempt - 1))
                    continue
                raise CliError("connection", f"cannot reach the API at {self.base_url}: {err or type(err).__name__}") from None
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                time.sleep(0.3 * 2 ** (attempt - 1))
                continue
            return response
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, **kwargs) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise api_error(response)
        return response.json()

    def submit(self, body: dict[str, Any], token: str | None = None) -> httpx.Response:
        # safe to retry: the same request_id never starts a second campaign
        return self.request("POST", "/campaigns", json=body, token=token, idempotent=True)


# ---------------------------------------------------------------------------- output helpers
def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> None:
    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*headers).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in cells:
        print(fmt.format(*r).rstrip(), file=out)


class Progress:
    """`\\r[#####.....] 12/39` on a stream (stderr), thread-safe."""

    def __init__(self, total: int, stream: TextIO, width: int = 30, enabled: bool = True):
        self.total, self.stream, self.width, self.enabled = total, stream, width, enabled
        self.done = 0
        self.lock = threading.Lock()
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        filled = self.width * self.done // self.total if self.total else self.width
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}")
        self.stream.flush()

    def step(self) -> None:
        with self.lock:
            self.done += 1
            self._draw()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _fmt_money(v: Any) -> str:
    try:
        return f"{float(v):,.0f}"
    except (TypeError, ValueError):
        return str(v)


# ---------------------------------------------------------------------------- import
CREATED, EXISTED, FAILED = "created", "already existed", "failed"


@dataclass
class ImportResult:
    row: Row
    result: str
    campaign_id: str | None = None
    status: str | None = None
    message: str | None = None


@dataclass
class ImportSummary:
    results: list[ImportResult] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for r in self.results if r.result == result)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def existed(self) -> int:
        return self.count(EXISTED)

    @property
    def failed(self) -> int:
        return self.count(FAILED)


def import_rows(api: Api, rows: list[Row], *, token_for: Callable[[Row], str | None],
                concurrency: int = 4, progress: Progress | None = None) -> ImportSummary:
    """POST every parsed row (bounded pool); a bad row is reported and the rest go on."""

    def one(row: Row) -> ImportResult:
        try:
            if row.error is not None:
                return ImportResult(row, FAILED, message=row.error)
            assert row.body is not None
            token = token_for(row)
            response = api.submit(row.body, token=token)
            if response.status_code in (200, 201):
                data = response.json()
                return ImportResult(row, CREATED if response.status_code == 201 else EXISTED,
                                    campaign_id=data.get("campaign_id"), status=data.get("status"))
            return ImportResult(row, FAILED, message=str(api_error(response)))
        except CliError as err:
            return ImportResult(row, FAILED, message=str(err))
        except Exception as err:  # noqa: BLE001 - one row's surprise must not stop the others
            return ImportResult(row, FAILED, message=f"error client: {type(err).__name__}: {err}")
        finally:
            if progress is not None:
                progress.step()

    results: list[ImportResult] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(one, row) for row in rows]
        for f in as_completed(futures):
            results.append(f.result())
    results.sort(key=lambda r: r.row.number)
    return ImportSummary(results)


def print_summary(summary: ImportSummary, out: TextIO) -> None:
    table(("row", "request_id", "result", "campaign / error"),
          [(r.row.number, r.row.request_id or "-", r.result,
            r.campaign_id if r.result != FAILED else r.message) for r in summary.results], out)
    print(file=out)
    print(f"{summary.created} created, {summary.existed} already existed, {summary.failed} failed "
          f"({len(summary.results)} rows)", file=out)


# ---------------------------------------------------------------------------- commands
def _require_token(args) -> str | None:
    if args.token:
        return args.token
    if args.as_name:
        return token_for_name(load_tokens(args.tokens_file), args.as_name)
    return None


_SUBMIT_FLAGS = {  # field name -> flag, for client-side error messages (longest names first)
    "avg_order_value": "--aov", "conversion_rate": "--conversion", "requested_tier": "--tier",
    "revenue_target": "--revenue-target", "gross_margin": "--gross-margin", "business_line": "--business-line",
    "request_id": "--request-id", "traffic": "--traffic", "month": "--month", "name": "--name",
}


def cmd_submit(api: Api, args, out: TextIO) -> int:
    if args.file:
        rows = load_rows(args.file)
        if len(rows) != 1:
            raise CliError("bad_file", f"{args.file} holds {len(rows)} requests; use `import` for several")
        if rows[0].error:
            raise CliError("bad_request", rows[0].error)
        body = rows[0].body
    else:
        flat = {"request_id": args.request_id, "name": args.name, "business_line": args.business_line,
                "category": args.category or args.business_line, "requested_tier": args.tier, "month": args.month,
                "burst_start": args.burst_start, "revenue_target": args.revenue_target,
                "gross_margin": args.gross_margin, "traffic": args.traffic, "avg_order_value": args.aov,
                "conversion_rate": args.conversion, "hot_topic": args.hot_topic or None,
                "category_reason": args.category_reason}
        try:
            body = row_to_body(flat)
        except RowError as err:
            message = str(err)
            for name, flag in _SUBMIT_FLAGS.items():
                message = message.replace(name, flag)
            raise CliError("bad_request", message) from None
    response = api.submit(body)
    if response.status_code >= 400:
        raise api_error(response)
    data = response.json()
    print(f"{'created' if response.status_code == 201 else 'already existed'}: {data.get('campaign_id')}", file=out)
    print(f"status:   {data.get('status')}", file=out)
    print(f"location: {response.headers.get('location', '')}", file=out)
    return 0


def cmd_import(api: Api, args, out: TextIO, err: TextIO) -> int:
    rows = load_rows(args.file)
    if not rows:
        raise CliError("bad_file", f"{args.file} holds no requests")
    if args.token_per_line:
        by_line = tokens_by_line(load_tokens(args.tokens_file))

        def token_for(row: Row) -> str:
            line = (row.body or {}).get("business_line")
            if line not in by_line:
                raise CliError("no_token", f"no business-line token for {line!r} in the tokens file "
                                           f"(lines with one: {', '.join(sorted(by_line)) or 'none'})")
            return by_line[line]
    else:
        token = api.token
        if not token:
            raise CliError("no_token", "give --token, --as NAME, --token-per-line, or set PROMOFLOW_TOKEN")

        def token_for(row: Row) -> str:
            return token

    if args.dry_run:
        ok = [r for r in rows if r.error is None]
        for r in rows:
            print(json.dumps(r.body) if r.error is None else f"row {r.number} ({r.request_id}): {r.error}", file=out)
        print(f"{len(ok)} valid, {len(rows) - len(ok)} invalid (dry run: nothing sent)", file=out)
        return 0 if len(ok) == len(rows) else 1
    progress = Progress(len(rows), err, enabled=not args.no_progress)
    summary = import_rows(api, rows, token_for=token_for, concurrency=args.concurrency, progress=progress)
    progress.finish()
    print_summary(summary, out)
    return 0 if summary.failed == 0 else 1


def print_campaign(c: dict[str, Any], out: TextIO) -> None:
    tier = c.get("tier") or (f"{c.get('proposed_tier')} (proposed)" if c.get("proposed_tier") else None)
    score = f"{c['score']:.3f}" if isinstance(c.get("score"), (int, float)) else "-"
    lines = [
        f"{c.get('campaign_id')}  {c.get('name')}",
        f"  status:    {c.get('status')}" + (f"  (pending: {c['pending']})" if c.get("pending") else "")
        + ("  escalated" if c.get("escalated") else ""),
        f"  line:      {c.get('business_line')} / {c.get('category')}   owner: {c.get('owner', '-')}",
        f"  tier:      {tier or '-'}   requested: {c.get('requested_tier') or '-'}   score: {score}",
        f"  month:     {c.get('month')}   burst: {c.get('burst_start') or '-'}"
        + ("   hot topic" if c.get("hot_topic") else ""),
    ]
    if c.get("alternatives"):
        lines.append(f"  alternatives: {', '.join(c['alternatives'])}")
    for reason in c.get("reasons") or []:
        lines.append(f"  reason:    {reason}")
    if c.get("revenue_flag"):
        lines.append(f"  revenue:   {c['revenue_flag']}")
    print("\n".join(lines), file=out)
    if c.get("phases"):
        print("  phases:", file=out)
        for p in c["phases"]:
            print(f"    {p.get('phase'):<8} {p.get('start')} .. {p.get('end')}", file=out)
    if c.get("bookings"):
        print(f"  bookings ({len(c['bookings'])}):", file=out)
        for b in c["bookings"]:
            print(f"    {b.get('resource')}#{b.get('unit')} {b.get('phase')} {b.get('start')} .. {b.get('end')}", file=out)
    if c.get("shortfall"):
        print(f"  shortfall: {json.dumps(c['shortfall'])}", file=out)
    if c.get("history"):
        print("  history:", file=out)
        for h in c["history"]:
            reason = f" - {h['reason']}" if h.get("reason") else ""
            print(f"    {h.get('seq'):>3} {h.get('at')} {h.get('type')} by {h.get('actor')}{reason}", file=out)


def cmd_show(api: Api, args, out: TextIO) -> int:
    data = api.json("GET", f"/campaigns/{args.id}", idempotent=True)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False), file=out)
    else:
        print_campaign(data, out)
    return 0


def cmd_list(api: Api, args, out: TextIO) -> int:
    params = {k: v for k, v in (("status", args.status), ("tier", args.tier), ("month", args.month),
                                ("business_line", args.business_line), ("limit", args.limit),
                                ("offset", args.offset)) if v is not None}
    data = api.json("GET", "/campaigns", params=params, idempotent=True)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False), file=out)
        return 0
    items = data.get("items", [])
    table(("campaign_id", "status", "tier", "month", "line", "category", "name"),
          [(i.get("campaign_id"), i.get("status"),
            i.get("tier") or (f"({i['proposed_tier']})" if i.get("proposed_tier") else i.get("requested_tier")),
            i.get("month"), i.get("business_line"), i.get("category"), i.get("name")) for i in items], out)
    start = data.get("offset", 0)
    print(f"\n{len(items)} shown ({start + 1 if items else start}-{start + len(items)}) of {data.get('total')}", file=out)
    return 0


def _decision(path: str, body: dict[str, Any]) -> Callable[[Api, Any, TextIO], int]:
    def run(api: Api, args, out: TextIO) -> int:
        data = api.json("POST", f"/campaigns/{args.id}/{path}", json=body_of(args))
        tier = f" (tier {data['tier']})" if data.get("tier") else ""
        print(f"{data.get('campaign_id')}: {data.get('status')}{tier}", file=out)
        if data.get("alternatives"):
            print(f"  alternatives: {', '.join(data['alternatives'])}", file=out)
        return 0

    def body_of(args) -> dict[str, Any]:
        return {k: getattr(args, attr) for k, attr in body.items() if getattr(args, attr) is not None}

    return run


DECISIONS = {
    "approve": _decision("approve", {"comment": "comment"}),
    "downgrade": _decision("downgrade", {"to_tier": "to_tier", "reason": "reason"}),
    "reject": _decision("reject", {"reason": "reason"}),
    "choose-month": _decision("choose-month", {"month": "month"}),
    "cancel": _decision("cancel", {"reason": "reason"}),
}


# ---------------------------------------------------------------------------- argparse
def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    def d(value):
        return argparse.SUPPRESS if suppress else value

    parser.add_argument("--api", default=d(os.environ.get("PROMOFLOW_API") or DEFAULT_API),
                        help="API base URL (env PROMOFLOW_API; default %(default)s)")
    parser.add_argument("--token", default=d(os.environ.get("PROMOFLOW_TOKEN")), help="bearer token (env PROMOFLOW_TOKEN)")
    parser.add_argument("--as", dest="as_name", metavar="NAME", default=d(None),
                        help="use the token of this principal from the tokens file (e.g. yan.ops)")
    parser.add_argument("--tokens-file", default=d(default_tokens_file()),
                        help="demo tokens written by `make run` (env PROMOFLOW_DEMO_TOKENS; default .data/tokens.json)")
    parser.add_argument("--timeout", type=float, default=d(30.0), help="seconds per HTTP call")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="starter.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _common(common, suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("submit", parents=[common], help="submit one campaign (flags or --file)")
    s.add_argument("--file", help="a .json (one body) or .csv (one row) file instead of the flags")
    s.add_argument("--request-id")
    s.add_argument("--name")
    s.add_argument("--business-line")
    s.add_argument("--category", help="defaults to the business line")
    s.add_argument("--tier", choices=TIERS, help="requested tier (an upper bound; omitted: the engine proposes)")
    s.add_argument("--month", help="YYYY-MM")
    s.add_argument("--burst-start", help="YYYY-MM-DD (omitted: the engine picks)")
    s.add_argument("--revenue-target", help="yuan")
    s.add_argument("--gross-margin", help="0..1")
    s.add_argument("--traffic", help="forecast visitors")
    s.add_argument("--aov", help="forecast average order value, yuan")
    s.add_argument("--conversion", help="forecast conversion rate, 0..1")
    s.add_argument("--hot-topic", action="store_true", help="short-notice track")
    s.add_argument("--category-reason", help="why the category runs twice in the month")

    i = sub.add_parser("import", parents=[common], help="bulk-import requests from a CSV or JSON file")
    i.add_argument("file", help="a .csv (flat columns) or .json (list of bodies) file")
    i.add_argument("--concurrency", type=int, default=4, help="parallel requests (default %(default)s)")
    i.add_argument("--token-per-line", action="store_true",
                   help="use, for each row, the tokens file's business-line token of the row's business_line")
    i.add_argument("--dry-run", action="store_true", help="parse and print the bodies; send nothing")
    i.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    sh = sub.add_parser("show", parents=[common], help="one campaign's state")
    sh.add_argument("id")
    sh.add_argument("--json", action="store_true", help="print the raw JSON")

    ls = sub.add_parser("list", parents=[common], help="list campaigns (read model)")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--tier", choices=TIERS)
    ls.add_argument("--month", help="YYYY-MM")
    ls.add_argument("--business-line")
    ls.add_argument("--limit", type=int)
    ls.add_argument("--offset", type=int)
    ls.add_argument("--json", action="store_true", help="print the raw JSON")

    a = sub.add_parser("approve", parents=[common], help="approve at the proposed tier")
    a.add_argument("id")
    a.add_argument("--comment")
    d = sub.add_parser("downgrade", parents=[common], help="approve at a lower tier")
    d.add_argument("id")
    d.add_argument("--to-tier", required=True, choices=TIERS)
    d.add_argument("--reason", required=True)
    r = sub.add_parser("reject", parents=[common], help="reject")
    r.add_argument("id")
    r.add_argument("--reason", required=True)
    m = sub.add_parser("choose-month", parents=[common], help="pick one of the offered months")
    m.add_argument("id")
    m.add_argument("month", help="YYYY-MM")
    c = sub.add_parser("cancel", parents=[common], help="withdraw or cancel; releases every booking")
    c.add_argument("id")
    c.add_argument("--reason", required=True)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None,
         transport: httpx.BaseTransport | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        token = None if (args.command == "import" and args.token_per_line and not args.token and not args.as_name) \
            else _require_token(args)
        concurrency = getattr(args, "concurrency", 1)
        if concurrency < 1:
            raise CliError("bad_option", "--concurrency must be at least 1")
        with Api(args.api, token, timeout=args.timeout, transport=transport,
                 max_connections=max(10, concurrency)) as api:
            if args.command == "submit":
                return cmd_submit(api, args, out)
            if args.command == "import":
                return cmd_import(api, args, out, err)
            if args.command == "show":
                return cmd_show(api, args, out)
            if args.command == "list":
                return cmd_list(api, args, out)
            return DECISIONS[args.command](api, args, out)
    except CliError as e:
        print(str(e), file=err)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""One function per subcommand: each takes the client and the parsed arguments, prints
its result and returns the exit code; failures are raised as CliError for cli.main."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO

from cli.client import Api, api_error
from cli.errors import CliError
from cli.importer import import_rows, print_summary
from cli.parsing import Row, RowError, load_rows, row_to_body
from cli.render import Progress, print_campaign, table
from cli.tokens import load_tokens, tokens_by_line

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
    assert body is not None  # a row without an error has a body
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
    print(f"\n{len(items)} shown ({start + 1 if items else start}-{start + len(items)}) of {data.get('total')}",
          file=out)
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

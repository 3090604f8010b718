"""`starter.py decide --file F`: many decisions in one call (`POST /decisions`). The file is
JSON (a list of items, or {"decisions": [...]}) or CSV with the columns campaign_id, action,
comment, to_tier, reason, on_behalf_of. Prints one line per item; exit 1 when any was refused."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, TextIO

from cli.client import Api
from cli.errors import CliError

_FIELDS = ("campaign_id", "action", "comment", "to_tier", "reason", "on_behalf_of")


def load_decisions(path: str) -> list[dict[str, Any]]:
    p = Path(path)
    rows: Any
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise CliError("bad_file", f"cannot read {path}: {err.strerror}") from None
    if p.suffix.lower() == ".csv":
        rows = [{k: v for k, v in row.items() if k in _FIELDS and v not in (None, "")}
                for row in csv.DictReader(text.splitlines())]
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise CliError("bad_file", f"{path}: not JSON ({err})") from None
        rows = data.get("decisions") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise CliError("bad_file", f"{path}: expected a list of decisions or {{\"decisions\": [...]}}")
    if not rows:
        raise CliError("bad_file", f"{path} holds no decisions")
    return rows


def cmd_decide(api: Api, args, out: TextIO) -> int:
    items = load_decisions(args.file)
    data = api.json("POST", "/decisions", json={"decisions": items})
    refused = 0
    for r in data.get("results", []):
        if r.get("error"):
            refused += 1
            print(f"{r['campaign_id']}: {r['action']} refused ({r['error']['code']}): {r['error']['message']}",
                  file=out)
        else:
            print(f"{r['campaign_id']}: {r['action']} -> {r['status']}", file=out)
    print(f"{len(items) - refused} decided, {refused} refused", file=out)
    return 0 if refused == 0 else 1

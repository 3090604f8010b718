"""`python -m planner solve --year 2027 --intents intents.json [--s s.json] [--settings settings.json]
[--pins pins.json] [--time-limit SECONDS]`

Prints the solution as `GET /plans/{year}/solution` answers it (shared/API.md):
`{"summary": {...}, "decisions": [...]}`. Progress (incumbent, bound, gap) goes to stderr.
Without a server the policy's seeded business-line contexts are used.
Exit codes: 0 a plan (optimal or feasible); 1 no plan (infeasible: the summary names the
conflicting rules; or no solution within the time limit); 2 a bad file or argument
(a message naming the file, item and field; nothing on stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from domain.festivals import supported_years
from domain.planning import (
    PlanInput,
    PlanInputError,
    parse_intents,
    parse_pins,
    parse_s,
    parse_settings,
    plan,
)
from domain.policy import Policy


class BadInput(Exception):
    pass


def _load(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{what} file {path}: not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{what} file {path}: cannot read it ({e})") from None
    except json.JSONDecodeError as e:
        raise BadInput(f"{what} file {path}: not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def _parse(args: argparse.Namespace) -> PlanInput:
    if args.year not in supported_years():
        raise BadInput(f"--year {args.year}: outside the years with holiday data "
                       f"({supported_years()[0]}-{supported_years()[-1]})")
    if args.time_limit is not None and not args.time_limit > 0:
        raise BadInput(f"--time-limit {args.time_limit}: must be a positive number of seconds")
    parts: dict[str, Any] = {}
    for what, path, parser in (("intents", args.intents, parse_intents), ("s", args.s, parse_s),
                               ("pins", args.pins, parse_pins), ("settings", args.settings, parse_settings)):
        if path is None:
            continue
        raw = _load(path, what)
        try:
            parts[what] = parser(raw, what)
        except PlanInputError as e:
            raise BadInput(f"{path}: {e}") from None
    inp = PlanInput(year=args.year, policy=Policy.for_year(args.year), intents=parts["intents"],
                    s_fixed=parts.get("s", []), pins=parts.get("pins", []),
                    **({"settings": parts["settings"]} if "settings" in parts else {}))
    return inp


def _progress(p: dict[str, Any]) -> None:
    if p["stage"] == "calibration":
        placed = p["placed"] or {}
        print(f"[planner] calibration: base a {p['a']:.6f}  b {p['b']:.6f}  -> A {placed.get('A', '-')}  "
              f"B {placed.get('B', '-')}  {p['seconds']:.2f}s", file=sys.stderr, flush=True)
    elif p["stage"] == 1:
        print(f"[planner] value {p['objective']:.4f}  bound {p['bound']:.4f}  gap {p['gap']:.2%}  "
              f"{p['seconds']:.2f}s", file=sys.stderr, flush=True)
    else:
        print(f"[planner] tie-breaks {p['objective']:.0f} (bound {p['bound']:.0f})  {p['seconds']:.2f}s",
              file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m planner", description="Plan a promotion year offline (CP-SAT).")
    sub = ap.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("solve", help="solve a year from files; JSON on stdout, progress on stderr")
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--intents", required=True, help="JSON list of intents (POST /campaigns body + months)")
    sp.add_argument("--s", help='JSON list [{"request_id", "month"}]: leadership\'s S')
    sp.add_argument("--settings", help="JSON object: budget, reserve, month_caps, thresholds, targets, merge")
    sp.add_argument("--pins", help='JSON list [{"request_id", "month"?, "tier"?, "cut"?}]')
    sp.add_argument("--time-limit", type=float, default=None, help="seconds for the whole solve")
    sp.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    try:
        inp = _parse(args)
        print(f"[planner] {len(inp.intents)} intents, {len(inp.s_fixed)} S, {len(inp.pins)} pins",
              file=sys.stderr, flush=True)
        # one limit for the whole solve, on this process's clock (model building included)
        solution = plan(inp, args.time_limit, None if args.quiet else _progress, clock=time.monotonic)
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except PlanInputError as e:  # cross-checks: unknown line, months outside the year, pins...
        print(f"error: {e}", file=sys.stderr)
        return 2
    s = solution.summary
    print(f"[planner] {s.status}: value {s.value}, {s.counted_days} counted days, {s.seconds}s",
          file=sys.stderr, flush=True)
    for c in s.conflicts:
        print(f"[planner] conflict: {c}", file=sys.stderr)
    json.dump(solution.as_json(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0 if s.status in ("optimal", "feasible") else 1


if __name__ == "__main__":
    sys.exit(main())

"""`starter.py plan ...`: the planning season from the command line (shared/API.md "The
planning season"): open, import intents (CSV/JSON, progress, per-row errors), close the
intake, fix S, settings, pin, solve, show, scenario(s), publish.

    starter.py --as yan.ops plan open 2027 --intake-closes 2027-01-31
    starter.py --as yan.ops plan import 2027 examples/plan-2027/intents.json --token-per-line
    starter.py --as wei.leader plan s 2027 intent-home_appliances-y2027-020=2027-06 ...
    starter.py --as yan.ops plan settings 2027 --budget 150 --reserve 12
    starter.py --as yan.ops plan solve 2027
    starter.py --as yan.ops plan show 2027 --solution
    starter.py --as wei.leader plan scenario 2027 lean --budget 100
    starter.py --as wei.leader plan publish 2027 --wait
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any, TextIO

from cli.client import Api
from cli.errors import CliError
from cli.paging import all_items
from cli.parsing import Row, RowError, parse_csv, parse_json, row_to_body
from cli.render import Progress, table
from cli.tokens import load_tokens, tokens_by_line

ACTIONS = ("open", "import", "close-intake", "s", "settings", "pin", "solve", "show", "scenario", "scenarios",
           "publish")


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("plan", parents=[common], help="the planning season of a year (plan ACTION YEAR ...)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    acts = p.add_subparsers(dest="plan_action", required=True, metavar="ACTION")

    def action(name: str, help_: str) -> argparse.ArgumentParser:
        a = acts.add_parser(name, parents=[common], help=help_)
        a.add_argument("year", type=int)
        return a

    o = action("open", "open the season (ops)")
    o.add_argument("--intake-closes", help="YYYY-MM-DD, the last day of the intake")
    i = action("import", "submit intents from a CSV or JSON file (in batches; per-row results)")
    i.add_argument("file", help=".json (list of intents) or .csv (flat columns; months separated by ; or space)")
    i.add_argument("--batch", type=int, default=200, help="intents per call (default 200)")
    i.add_argument("--token-per-line", action="store_true",
                   help="send each line's rows with that line's token from the tokens file")
    i.add_argument("--no-progress", action="store_true")
    action("close-intake", "close the intake now (ops)")
    s = action("s", "fix the year's S campaigns (leader)")
    s.add_argument("choices", nargs="*", metavar="INTENT_ID=YYYY-MM")
    s.add_argument("--file", help='JSON list [{"intent_id", "month"}]')
    st = action("settings", "set the plan's settings (ops)")
    _settings_flags(st)
    pn = action("pin", "pin an intent for the next solve (ops)")
    pn.add_argument("intent_id")
    pn.add_argument("--month")
    pn.add_argument("--tier", choices=("A", "B", "C"))
    pn.add_argument("--cut", action="store_true")
    pn.add_argument("--unpin", action="store_true", help="remove the intent's pin")
    action("solve", "solve now (ops)")
    sh = action("show", "the plan's state (and --solution, --intents)")
    sh.add_argument("--solution", action="store_true", help="list the decisions")
    sh.add_argument("--intents", action="store_true", help="list the intents")
    sh.add_argument("--json", action="store_true")
    sc = action("scenario", "solve a named variant without touching the plan (ops, leader)")
    sc.add_argument("name")
    _settings_flags(sc)
    sc.add_argument("--pins", help='JSON list of pins [{"intent_id", "month"?, "tier"?, "cut"?}]')
    cmp_ = action("scenarios", "compare the scenarios with the plan")
    cmp_.add_argument("--json", action="store_true")
    pb = action("publish", "publish the plan into campaigns (leader)")
    pb.add_argument("--wait", action="store_true", help="wait until published, printing progress")
    pb.add_argument("--wait-timeout", type=float, default=600.0)


def _settings_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--file", dest="settings_file", help="a JSON settings object")
    p.add_argument("--budget", type=int)
    p.add_argument("--reserve", type=int)
    p.add_argument("--cap", action="append", default=[], metavar="YYYY-MM:A=n,B=n", help="a month's A/B caps")
    p.add_argument("--target-a", type=int)
    p.add_argument("--target-b", type=int)
    p.add_argument("--merge", action="store_true", default=None)
    p.add_argument("--marketing-budget", type=float, help="yuan a year (the plan's second budget)")
    p.add_argument("--objective", choices=("score_days", "gross_profit"), help="what the plan maximises")


def _settings(args) -> dict[str, Any]:
    body: dict[str, Any] = _load_json(args.settings_file, "settings") if args.settings_file else {}
    if not isinstance(body, dict):
        raise CliError("bad_file", f"{args.settings_file}: expected a JSON object")
    for key in ("budget", "reserve", "merge", "marketing_budget", "objective"):
        if getattr(args, key) is not None:
            body[key] = getattr(args, key)
    for cap in args.cap:
        m = re.fullmatch(r"(\d{4}-\d{2}):((?:[AB]=\d+,?)+)", cap.replace(" ", ""))
        if not m:
            raise CliError("bad_option", f"--cap {cap!r}: expected YYYY-MM:A=n,B=n")
        body.setdefault("month_caps", {})[m.group(1)] = {
            k: int(v) for k, v in (kv.split("=") for kv in m.group(2).strip(",").split(","))}
    targets = {k: v for k, v in (("A", args.target_a), ("B", args.target_b)) if v is not None}
    if targets:
        body["targets"] = targets
    return body


def _load_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise CliError("bad_file", f"cannot read {path}: {err.strerror or err}") from None
    except json.JSONDecodeError as err:
        raise CliError("bad_file", f"{path}: not valid JSON ({what}): {err}") from None


# ---------------------------------------------------------------------- intents from files
def _intent_raw(raw: Any) -> Any:
    """Before the campaign row parser: `months` as a list (CSV: `2027-03;2027-04`), and
    `month` = the first of them when omitted."""
    if not isinstance(raw, dict):
        return raw
    raw = dict(raw)
    months = raw.get("months")
    if isinstance(months, str):
        months = [m for m in re.split(r"[;,|\s]+", months.strip()) if m]
        raw["months"] = months
    if (raw.get("month") in (None, "")) and isinstance(months, list) and months:
        raw["month"] = months[0]
    return raw


def load_intents(path: str) -> list[Row]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CliError("bad_file", f"cannot read {p}: {err.strerror or err}") from None
    if p.suffix.lower() == ".json":
        data = json.loads(text) if text.strip() else []
        if isinstance(data, dict) and isinstance(data.get("intents"), list):
            data = data["intents"]
        return parse_json(json.dumps([_intent_raw(x) for x in data]) if isinstance(data, list) else text)
    if p.suffix.lower() == ".csv":
        rows = parse_csv(text)
        import csv

        raws = [r for r in csv.DictReader(text.splitlines())
                if any((v or "").strip() for k, v in r.items() if k is not None)]
        out = []
        for row, raw in zip(rows, raws, strict=True):
            try:
                out.append(Row(row.number, row.request_id, body=row_to_body(_intent_raw(raw))))
            except RowError as err:
                out.append(Row(row.number, row.request_id, error=str(err)))
        return out
    raise CliError("bad_file", f"{p.name}: use a .csv or .json file")


# ---------------------------------------------------------------------- the commands
def run(api: Api, args, out: TextIO, err: TextIO) -> int:
    y = args.year
    a = args.plan_action
    if a == "open":
        body = {"intake_closes": args.intake_closes} if args.intake_closes else {}
        data = api.json("POST", f"/plans/{y}", json=body)
        print(f"plan-{y}: {data['status']}" + (f", intake closes {data['intake_closes']}"
                                                 if data.get("intake_closes") else ""), file=out)
        return 0
    if a == "import":
        return _import(api, args, out, err)
    if a == "close-intake":
        data = api.json("POST", f"/plans/{y}/close-intake")
        print(f"plan-{y}: {data['status']}", file=out)
        return 0
    if a == "s":
        choices = _load_json(args.file, "S") if args.file else []
        for c in args.choices:
            intent_id, _, month = c.rpartition("=")
            if not intent_id or not month:
                raise CliError("bad_option", f"{c!r}: expected INTENT_ID=YYYY-MM")
            choices.append({"intent_id": intent_id, "month": month})
        data = api.json("POST", f"/plans/{y}/s", json={"campaigns": choices})
        print(f"plan-{y}: S fixed: " + (", ".join(f"{c['intent_id']} in {c['month']}" for c in data["s_fixed"])
                                        or "none"), file=out)
        return 0
    if a == "settings":
        data = api.json("PUT", f"/plans/{y}/settings", json=_settings(args))
        print(f"plan-{y}: settings {json.dumps(data['settings'])}", file=out)
        return 0
    if a == "pin":
        body = {"intent_id": args.intent_id, "month": args.month, "tier": args.tier, "cut": args.cut}
        body = {k: v for k, v in body.items() if v not in (None, False)}
        data = api.json("DELETE" if args.unpin else "POST", f"/plans/{y}/pins", json=body)
        print(f"plan-{y}: {len(data['pins'])} pin(s)", file=out)
        return 0
    if a == "solve":
        _summary(api.json("POST", f"/plans/{y}/solve", timeout=None), out)
        return 0
    if a == "show":
        return _show(api, args, out)
    if a == "scenario":
        scenario: dict[str, Any] = {"name": args.name}
        settings = _settings(args)
        if settings:
            scenario["settings"] = settings
        if args.pins:
            scenario["pins"] = _load_json(args.pins, "pins")
        data = api.json("POST", f"/plans/{y}/scenarios", json=scenario, timeout=None)
        print(f"scenario {data['name']}:", file=out)
        _summary(data["summary"], out)
        return 0
    if a == "scenarios":
        data = api.json("GET", f"/plans/{y}/scenarios", idempotent=True)
        if args.json:
            print(json.dumps(data, indent=2, ensure_ascii=False), file=out)
            return 0
        views = ([data["plan"]] if data.get("plan") else []) + data["scenarios"]
        table(("name", "status", "objective", "value", "gross profit", "money used", "counted", "S", "A", "B", "C",
               "forecast sales", "moved", "cut"),
              [(v["name"], v["summary"]["status"], v["summary"].get("objective_kind", "score_days"),
                v["summary"]["value"], f"{v['summary'].get('value_gross_profit', 0):,.0f}",
                f"{v['summary'].get('money_used', 0):,.0f}", v["summary"]["counted_days"],
                *(v["summary"]["tiers"].get(t, 0) for t in "SABC"), f"{v['forecast_sales']:,.0f}",
                len((v.get("differences") or {}).get("moved", [])), len((v.get("differences") or {}).get("cut", [])))
               for v in views], out)
        return 0
    if a == "publish":
        data = api.json("POST", f"/plans/{y}/publish")
        print(f"plan-{y}: {data['status']}", file=out)
        if args.wait:
            deadline = time.monotonic() + args.wait_timeout
            while True:
                v = api.json("GET", f"/plans/{y}", idempotent=True)
                p = v.get("publish") or {}
                print(f"  {v['status']}: {p.get('scheduled', 0)}/{p.get('campaigns', 0)} scheduled, "
                      f"{p.get('cut', 0)} cut", file=out)
                if v["status"] == "published" or (p.get("problems") and v["status"] != "publishing"):
                    break
                if time.monotonic() > deadline:
                    raise CliError("timeout", f"plan-{y} not published within {args.wait_timeout}s")
                time.sleep(1.0)
            for prob in p.get("problems") or []:
                print(f"  problem: {prob}", file=out)
        return 0
    raise CliError("bad_option", f"unknown plan action {a!r}")


def _summary(s: dict[str, Any], out: TextIO) -> None:
    tiers = " ".join(f"{n} {t}" for t, n in s["tiers"].items())
    print(f"  {s['status']}: value {s['value']}, {s['counted_days']} counted days ({tiers}); placed {s['placed']}, "
          f"moved {s['moved']}, downgraded {s['downgraded']}, cut {s['cut']} ({s['seconds']}s)", file=out)
    if "value_gross_profit" in s:
        print(f"  objective {s.get('objective_kind', 'score_days')}: gross profit after promotion "
              f"{s['value_gross_profit']:,.0f}, money used {s.get('money_used', 0):,.0f}", file=out)
    for c in s.get("conflicts") or []:
        print(f"  conflict: {c}", file=out)


def _show(api: Api, args, out: TextIO) -> int:
    y = args.year
    v = api.json("GET", f"/plans/{y}", idempotent=True)
    sol = api.json("GET", f"/plans/{y}/solution", idempotent=True) if args.solution and v.get("solution") else None
    intents = all_items(api, f"/plans/{y}/intents") if args.intents else None
    if args.json:
        print(json.dumps({"plan": v, "solution": sol, "intents": intents}, indent=2, ensure_ascii=False), file=out)
        return 0
    print(f"plan-{y}: {v['status']}, {v['intents']} intents, {len(v['s_fixed'])} S, {len(v['pins'])} pins"
          + (" (changed since the last solve)" if v.get("stale") else ""), file=out)
    if v.get("solution"):
        _summary(v["solution"], out)
    if v.get("publish"):
        p = v["publish"]
        print(f"  publish: {p['scheduled']}/{p['campaigns']} scheduled, {p['cut']} cut"
              + (f"; problems: {'; '.join(p['problems'])}" if p.get("problems") else ""), file=out)
    if intents:
        table(("intent_id", "line", "tier asked", "months", "score", "proposed", "status"),
              [(i["intent_id"], i["business_line"], i["requested_tier"], " ".join(i["months"]),
                f"{i['score']:.3f}" if i["score"] is not None else "-", i["proposed_tier"], i["status"])
               for i in intents["items"]], out)
    if sol:
        table(("intent_id", "decision", "tier", "month", "burst", "score", "reason"),
              [(d["intent_id"], d["decision"], d["tier"] or "-", d["month"] or "-", d["burst_start"] or "-",
                f"{d['score']:.3f}", d["reason"][:90]) for d in sol["decisions"]], out)
    return 0


def _import(api: Api, args, out: TextIO, err: TextIO) -> int:
    rows = load_intents(args.file)
    if not rows:
        raise CliError("bad_file", f"{args.file} holds no intents")
    if args.batch < 1:
        raise CliError("bad_option", "--batch must be at least 1")
    by_line = tokens_by_line(load_tokens(args.tokens_file)) if args.token_per_line else {}
    results: dict[int, tuple[str, str]] = {}
    for r in rows:
        if r.error:
            results[r.number] = ("invalid", r.error)
    groups: dict[str | None, list[Row]] = {}
    for r in rows:
        if r.error is None:
            line = (r.body or {}).get("business_line") if args.token_per_line else None
            groups.setdefault(line, []).append(r)
    progress = Progress(len(rows), err, enabled=not args.no_progress)
    for _ in results:
        progress.step()
    for line, group in groups.items():
        token = None
        if args.token_per_line:
            if line not in by_line:
                for r in group:
                    results[r.number] = ("invalid", f"no business-line token for {line!r} in the tokens file")
                    progress.step()
                continue
            token = by_line[line]
        for start in range(0, len(group), args.batch):
            batch = group[start:start + args.batch]
            # safe to retry: the same request_id is `exists`, never a second intent
            data = api.json("POST", f"/plans/{args.year}/intents", json={"intents": [r.body for r in batch]},
                            token=token, idempotent=True)
            for r, res in zip(batch, data["results"], strict=True):
                results[r.number] = (res["status"], res.get("intent_id") or "" if res["status"] != "invalid"
                                     else f"{res['error']['code']}: {res['error']['message']}")
                progress.step()
    progress.finish()
    table(("row", "request_id", "result", "intent / error"),
          [(r.number, r.request_id or "-", *results[r.number]) for r in rows], out)
    counts = {k: sum(1 for s, _ in results.values() if s == k) for k in ("created", "exists", "invalid")}
    print(f"\n{counts['created']} created, {counts['exists']} already existed, {counts['invalid']} invalid "
          f"({len(rows)} rows)", file=out)
    return 0 if counts["invalid"] == 0 else 1

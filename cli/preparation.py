"""`starter.py milestones`, `milestone-done` and `export`: preparation and people from the
command line (shared/API.md "Preparation, people and exports"), so ops and business lines
can follow the milestones and take the calendar to their own tools without a browser.

    starter.py --as yan.ops milestones --team design --status overdue
    starter.py --as lin.food milestone-done campaign-food-r-1 creative --comment "key visual approved"
    starter.py --as yan.ops export ics 2027 --team design --out design-2027.ics
    starter.py --as lin.food export csv 2027 --out campaigns-2027.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from typing import TextIO

from cli.client import Api, api_error
from cli.errors import CliError
from cli.paging import all_items
from cli.parsing import TIERS
from cli.render import table
from domain.status import Status

COMMANDS = ("milestones", "milestone-done", "export")
FORMATS = ("ics", "csv")
_LIST_FILTERS = ("status", "tier", "month", "business_line")  # GET /campaigns.csv's filters


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    m = sub.add_parser("milestones", parents=[common], help="open and overdue milestones across campaigns "
                                                            "(GET /milestones; approver, leader, ops)")
    m.add_argument("--team", help="only this team's (e.g. design)")
    m.add_argument("--status", choices=("open", "overdue"))
    m.add_argument("--due-before", metavar="YYYY-MM-DD", help="only those due before this day")
    m.add_argument("--json", action="store_true", help="print the raw JSON")

    d = sub.add_parser("milestone-done", parents=[common], help="mark a campaign's milestone done (owner or ops)")
    d.add_argument("campaign_id")
    d.add_argument("key", help="the milestone's key (e.g. creative; see `show` or `milestones`)")
    d.add_argument("--comment")

    e = sub.add_parser("export", parents=[common], help="the year's calendar as iCalendar, or the campaigns as CSV",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("format", choices=FORMATS, help="ics: phases and milestones (GET /calendar/YEAR.ics); "
                                                    "csv: the campaign list (GET /campaigns.csv)")
    e.add_argument("year", nargs="?", type=int, metavar="YEAR",
                   help="ics: the calendar year (required); csv: only campaigns of that year's months")
    e.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    e.add_argument("--team", help="ics: only this team's milestones and the phases that need it")
    e.add_argument("--status", choices=tuple(s.value for s in Status), help="csv: filter")
    e.add_argument("--tier", choices=TIERS, help="csv: filter")
    e.add_argument("--month", help="csv: filter, YYYY-MM")
    e.add_argument("--business-line", help="csv: filter (a business line gets its own only)")


def run(api: Api, args, out: TextIO) -> int:
    if args.command == "milestones":
        return cmd_milestones(api, args, out)
    if args.command == "milestone-done":
        return cmd_milestone_done(api, args, out)
    return cmd_export(api, args, out)


def cmd_milestones(api: Api, args, out: TextIO) -> int:
    params = {k: v for k, v in (("team", args.team), ("status", args.status), ("due_before", args.due_before))
              if v is not None}
    data = all_items(api, "/milestones", params)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False), file=out)
        return 0
    items = data.get("items", [])
    table(("due", "status", "team", "campaign_id", "key", "milestone", "campaign"),
          [(i.get("due"), i.get("status"), i.get("team"), i.get("campaign_id"), i.get("key"), i.get("name"),
            i.get("campaign_name")) for i in items], out)
    overdue = sum(1 for i in items if i.get("status") == "overdue")
    print(f"\n{len(items)} milestone{'s' if len(items) != 1 else ''} pending, {overdue} overdue", file=out)
    return 0


def cmd_milestone_done(api: Api, args, out: TextIO) -> int:
    body = {"comment": args.comment} if args.comment is not None else {}
    data = api.json("POST", f"/campaigns/{args.campaign_id}/milestones/{args.key}/done", json=body)
    for m in data.get("items", []):
        who = f" by {m['done_by']} at {m['done_at']}" if m.get("status") == "done" and m.get("done_by") else ""
        mark = "*" if m.get("key") == args.key else " "
        print(f"{mark} {m.get('due')}  {m.get('status'):<8} {m.get('key')} ({m.get('team')}): {m.get('name')}{who}",
              file=out)
    return 0


def _check_export_args(args) -> None:
    """Refuse options that do not belong to the format before anything is sent."""
    if args.format == "ics":
        if args.year is None:
            raise CliError("bad_option", "export ics needs YEAR (e.g. export ics 2027)")
        given = [f"--{k.replace('_', '-')}" for k in _LIST_FILTERS if getattr(args, k) is not None]
        if given:
            raise CliError("bad_option", f"{', '.join(given)} filter the csv export; ics takes --team")
    elif args.team is not None:
        raise CliError("bad_option", "--team filters the ics export; csv takes --status, --tier, --month, "
                                     "--business-line")
    if args.year is not None and not 2000 <= args.year <= 2100:
        raise CliError("bad_option", f"YEAR must be between 2000 and 2100, not {args.year}")


def _csv_of_year(text: str, year: int) -> tuple[str, int]:
    """The CSV's header and the rows whose month is in `year` (same quoting, CRLF rows)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return text, 0
    month = rows[0].index("month") if "month" in rows[0] else None
    kept = [r for r in rows[1:] if month is not None and r[month].startswith(f"{year}-")]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([rows[0], *kept])
    return buf.getvalue(), len(kept)


def cmd_export(api: Api, args, out: TextIO) -> int:
    _check_export_args(args)
    if args.format == "ics":
        path, params = f"/calendar/{args.year}.ics", {"team": args.team} if args.team else {}
    else:
        path = "/campaigns.csv"
        params = {k: getattr(args, k) for k in _LIST_FILTERS if getattr(args, k) is not None}
    response = api.request("GET", path, params=params, idempotent=True)
    if response.status_code >= 400:
        raise api_error(response)
    text = response.content.decode("utf-8")
    if args.format == "ics":
        count, what = text.count("BEGIN:VEVENT"), "event"
    elif args.year is not None:
        text, count = _csv_of_year(text, args.year)
        what = "campaign"
    else:
        count, what = max(0, len(list(csv.reader(io.StringIO(text, newline="")))) - 1), "campaign"
    if args.out is None:
        out.write(text)
        return 0
    try:
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as err:
        raise CliError("bad_file", f"cannot write {args.out}: {err.strerror}") from None
    print(f"wrote {count} {what}{'s' if count != 1 else ''} to {args.out}", file=out)
    return 0

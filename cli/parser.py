"""The command line's grammar: the shared options (accepted before or after the
subcommand) and one subparser per command. No behaviour here, only argparse."""

from __future__ import annotations

import argparse
import os

import cli
from cli.parsing import TIERS
from cli.tokens import default_tokens_file
from domain.status import Status

DEFAULT_API = "http://127.0.0.1:8000"
STATUSES = tuple(s.value for s in Status)


def _help_text(value: object) -> str:
    """A value shown literally in a help string: argparse %-formats help, so a `%` in it
    (a URL from the environment, say) must be doubled."""
    return str(value).replace("%", "%%")


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """The shared options, on the main parser (with defaults) and on a parent of every
    subparser (suppressed, so an option given before the subcommand is not overwritten).
    Help strings name defaults literally, never `%(default)s`: with a suppressed default
    argparse has no `default` to format and `COMMAND --help` crashed (KeyError)."""

    def d(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    api = os.environ.get("PROMOFLOW_API") or DEFAULT_API
    parser.add_argument("--api", default=d(api), help=f"API base URL (env PROMOFLOW_API; default {_help_text(api)})")
    parser.add_argument("--token", default=d(os.environ.get("PROMOFLOW_TOKEN")),
                        help="bearer token (env PROMOFLOW_TOKEN)")
    parser.add_argument("--as", dest="as_name", metavar="NAME", default=d(None),
                        help="use the token of this principal from the tokens file (e.g. yan.ops)")
    parser.add_argument("--tokens-file", default=d(default_tokens_file()),
                        help="demo tokens written by `make run` (env PROMOFLOW_DEMO_TOKENS; default .data/tokens.json)")
    parser.add_argument("--timeout", type=float, default=d(30.0), help="seconds per HTTP call")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; its description is the package docstring (cli/__init__.py)."""
    parser = argparse.ArgumentParser(prog="starter.py", description=cli.__doc__,
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
    for name, what in (("history", "campaigns that already ran (JSON: POST /history items)"),
                       ("actuals", "daily actuals (CSV or JSON: campaign_id,date,traffic,orders,gmv,gross_profit)")):
        h = sub.add_parser(name, parents=[common], help=f"import {what}")
        h.add_argument("action", choices=["import"])
        h.add_argument("file")
        h.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        if name == "actuals":
            h.add_argument("--concurrency", type=int, default=3,
                           help="calls in flight at once (default %(default)s: the API decides one while "
                                "PostgreSQL writes another; docs/BENCHMARKS.md compares 2, 3 and 4)")

    from cli import plan, preparation

    plan.add_parser(sub, common)
    preparation.add_parsers(sub, common)

    dm = sub.add_parser("decide", parents=[common], help="many decisions at once from a file (POST /decisions)")
    dm.add_argument("--file", required=True,
                    help="JSON list (or {\"decisions\": [...]}) or CSV: campaign_id, action, comment, to_tier, reason")
    return parser

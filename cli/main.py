"""The run of one command: parse the arguments, resolve the bearer token, open the
client, dispatch to the command and turn a CliError into `error <code>: <message>` on
stderr with exit code 1. starter.py calls `main`; tests call it in-process."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

import httpx

from cli import preparation
from cli.client import Api
from cli.commands import DECISIONS, cmd_import, cmd_list, cmd_show, cmd_submit
from cli.decide import cmd_decide
from cli.errors import CliError
from cli.parser import build_parser
from cli.results import import_actuals, import_history
from cli.tokens import load_tokens, token_for_name


def _require_token(args) -> str | None:
    """--token, else the token of --as NAME from the tokens file; None when neither is given
    (the client then refuses the call with `no_token`)."""
    if args.token:
        return args.token
    if args.as_name:
        return token_for_name(load_tokens(args.tokens_file), args.as_name)
    return None


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
            if args.command == "history":
                return import_history(api, args.file, out, err, progress=not args.no_progress)
            if args.command == "actuals":
                return import_actuals(api, args.file, out, err, progress=not args.no_progress,
                                      concurrency=args.concurrency)
            if args.command == "plan":
                from cli import plan

                return plan.run(api, args, out, err)
            if args.command == "decide":
                return cmd_decide(api, args, out)
            if args.command in preparation.COMMANDS:
                return preparation.run(api, args, out)
            return DECISIONS[args.command](api, args, out)
    except CliError as e:
        print(str(e), file=err)
        return 1


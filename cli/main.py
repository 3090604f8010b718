"""The run of one command: parse the arguments, resolve the bearer token, open the
client, dispatch to the command and turn a CliError into `error <code>: <message>` on
stderr with the exit code of its code (cli/errors.py). starter.py calls `main`; tests call it in-process.

A command's module is imported when that command runs, and the HTTP client when a call is
made: the tool is started once per command, and `--help` or a bulk import should not wait
for what other commands load."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from cli.errors import CliError, exit_code
from cli.parser import build_parser
from cli.tokens import load_tokens, token_for_name

if TYPE_CHECKING:
    import httpx

    from cli.client import Api


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
        from cli.client import Api

        with Api(args.api, token, timeout=args.timeout, transport=transport,
                 max_connections=max(10, concurrency)) as api:
            return _run(api, args, out, err)
    except CliError as e:
        print(str(e), file=err)
        return exit_code(e.code)


def _run(api: Api, args, out: TextIO, err: TextIO) -> int:
    """The command, from the module that holds it."""
    if args.command in ("history", "actuals"):
        from cli import results

        if args.command == "history":
            return results.import_history(api, args.file, out, err, progress=not args.no_progress)
        return results.import_actuals(api, args.file, out, err, progress=not args.no_progress,
                                      concurrency=args.concurrency)
    if args.command == "plan":
        from cli import plan

        return plan.run(api, args, out, err)
    if args.command == "decide":
        from cli.decide import cmd_decide

        return cmd_decide(api, args, out)
    from cli import commands, preparation

    if args.command in preparation.COMMANDS:
        return preparation.run(api, args, out)
    if args.command == "submit":
        return commands.cmd_submit(api, args, out)
    if args.command == "import":
        return commands.cmd_import(api, args, out, err)
    if args.command == "show":
        return commands.cmd_show(api, args, out)
    if args.command == "list":
        return commands.cmd_list(api, args, out)
    return commands.DECISIONS[args.command](api, args, out)

"""promoflow command-line tool for business lines and ops: talks to the HTTP API only.

    python starter.py --as lin.food submit --request-id r-1 --name "517 foodie festival" \\
        --business-line food --category food --tier A --month 2027-05 --revenue-target 3.5e7 \\
        --gross-margin 0.26 --traffic 8000000 --aov 150 --conversion 0.032
    python starter.py --as yan.ops import examples/year-2027.csv --token-per-line
    python starter.py --as yan.ops list --status in_review --month 2027-05
    python starter.py --as yan.ops show campaign-food-r-1
    python starter.py --as jun.approver approve campaign-food-r-1 --comment "fits the season"
    python starter.py --as yan.ops milestones --status overdue
    python starter.py --as yan.ops export ics 2027 --team design --out design-2027.ics

Configuration: --api (env PROMOFLOW_API, default http://127.0.0.1:8000); --token (env
PROMOFLOW_TOKEN) or --as NAME, which picks the token of that principal from the tokens
file that `make run` writes (--tokens-file, env PROMOFLOW_DEMO_TOKENS, default
.data/tokens.json). Options may go before or after the subcommand.

Errors from the API are printed as `error <code>: <message>`; the exit code is 1, or 75 when
nothing was done and the same call may succeed later (cli/errors.py `EXIT_CODES`).
Only the standard library and httpx are used.
"""

# This docstring is the tool's `--help` description (cli.parser). One concern per module:
#   errors    CliError, the one failure the tool reports (`error <code>: <message>`), its exit code
#   parsing   import files and submit flags -> `POST /campaigns` bodies (pure)
#   tokens    the demo tokens file: a principal's token by name or by business line
#   client    the HTTP client (auth header, retries, API errors as CliError)
#   render    tables, the progress bar, one campaign's state as text
#   importer  bulk import: a bounded pool of submits and its summary
#   commands  one function per subcommand
#   plan, decide, results, preparation  the command groups of later issues, one module each
#   parser    argparse: the options and subcommands
#   main      parse, resolve the token, open the client, dispatch

"""`--help` of starter.py and of every subcommand, run as people run it (a subprocess):
argparse formats help lazily, so a broken help string (a `%` it cannot format) only
shows up when someone asks for help. The subcommands come from the parser itself, so a
new command is covered without touching this file."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from cli.parser import build_parser

ROOT = Path(__file__).resolve().parent.parent.parent


def subcommands() -> list[str]:
    """The names of the parser's subcommands, in the order they were added."""
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return [name for action in actions for name in action.choices]


def run_help(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "starter.py"), *args, "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_the_parser_has_subcommands():
    names = subcommands()
    assert names, "no subcommands discovered from cli.parser.build_parser()"
    assert {"submit", "import", "show", "list", "approve"} <= set(names)


def test_top_level_help_names_every_command():
    done = run_help()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: starter.py ")
    for name in subcommands():
        assert name in done.stdout


@pytest.mark.parametrize("command", subcommands())
def test_subcommand_help(command: str):
    done = run_help(command)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: starter.py {command} "), done.stdout
    assert "Traceback" not in done.stderr

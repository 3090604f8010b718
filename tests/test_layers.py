"""Where each kind of code lives: SQL only in store/ (the persistence boundary). The API,
the CLI, the workflows, the activities and the worker call store/ functions; none of them
holds a statement or calls a connection's query methods itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_STORE = [p for d in ("api", "cli", "workflows", "activities") for p in sorted((ROOT / d).rglob("*.py"))]
OUTSIDE_STORE.append(ROOT / "worker.py")
QUERY_METHODS = {"fetch", "fetchval", "fetchrow", "execute", "executemany", "copy_records_to_table"}
# a statement, not a sentence that starts with the same word ("Select at least one campaign.")
STATEMENT = re.compile(r"^\s*(SELECT\s.*\bFROM\b|SELECT\s+\d|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b"
                       r"|WITH\s+\w+\s+AS\b|CREATE\s+(TABLE|INDEX)|ALTER\s+TABLE|DROP\s+(TABLE|TRIGGER)|TRUNCATE\s"
                       r"|LOCK\s+TABLE)", re.I | re.S)


def sql_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERY_METHODS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}(")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and STATEMENT.match(node.value):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.strip()[:40]!r}")
    return found


def test_no_sql_outside_store():
    found = [hit for p in OUTSIDE_STORE for hit in sql_in(p)]
    assert not found, "SQL outside store/:\n" + "\n".join(found)


def test_the_check_finds_sql(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('async def f(pool):\n    return await pool.fetchval("SELECT 1")\n')
    assert len(sql_in_any(bad)) == 2


def sql_in_any(path: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return sql_in(path)
    finally:
        ROOT = saved


def test_no_transaction_opened_in_the_api_or_the_cli():
    """Transactions open in one place: the use cases (services/) and the store; a route
    translates HTTP and calls them."""
    found = []
    for path in [p for d in ("api", "cli") for p in sorted((ROOT / d).rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "transaction":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "transactions opened outside services/ and store/: " + ", ".join(found)

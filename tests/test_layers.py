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


# ---------------------------------------------------------------------- who writes
# Writes go request -> use case (services/) -> workflow or store. A store function writes
# when it holds an INSERT / UPDATE / DELETE or calls one that does; it appends events when
# it calls the event store's append (store/eventstore.py) or one that does (found here from
# the code, so a new writer is covered without editing this list).
WRITE_SQL = re.compile(r"^\s*(INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|TRUNCATE\s)", re.I | re.S)
EVENT_STORE_APPEND = {("eventstore", "append"), ("eventstore", "append_many")}
# The activities' path (activities/appends.py): the event store's append with its projection
# in the same transaction.
APPEND_WITH_PROJECTION = {("projections", "record")}
# A policy change is judged against the overrides in force and appended at the next seq of
# `policy-<year>` (judged again if a concurrent change took it): the one way the policy stream
# is written, by the policy use case and by the publish activity (a published plan's settings).
POLICY_APPEND = {("reference", "change_policy")}


def _store_aliases(tree: ast.Module) -> dict[str, str | tuple[str, str]]:
    """name -> a store module, or name -> (store module, function), from a module's imports."""
    aliases: dict[str, str | tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "store":
            for a in node.names:
                aliases[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("store."):
            for a in node.names:
                aliases[a.asname or a.name] = (node.module.removeprefix("store."), a.name)
    return aliases


def store_uses(tree: ast.Module) -> set[tuple[str, str]]:
    """The store functions a module names: `module.fn` of an imported store module, or an
    imported function."""
    aliases, used = _store_aliases(tree), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = aliases.get(node.value.id)
            if isinstance(target, str):
                used.add((target, node.attr))
    used |= {t for t in aliases.values() if isinstance(t, tuple)}
    return used


def store_writers(root: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(every store function that writes, those of them that append events)."""
    calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
    sql: set[tuple[str, str]] = set()
    for path in sorted((root / "store").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _store_aliases(tree)
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            key = (path.stem, fn.name)
            calls[key] = set()
            for node in ast.walk(fn):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and WRITE_SQL.match(node.value):
                    sql.add(key)
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    target = aliases.get(node.func.id)
                    calls[key].add(target if isinstance(target, tuple) else (path.stem, node.func.id))
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and isinstance(node.func.value, ast.Name)
                      and isinstance(aliases.get(node.func.value.id), str)):
                    calls[key].add((str(aliases[node.func.value.id]), node.func.attr))

    def closure(seed: set[tuple[str, str]]) -> set[tuple[str, str]]:
        found, grew = set(seed), True
        while grew:
            grew = False
            for key, called in calls.items():
                if key not in found and called & found:
                    found.add(key)
                    grew = True
        return found

    return closure(sql | EVENT_STORE_APPEND), closure(EVENT_STORE_APPEND)


def _modules(*dirs: str) -> list[Path]:
    return [p for d in dirs for p in sorted((ROOT / d).rglob("*.py"))]


def _named(paths: list[Path], banned: set[tuple[str, str]]) -> list[str]:
    found = []
    for path in paths:
        for mod, fn in sorted(store_uses(ast.parse(path.read_text(encoding="utf-8"))) & banned):
            found.append(f"{path.relative_to(ROOT)}: store/{mod}.py {fn}")
    return found


def test_the_api_and_the_cli_write_only_through_the_use_cases():
    """api/ and cli/ name no store function that writes (rows or events): a route, a page or
    a command calls a use case of services/, which calls the store or a workflow."""
    writers, _ = store_writers(ROOT)
    found = _named(_modules("api", "cli"), writers)
    assert not found, "writes outside the use cases:\n" + "\n".join(found)


def test_events_are_appended_only_through_the_use_cases_or_the_event_store():
    """No module of api/, cli/, activities/ or workflows/ (nor the worker) appends events but
    through services/ or the event store's append (the activities' `projections.record` is
    that append with its projection): e.g. store/results.py's and store/delegations.py's
    appends, which number the stream themselves, are the use cases' only."""
    _, appenders = store_writers(ROOT)
    banned = appenders - EVENT_STORE_APPEND - APPEND_WITH_PROJECTION - POLICY_APPEND
    found = _named(_modules("api", "cli", "activities", "workflows") + [ROOT / "worker.py"], banned)
    assert not found, "events appended outside the use cases and the event store:\n" + "\n".join(found)


def test_results_and_delegation_writes_only_from_the_use_cases():
    """store/results.py's and store/delegations.py's writes are called from services/ only
    (of the engine's code: the benchmark harness seeds through them on purpose)."""
    writers, _ = store_writers(ROOT)
    banned = {w for w in writers if w[0] in ("results", "delegations")}
    assert banned, "the analysis finds no writer in store/results.py or store/delegations.py"
    outside = [p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] not in
               ("services", "store", "tests", "bench", ".venv")]
    found = _named(outside, banned)
    assert not found, "results or delegation writes outside services/:\n" + "\n".join(found)


def test_the_write_check_finds_a_route_that_appends(tmp_path):
    """The check can fail: a route calling store/delegations.py's grant, or store/results.py's
    batch, is named; a read is not."""
    writers, appenders = store_writers(ROOT)
    assert {("delegations", "grant"), ("results", "record_actuals_batch"),
            ("reference", "record")} <= appenders
    assert ("web_sessions", "create") in writers and ("delegations", "listed") not in writers
    bad = tmp_path / "route.py"
    bad.write_text("from store import delegations\nfrom store.results import record_actuals_batch\n"
                   "async def f(pool):\n    await delegations.listed(pool)\n"
                   "    return await delegations.grant(pool)\n")
    uses = store_uses(ast.parse(bad.read_text()))
    assert uses & appenders == {("delegations", "grant"), ("results", "record_actuals_batch")}


def test_the_activities_open_transactions_only_where_they_did():
    """Kept as it is today: the activities open their own transactions (one per activity:
    the append and its projection under the reservation's locks). Listed here so a new one is
    a decision, not an accident."""
    found = sorted(f"{p.relative_to(ROOT)}" for p in _modules("activities")
                   for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                   and node.func.attr == "transaction")
    assert set(found) <= {"activities/campaign.py", "activities/planning.py", "activities/webhooks.py"}, found

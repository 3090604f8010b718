"""domain/ runs inside the Temporal workflow sandbox: pure, deterministic imports only."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
ALLOWED = {
    "__future__", "json", "dataclasses", "datetime", "enum", "math", "typing", "re", "functools", "itertools",
    "collections", "pydantic", "domain",
}
# the year planner (domain/planning/) may also use the CP-SAT solver: pure, given a time limit
PLANNING_ALLOWED = ALLOWED | {"ortools"}
FILES = sorted(DOMAIN.rglob("*.py"))


def allowed_for(path: Path) -> set[str]:
    return PLANNING_ALLOWED if "planning" in path.relative_to(DOMAIN).parts[:-1] else ALLOWED


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import stays inside domain
                continue
            roots.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"__import__", "exec", "eval", "open"}:
            roots.add(f"<call {node.func.id}>")
    return roots


def test_domain_files_found():
    names = {str(p.relative_to(DOMAIN)) for p in FILES}
    assert {"policy.py", "scoring.py", "balancing.py", "dates.py", "holiday_data.py", "resources.py"} <= names
    assert {"planning/solver.py", "planning/model.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_only_pure_imports(path):
    allowed = allowed_for(path)
    assert imported_roots(path) <= allowed, f"{path.name} imports {imported_roots(path) - allowed}"


def test_ortools_only_in_planning(tmp_path):
    assert allowed_for(DOMAIN / "planning" / "solver.py") == PLANNING_ALLOWED
    assert "ortools" not in allowed_for(DOMAIN / "policy.py")
    bad = tmp_path / "bad.py"
    bad.write_text("import os, time\nfrom ortools.sat.python import cp_model\n")
    assert imported_roots(bad) - PLANNING_ALLOWED == {"os", "time"}


def test_checker_catches_impure_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom holidays import China\nimport random as r\nopen('x')\n")
    assert imported_roots(bad) - ALLOWED == {"os", "holidays", "random", "<call open>"}


def test_the_core_and_the_event_store_load_no_solver():
    """Only solving loads OR-Tools: the playbook core, the event types and their registry
    (which name the plan's types), the planning season, the event store and the projections
    import without it (domain.planning's `plan` is imported when first asked for)."""
    import subprocess
    import sys

    code = ("import sys, domain, domain.events, domain.policy, domain.planning, domain.planning.events, "
            "domain.planning.season, store.eventstore, store.projections; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ortools'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=DOMAIN.parent, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    solve = subprocess.run([sys.executable, "-c", "import sys; from domain.planning import plan; "
                            "print('ortools' in sys.modules)"], cwd=DOMAIN.parent, capture_output=True, text=True,
                           timeout=120, check=True)
    assert solve.stdout.strip() == "True"

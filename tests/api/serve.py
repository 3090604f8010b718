"""Serve an ASGI app (the promoflow API) on a free 127.0.0.1 port inside the test's event loop.

    app = create_app(Deps(settings, client, pool, TokenBook(entries)))
    async with serving(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as http: ...

The socket is bound before uvicorn starts (port 0, so no race for a "free" port), the
server runs as an asyncio task, and `serving` returns only once uvicorn reports it has
started (or raises at the deadline, or with the server's own failure). Anything that
talks to the server from the same event loop must not block it: use httpx.AsyncClient,
or asyncio.create_subprocess_exec for a CLI (never subprocess.run).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from infra.settings import Settings


def bind_free_port(host: str = "127.0.0.1") -> socket.socket:
    """A listening-ready socket on a port the OS picked."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.set_inheritable(True)
    return sock


@asynccontextmanager
async def serving(app, *, host: str = "127.0.0.1", start_timeout: float = 15.0,
                  stop_timeout: float = 10.0, log_level: str = "warning") -> AsyncIterator[str]:
    """Run `app` with uvicorn as a task of the running loop; yield its base URL."""
    sock = bind_free_port(host)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                            timeout_keep_alive=Settings().api_keepalive_s)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn-{port}")
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if task.done():  # failed at startup (lifespan error, ...): surface its error
                task.result()
                raise RuntimeError("uvicorn exited before it started")
            if time.monotonic() > deadline:
                raise TimeoutError(f"uvicorn did not start on {host}:{port} within {start_timeout}s")
            await asyncio.sleep(0.02)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), stop_timeout)
        except (TimeoutError, Exception):  # noqa: BLE001 - stop at any cost, then clean up
            server.force_exit = True
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        sock.close()


async def read_body(receive) -> bytes:
    """The whole request body of a raw ASGI app (the tests' webhook receivers)."""
    raw = b""
    while True:
        msg = await receive()
        raw += msg.get("body", b"")
        if not msg.get("more_body"):
            return raw

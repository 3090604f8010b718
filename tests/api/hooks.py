"""Webhook receivers for the tests (raw ASGI apps served by tests/api/serve.py) and the
delivery loop run in the test's event loop, under its real supervisor."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac

from cryptography.fernet import Fernet

from activities.background import Supervisor
from activities.webhooks import PART, supervised_delivery
from infra.webhook_allow import AllowList, Resolver
from infra.webhook_retry import WebhookRule
from tests.api.serve import read_body

Headers = dict[str, str]
# PROMOFLOW_SECRET_KEY of the tests' API (tests/api/conftest.py) and delivery loops: one per session
SECRET_KEY = Fernet.generate_key().decode()


def verify(secret: str, headers: Headers, raw: bytes) -> bool:
    """What a receiver checks (shared/API.md): HMAC-SHA256 of `<timestamp>.<body>`."""
    expected = "sha256=" + hmac.new(secret.encode(), headers["x-promoflow-timestamp"].encode() + b"." + raw,
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["x-promoflow-signature"], expected)


async def _answer(send, status: int, body: bytes = b"") -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})


class Receiver:
    """Answers 200 while `up`, else 503; records what it accepted and counts what it refused."""

    def __init__(self, up: bool = False) -> None:
        self.up = up
        self.got: list[tuple[Headers, bytes]] = []
        self.refused = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        raw = await read_body(receive)
        if self.up:
            self.got.append(({k.decode(): v.decode() for k, v in scope["headers"]}, raw))
        else:
            self.refused += 1
        await _answer(send, 200 if self.up else 503)


class Hanging:
    """Takes each request and never answers, until `stop()` (call it before the server stops,
    or uvicorn waits its whole stop timeout for these requests)."""

    def __init__(self) -> None:
        self.arrived = 0
        self.stopped = asyncio.Event()

    def stop(self) -> None:
        self.stopped.set()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        await read_body(receive)
        self.arrived += 1
        await self.stopped.wait()
        await _answer(send, 503)


class Trickling(Hanging):
    """Answers `status` at once, then a `chunk` of body every `every_s` seconds until `stop()`:
    each read gets something in time, so only a total deadline ends it."""

    def __init__(self, status: int = 200, every_s: float = 0.2, chunk: bytes = b".") -> None:
        super().__init__()
        self.status, self.every_s, self.chunk = status, every_s, chunk
        self.sent = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        await read_body(receive)
        self.arrived += 1
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        while not self.stopped.is_set():
            await send({"type": "http.response.body", "body": self.chunk, "more_body": True})
            self.sent += len(self.chunk)
            await asyncio.sleep(self.every_s)
        await send({"type": "http.response.body", "body": b""})


@contextlib.asynccontextmanager
async def delivering(pool, rule: WebhookRule, *, allow: str = "127.0.0.1,localhost,::1",
                     resolve: Resolver | None = None, secret_key: str | None = SECRET_KEY,
                     supervisor: Supervisor | None = None):
    """The supervised delivery loop as the worker runs it, polling fast."""
    supervisor = supervisor or Supervisor(pool, PART, heartbeat_s=0.2, first_backoff_s=0.05, max_backoff_s=0.5)
    task = supervised_delivery(pool, rule, secret_key=secret_key, allow=AllowList.parse(allow), resolve=resolve,
                               supervisor=supervisor, poll_s=0.05)
    try:
        yield supervisor
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

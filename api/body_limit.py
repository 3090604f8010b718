"""The request body limit (shared/API.md "Limits"): a body over `max_body_bytes`
(PROMOFLOW_MAX_BODY_BYTES, default 10 MiB) is answered 413 `body_too_large` before the app
sees the request, so nothing is parsed, authenticated or written for it.

A pure ASGI middleware, outermost of the app's own: with a `Content-Length` it decides from
the header; without one (a chunked body) it reads the body a chunk at a time, counting, and
decides at the first chunk past the limit. What the client still sends after the decision
is read and dropped chunk by chunk, never kept (most clients read the answer only once they
have sent the body; a bounded drain, then the server closes the connection). A body within
the limit is handed on unchanged: the chunks read are replayed to the app, then the server's
own `receive` takes over (a disconnect still reaches the app).

Starlette's own `max_body_size` checks lazily, when a route reads its body (after the
dependencies that authenticate) and answers plain text; this one answers first, in the
API's error body.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import STATUS, error_body
from services.errors import Code

DRAIN_FACTOR = 16


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > self.max_bytes:
                if not _expects_continue(scope):
                    await self._drain(receive, 0)
                await self._too_large(send, declared)
                return
            await self.app(scope, receive, send)
            return
        # No length declared (chunked, or no body at all): count what arrives.
        buffered: list[Message] = []
        total = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break  # a disconnect: the app will see it in turn
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                buffered.clear()
                if message.get("more_body", False):
                    await self._drain(receive, total)
                await self._too_large(send, None)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if buffered:
                return buffered.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    async def _drain(self, receive: Receive, seen: int) -> None:
        """Read what the client still sends and drop it, chunk by chunk (nothing kept), so a
        client that sends its whole body before it reads (most do) gets the 413 instead of a
        reset connection; at most DRAIN_FACTOR times the limit, then the answer goes out and
        the server closes the connection."""
        while seen <= DRAIN_FACTOR * self.max_bytes:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _too_large(self, send: Send, declared: int | None) -> None:
        size = f"{declared} bytes" if declared is not None else "more"
        body = json.dumps(error_body(
            Code.BODY_TOO_LARGE, f"the request body ({size}) is over the limit of {self.max_bytes} bytes",
            {"limit": self.max_bytes, "content_length": declared})).encode()
        await send({"type": "http.response.start", "status": STATUS[Code.BODY_TOO_LARGE],
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _expects_continue(scope: Scope) -> bool:
    """`Expect: 100-continue`: the client sends nothing until told to, so there is nothing to drain."""
    return any(name == b"expect" and value.lower() == b"100-continue" for name, value in scope.get("headers", ()))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we run; count to be safe
    return None

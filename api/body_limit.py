"""The request body limit (shared/API.md "Limits"): a body over `max_body_bytes`
(PROMOFLOW_MAX_BODY_BYTES, default 10 MiB) is answered 413 `body_too_large` before the app
sees the request, so nothing is parsed, authenticated or written for it.

A pure ASGI middleware, outermost of the app's own: with a `Content-Length` it decides from
the header without reading a byte; without one (a chunked body) it reads the body a chunk at
a time, counting, and stops at the first chunk past the limit (the rest is never read into
memory; the server closes the connection after the answer). A body within the limit is
handed on unchanged: the chunks read are replayed to the app, then the server's own
`receive` takes over (a disconnect still reaches the app).

Starlette's own `max_body_size` checks lazily, when a route reads its body (after the
dependencies that authenticate) and answers plain text; this one answers first, in the
API's error body.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body


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
                await self._too_large(send, None)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if buffered:
                return buffered.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, declared: int | None) -> None:
        size = f"{declared} bytes" if declared is not None else "more"
        body = json.dumps(error_body(
            "body_too_large", f"the request body ({size}) is over the limit of {self.max_bytes} bytes",
            {"limit": self.max_bytes, "content_length": declared})).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we run; count to be safe
    return None

"""A supervisor for a background part of the worker process (the webhook delivery loop): the
part runs until it raises; then the supervisor logs the error, records the part `down`,
waits (exponential backoff) and starts it again, for as long as the worker runs. Without it
an unexpected exception ended the task unobserved and the part stayed dead until a restart.

The state is written to PostgreSQL (store/background.py), which is how the API's /healthz,
another process, learns it: `up` with a heartbeat from the part's own cycle (`beat`, at
most every `heartbeat_s`), so a part that hangs goes stale too; `down` while restarting;
`stopped` when the worker stops it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable

import asyncpg

from store import background

log = logging.getLogger("promoflow.background")

HEARTBEAT_S = 5.0  # /healthz calls a part stale after PROMOFLOW_BACKGROUND_STALE_S (default 30)
FORGET_AFTER_S = 86_400.0  # rows of processes gone that long are deleted when a supervisor starts


class NotConfigured(RuntimeError):
    """The part cannot run as configured (a missing setting): down, retried, logged without a traceback."""


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Supervisor:
    def __init__(self, pool: asyncpg.Pool, name: str, *, heartbeat_s: float = HEARTBEAT_S,
                 first_backoff_s: float = 0.5, max_backoff_s: float = 30.0, instance: str | None = None):
        self.pool, self.name, self.heartbeat_s = pool, name, heartbeat_s
        self.first_backoff_s, self.max_backoff_s = first_backoff_s, max_backoff_s
        self.instance = instance or this_process()
        self.restarts = 0
        self._beaten_at: float | None = None  # monotonic time of the last `up` written since (re)start

    async def beat(self) -> None:
        """The part is working: called by it once per cycle, after the cycle's work succeeded."""
        now = time.monotonic()
        if self._beaten_at is None or now - self._beaten_at >= self.heartbeat_s:
            await background.record(self.pool, self.name, self.instance, "up")
            self._beaten_at = now

    async def _record(self, status: str, detail: str | None) -> None:
        """Best effort: PostgreSQL may be what failed."""
        try:
            await background.record(self.pool, self.name, self.instance, status, detail)
        except Exception as err:  # noqa: BLE001 - the part's state is advisory; the restart matters more
            log.warning("could not record %s %s: %s", self.name, status, type(err).__name__)

    async def run(self, part: Callable[[Supervisor], Awaitable[None]]) -> None:
        """Run `part(self)` forever, restarting it when it raises; returns only by cancellation."""
        with contextlib.suppress(Exception):
            await background.forget_older(self.pool, self.name, FORGET_AFTER_S)
        failures = 0
        try:
            while True:
                self._beaten_at = None
                try:
                    await part(self)
                    raise RuntimeError(f"{self.name} returned")  # a part runs until cancelled
                except Exception as err:  # noqa: BLE001 - whatever killed it, it is restarted
                    failures = 1 if self._beaten_at is not None else failures + 1  # it had worked: backoff anew
                    delay = min(self.first_backoff_s * 2 ** (failures - 1), self.max_backoff_s)
                    self.restarts += 1
                    log.error("%s died (%s); restart %d in %.1f s", self.name, type(err).__name__, self.restarts,
                              delay, exc_info=None if isinstance(err, NotConfigured) else err)
                    await self._record("down", f"{type(err).__name__}: {err}"[:300] + f"; restarting in {delay:.1f} s")
                    await asyncio.sleep(delay)
        except asyncio.CancelledError:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(self._record("stopped", "the worker stopped it")), 2)
            raise

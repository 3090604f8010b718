"""What a use case runs on: the database pool, the Temporal client and the settings (the
task queue, how long a submission waits for its score). The API's `Deps` is one; a test or
another entry point may pass anything with these attributes."""

from __future__ import annotations

from typing import Protocol

import asyncpg
from temporalio.client import Client

from infra.settings import Settings


class Engine(Protocol):
    @property
    def pool(self) -> asyncpg.Pool: ...

    @property
    def client(self) -> Client: ...

    @property
    def settings(self) -> Settings: ...

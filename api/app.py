"""The FastAPI application factory: the contract of shared/API.md, assembled.

Writes go to Temporal (start, updates); reads of one campaign come from its workflow
query; lists, events, the calendar and bookings come from the PostgreSQL read model.
The routes live in `api/routes/` (one router per resource); this module only builds
the app: its lifespan (settings, logging, the pool and the Temporal client, all from
`infra/`), the error handlers, the metrics, the routers.

    uvicorn api.app:app        # builds the app from the environment on first use
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api import errors, metrics, oidc
from api.auth import TokenBook
from api.body_limit import BodyLimit
from api.deps import Deps
from api.routes import (
    amend,
    bookings,
    bulk,
    calendar,
    campaigns,
    decisions,
    delegations,
    exports,
    health,
    inbox,
    lines,
    plans,
    policy,
    preparation,
    reports,
    results,
    webhooks,
)
from api.web.install import install as install_web_app
from infra import heap
from infra.logs import configure as configure_logging
from infra.settings import Settings, load_settings
from infra.temporal import connect
from store.db import create_pool

__all__ = ["Deps", "create_app"]
# exports before calendar: /calendar/{year}.ics must not reach /calendar/{year}
ROUTERS = (health.router, campaigns.router, decisions.router, exports.router, calendar.router, bookings.router,
           results.router, reports.router, preparation.router, plans.router,
           amend.router, bulk.router, inbox.router, delegations.router, webhooks.router,
           policy.router, lines.router)


def create_app(deps: Deps | None = None, settings: Settings | None = None) -> FastAPI:
    """The app; with `deps` (tests) it uses them, otherwise its lifespan connects."""
    if deps is None:
        settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if deps is not None:
            app.state.deps = deps
            yield
            return
        assert settings is not None
        configure_logging()
        pool = await create_pool(settings.require_database_url(), max_size=20)
        try:
            client = await connect(settings)
            app.state.deps = Deps(settings, client, pool, TokenBook.load(settings.tokens_path),
                                  oidc.from_settings(settings))
            heap.settle()
            yield
        finally:
            await pool.close()

    app = FastAPI(title="promoflow", version="0.1.0", lifespan=lifespan, responses=errors.ERROR_RESPONSES,
                  description="Internal API of promoflow: promotion campaigns as durable workflows.")
    errors.install(app)
    metrics.install(app)
    if deps is not None:
        app.state.deps = deps
    for router in ROUTERS:
        app.include_router(router)
    install_web_app(app)  # the pages under /app (api/web/): after the error handlers it extends
    # last added = outermost: a body over the limit is refused before anything else runs
    limits = deps.settings if deps is not None else settings
    assert limits is not None
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    return app


def __getattr__(name: str) -> Any:
    # `uvicorn api.app:app` builds the application from the environment on first use.
    if name == "app":
        return create_app()
    raise AttributeError(name)

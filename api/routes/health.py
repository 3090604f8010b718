"""`GET /healthz`: does each dependency answer, and is each background part of the worker up
(for load balancers, `make run` and operators).

200 `ok`; 200 `degraded` with `down` naming the background parts that are down (the webhook
delivery loop runs in the worker process: its supervisor records its state in PostgreSQL,
store/background.py says when it counts as down); 503 `unavailable` naming the dependency
(Temporal, PostgreSQL) that does not answer. Why a dependency failed goes to the log, never
into the answer: anyone may call this route, and a connection error can name hosts, users
and databases."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Response

from api.deps import AppDeps
from api.models import Health
from store import background
from store.db import ping

router = APIRouter(tags=["health"])
log = logging.getLogger("promoflow.api")
DEPENDENCIES = ("temporal", "postgres")


@router.get("/healthz", response_model=Health,
            responses={503: {"model": Health, "description": "Temporal or PostgreSQL does not answer"}})
async def healthz(d: AppDeps, response: Response) -> Health:
    checks: dict[str, str] = {}
    try:
        await d.client.service_client.check_health(timeout=timedelta(seconds=2))
        checks["temporal"] = "ok"
    except Exception as err:  # noqa: BLE001 - any failure means "does not answer"
        log.warning("healthz: Temporal does not answer: %s: %s", type(err).__name__, err)
        checks["temporal"] = "unavailable"
    try:
        await ping(d.pool, timeout=2)
        checks["postgres"] = "ok"
    except Exception as err:  # noqa: BLE001
        log.warning("healthz: PostgreSQL does not answer: %s: %s", type(err).__name__, err)
        checks["postgres"] = "unavailable"
    if checks["postgres"] == "ok":
        try:
            parts = await background.states(d.pool, d.settings.background_stale_s)
        except Exception as err:  # noqa: BLE001 - PostgreSQL answered; the parts stay unknown
            log.warning("healthz: background parts unreadable: %s: %s", type(err).__name__, err)
            parts = {}
        checks.update({name: "ok" if up else "down" for name, up in parts.items()})
    down = [name for name, state in checks.items() if state != "ok"]
    unavailable = any(checks[name] != "ok" for name in DEPENDENCIES)
    response.status_code = 503 if unavailable else 200
    return Health(status="unavailable" if unavailable else "degraded" if down else "ok", checks=checks, down=down)

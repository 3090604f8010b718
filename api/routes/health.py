"""`GET /healthz`: does each dependency answer (for load balancers and `make run`)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response

from api.deps import AppDeps
from api.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health,
            responses={503: {"model": Health, "description": "Temporal or PostgreSQL does not answer"}})
async def healthz(d: AppDeps, response: Response) -> Health:
    checks: dict[str, str] = {}
    try:
        await d.client.service_client.check_health(timeout=timedelta(seconds=2))
        checks["temporal"] = "ok"
    except Exception as err:  # noqa: BLE001 - any failure means "does not answer"
        checks["temporal"] = f"unavailable: {err}"
    try:
        await d.pool.fetchval("SELECT 1", timeout=2)
        checks["postgres"] = "ok"
    except Exception as err:  # noqa: BLE001
        checks["postgres"] = f"unavailable: {err}"
    ok = all(v == "ok" for v in checks.values())
    response.status_code = 200 if ok else 503
    return Health(status="ok" if ok else "unavailable", checks=checks)

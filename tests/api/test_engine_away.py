"""When Temporal cannot take a call (no worker polls the workflow's task queue, the server is
away or slow), the API answers 503 `unavailable` naming the engine, never a 500. Schemathesis
found that 500: an update to a season whose worker had gone ('no poller seen for task queue
recently'). The mapping is the error handlers' (api/errors.py), checked on a FastAPI app in process."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from temporalio.service import RPCError, RPCStatusCode

from api import errors

AWAY = [(RPCStatusCode.FAILED_PRECONDITION, "no poller seen for task queue recently, worker may be down"),
        (RPCStatusCode.UNAVAILABLE, "connection refused"), (RPCStatusCode.DEADLINE_EXCEEDED, "deadline")]


def _app(status: RPCStatusCode, message: str) -> FastAPI:
    app = FastAPI()
    errors.install(app)

    @app.post("/update")
    async def update() -> None:
        raise RPCError(message, status, b"")
    return app


@pytest.mark.parametrize("status,message", AWAY)
async def test_the_engine_away_is_503_naming_it_without_the_servers_words(status, message):
    transport = httpx.ASGITransport(app=_app(status, message), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.post("/update")
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    assert message not in r.text


async def test_an_update_no_worker_answers_in_time_is_503():
    from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

    app = FastAPI()
    errors.install(app)

    @app.post("/update")
    async def update() -> None:
        raise WorkflowUpdateRPCTimeoutOrCancelledError()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.post("/update")
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"


async def test_another_temporal_error_is_not_dressed_up_as_503():
    transport = httpx.ASGITransport(app=_app(RPCStatusCode.INVALID_ARGUMENT, "bad"), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.post("/update")
    assert r.status_code == 500

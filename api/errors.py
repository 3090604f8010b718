"""One error body for every failure: {"error": {"code", "message", "details"}}, however it
failed (a route's ApiError, pydantic validation, an unknown path)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from services.errors import Code, Refused

log = logging.getLogger("promoflow.api")
# Temporal's answers that mean "the engine cannot take the call now", not "the call is wrong".
_ENGINE_AWAY = frozenset({RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.UNAVAILABLE,
                          RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED})

# The error body's schema, declared on every route (inline JSON content, so routes that
# answer text/html on success still document their errors as JSON).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
    }},
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    for status, description in (
        (400, "the body is not parseable (not UTF-8 / not JSON)"),
        (401, "no token, or an unknown token"), (403, "known token, not allowed"), (404, "unknown campaign"),
        (409, "the decision does not fit the campaign's state"),
        (413, "the body is over the size limit, or a batch over its cap (api/limits.py)"), (422, "invalid request"),
        (503, "Temporal or PostgreSQL does not answer"),
    )
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


# A use case's refusal (services/errors.py) as HTTP: its code's status (another code, such
# as an allow-list refusal of a webhook URL, is a 422).
REFUSED_STATUS: dict[str, int] = {Code.INVALID: 422, Code.NOT_FOUND: 404, Code.CONFLICT: 409,
                                  Code.NOT_CONFIGURED: 503}


def install(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def _refused(_: Request, exc: Refused) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details),
                            status_code=REFUSED_STATUS.get(exc.code, 422))

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        message = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details)
        return JSONResponse(error_body("invalid_request", f"invalid request: {message}", details), status_code=422)

    @app.exception_handler(RPCError)
    async def _temporal(_: Request, exc: RPCError) -> JSONResponse:
        """Temporal could not take the call: no worker polls the workflow's task queue, the
        server is away or slow. Not the caller's fault, and nothing was done: 503 (logged
        with the server's words; the answer names only the dependency)."""
        if exc.status not in _ENGINE_AWAY:
            raise exc
        log.warning("temporal refused a call: %s %s", exc.status.name, exc.message)
        return JSONResponse(error_body("unavailable", "the workflow engine cannot take this now (no worker, or "
                                                      "Temporal does not answer); try again"), status_code=503)

    @app.exception_handler(RPCTimeoutOrCancelledError)
    async def _temporal_timeout(_: Request, exc: RPCTimeoutOrCancelledError) -> JSONResponse:
        """An update or query Temporal accepted but no worker answered in time (the workflow's
        worker is away): as above, 503."""
        log.warning("temporal call timed out: %s: %s", type(exc).__name__, exc)
        return JSONResponse(error_body("unavailable", "the workflow engine did not answer in time (no worker, or "
                                                      "Temporal is slow); try again"), status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "malformed_body", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

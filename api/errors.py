"""One error body for every failure: {"error": {"code", "message", "details"}}, however it
failed (a use case's or a route's `Refused`, pydantic validation, an unknown path), and the
one map from an error code (services/errors.py `Code`) to its HTTP status (`STATUS`)."""

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
        (413, "the body is over the size limit, or a batch over its cap (services/limits.py)"),
        (422, "invalid request"),
        (503, "Temporal or PostgreSQL does not answer"),
    )
}


# THE map from an error code (services/errors.py) to its HTTP status: every refusal, of a use
# case, a route or the framework, answers the status of its code (shared/API.md).
STATUS: dict[Code, int] = {
    Code.MALFORMED_BODY: 400,
    Code.UNAUTHENTICATED: 401,
    Code.FORBIDDEN: 403, Code.SEPARATION_OF_DUTIES: 403,
    Code.NOT_FOUND: 404,
    Code.METHOD_NOT_ALLOWED: 405,
    Code.INVALID_STATE: 409, Code.CONFLICT: 409, Code.S_HALF_YEAR: 409, Code.MARGIN_BELOW_FLOOR: 409,
    Code.RESULTS_CLOSING: 409,
    Code.BATCH_TOO_LARGE: 413, Code.BODY_TOO_LARGE: 413,
    Code.INVALID: 422, Code.INVALID_ACTUALS: 422, Code.INVALID_TIER: 422, Code.URL_NOT_ALLOWED: 422,
    Code.UNRESOLVED: 422, Code.ADDRESS_NOT_ALLOWED: 422,
    Code.HTTP_ERROR: 500,
    Code.UNAVAILABLE: 503, Code.SOLVE_FAILED: 503, Code.NOT_CONFIGURED: 503,
}


def status_of(err: Refused) -> int:
    """The HTTP status of a refusal: its code's (a code outside the enum: 422)."""
    return STATUS.get(err.code, 422)  # type: ignore[call-overload]


class ApiError(Refused):
    """A refusal that carries HTTP headers too (a 401's `WWW-Authenticate`); its status is its code's."""

    def __init__(self, code: Code | str, message: str, details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(code, message, details)
        self.headers = headers

    @property
    def status(self) -> int:
        return status_of(self)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def install(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def _refused(_: Request, exc: Refused) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=status_of(exc),
                            headers=exc.headers if isinstance(exc, ApiError) else None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        message = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details)
        return JSONResponse(error_body(Code.INVALID, f"invalid request: {message}", details),
                            status_code=STATUS[Code.INVALID])

    @app.exception_handler(RPCError)
    async def _temporal(_: Request, exc: RPCError) -> JSONResponse:
        """Temporal could not take the call: no worker polls the workflow's task queue, the
        server is away or slow. Not the caller's fault, and nothing was done: 503 (logged
        with the server's words; the answer names only the dependency)."""
        if exc.status not in _ENGINE_AWAY:
            raise exc
        log.warning("temporal refused a call: %s %s", exc.status.name, exc.message)
        return JSONResponse(error_body(Code.UNAVAILABLE, "the workflow engine cannot take this now (no worker, or "
                                                         "Temporal does not answer); try again"),
                            status_code=STATUS[Code.UNAVAILABLE])

    @app.exception_handler(RPCTimeoutOrCancelledError)
    async def _temporal_timeout(_: Request, exc: RPCTimeoutOrCancelledError) -> JSONResponse:
        """An update or query Temporal accepted but no worker answered in time (the workflow's
        worker is away): as above, 503."""
        log.warning("temporal call timed out: %s: %s", type(exc).__name__, exc)
        return JSONResponse(error_body(Code.UNAVAILABLE, "the workflow engine did not answer in time (no worker, or "
                                                         "Temporal is slow); try again"),
                            status_code=STATUS[Code.UNAVAILABLE])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # the framework's own failures: the code whose status it is (one map, read backwards)
        code = {STATUS[c]: c for c in (Code.MALFORMED_BODY, Code.NOT_FOUND, Code.METHOD_NOT_ALLOWED)}.get(
            exc.status_code, Code.HTTP_ERROR)
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

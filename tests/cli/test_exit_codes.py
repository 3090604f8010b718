"""The tool's exit code is its error code's (cli/errors.py `EXIT_CODES`, over the same
`Code` enum api/errors.py maps to HTTP statuses): 1 when the call was refused, 75 when
nothing was done and the same call may succeed later (the server is a mock transport)."""

from __future__ import annotations

import io

import httpx
import pytest

import starter
from api.errors import STATUS
from cli.errors import EXIT_CODES, TRY_AGAIN
from services.errors import Code


def _answering(status: int, code: str):
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": {"code": code, "message": f"{code} here", "details": None}})
    return httpx.MockTransport(handle)


@pytest.mark.parametrize(("status", "code", "exit_code"), [
    (404, "not_found", 1), (403, "forbidden", 1), (409, "invalid_state", 1), (422, "invalid_request", 1),
    (409, "results_closing", TRY_AGAIN), (409, "conflict", TRY_AGAIN),
])
def test_an_api_refusal_exits_with_its_codes_exit_code(status, code, exit_code):
    err = io.StringIO()
    got = starter.main(["--token", "t", "cancel", "c-1", "--reason", "x"], out=io.StringIO(), err=err,
                       transport=_answering(status, code))
    assert got == exit_code and err.getvalue().strip() == f"error {code}: {code} here"


def test_every_error_code_has_one_http_status_and_one_exit_code():
    assert set(STATUS) == set(Code) and set(EXIT_CODES) == set(Code)
    # the statuses of shared/API.md, kept
    assert {c.value: STATUS[c] for c in (Code.INVALID, Code.NOT_FOUND, Code.FORBIDDEN, Code.INVALID_STATE,
                                         Code.S_HALF_YEAR, Code.MARGIN_BELOW_FLOOR, Code.RESULTS_CLOSING,
                                         Code.BATCH_TOO_LARGE, Code.UNAVAILABLE, Code.UNAUTHENTICATED)} == {
        "invalid_request": 422, "not_found": 404, "forbidden": 403, "invalid_state": 409, "s_half_year": 409,
        "margin_below_floor": 409, "results_closing": 409, "batch_too_large": 413, "unavailable": 503,
        "unauthenticated": 401}

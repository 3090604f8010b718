"""The one failure the tool reports: every layer (parsing, tokens, HTTP, commands) raises
CliError, and cli.main prints it as `error <code>: <message>` with the exit code of its
code (`exit_code`): the API's error codes are services/errors.py's `Code`, the same enum
api/errors.py maps to HTTP statuses. 1: the call was refused or the input is wrong (change
something); 75 (sysexits' EX_TEMPFAIL): nothing was done and the same call may succeed
later (the engine away, a write that met another, a results window closing)."""

from __future__ import annotations

from typing import Any

from services.errors import Code

REFUSED, TRY_AGAIN = 1, 75
# The one map from an API error code to the tool's exit code (a code of the tool itself,
# such as `bad_file`, or one outside the enum: 1).
EXIT_CODES: dict[Code, int] = {code: REFUSED for code in Code} | {
    Code.UNAVAILABLE: TRY_AGAIN, Code.CONFLICT: TRY_AGAIN, Code.RESULTS_CLOSING: TRY_AGAIN,
    Code.SOLVE_FAILED: TRY_AGAIN,
}


def exit_code(code: str) -> int:
    return EXIT_CODES.get(code, REFUSED)  # type: ignore[call-overload]


class CliError(Exception):
    """A failure to report as `error <code>: <message>` (exit code: `exit_code(code)`)."""

    def __init__(self, code: str, message: str, status: int | None = None, details: Any = None):
        super().__init__(message)
        self.code, self.message, self.status, self.details = code, message, status, details

    def __str__(self) -> str:
        return f"error {self.code}: {self.message}"


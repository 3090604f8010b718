"""The one failure the tool reports: every layer (parsing, tokens, HTTP, commands) raises
CliError, and cli.main prints it as `error <code>: <message>` with exit code 1."""

from __future__ import annotations

from typing import Any


class CliError(Exception):
    """A failure to report as `error <code>: <message>` (exit code 1)."""

    def __init__(self, code: str, message: str, status: int | None = None, details: Any = None):
        super().__init__(message)
        self.code, self.message, self.status, self.details = code, message, status, details

    def __str__(self) -> str:
        return f"error {self.code}: {self.message}"


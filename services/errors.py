"""How a use case refuses: a `Refused` with a code from `Code`; api/errors.py maps each
code to its HTTP status, so the use cases know nothing of HTTP."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ValidationError


class Code(StrEnum):
    INVALID = "invalid_request"   # the change does not validate: nothing recorded
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"         # others kept changing the same thing: try again
    NOT_CONFIGURED = "not_configured"


class Refused(Exception):
    def __init__(self, code: Code | str, message: str, details: Any = None):
        super().__init__(message)
        self.code, self.message, self.details = str(code), message, details


def invalid(what: str, err: ValidationError, prefix: tuple[str, ...] = ()) -> Refused:
    """A 422 naming each key that failed and why (pydantic's loc, joined with dots)."""
    details = [{"field": ".".join(str(p) for p in (*prefix, *e["loc"])), "message": e["msg"]}
               for e in err.errors(include_url=False)]
    message = "; ".join(f"{d['field'] or what}: {d['message']}" for d in details)
    return Refused(Code.INVALID, f"invalid {what}: {message}", details)

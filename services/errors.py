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


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def no_nul(what: str, value: Any) -> None:
    """PostgreSQL text and jsonb hold no NUL character: refused here (422), never a 500."""
    if _has_nul(value):
        raise Refused(Code.INVALID, f"invalid {what}: a NUL character (\\u0000) is not allowed",
                      [{"field": what, "message": "NUL character"}])


def invalid(what: str, err: ValidationError, prefix: tuple[str, ...] = ()) -> Refused:
    """A 422 naming each key that failed and why (pydantic's loc, joined with dots)."""
    details = [{"field": ".".join(str(p) for p in (*prefix, *e["loc"])), "message": e["msg"]}
               for e in err.errors(include_url=False)]
    message = "; ".join(f"{d['field'] or what}: {d['message']}" for d in details)
    return Refused(Code.INVALID, f"invalid {what}: {message}", details)

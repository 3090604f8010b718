"""How a use case refuses: a `Refused` with a code from `Code`, the one list of error codes
(shared/API.md's strings). api/errors.py maps each code to its HTTP status and cli/errors.py
to its exit code, so the use cases know nothing of HTTP or of a terminal.

The workflows refuse an update with an `ApplicationError` whose `type` is one of these
codes too (or a name of their own, translated once in `from_workflow`)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI maps these codes too, and starts without loading pydantic
    from pydantic import ValidationError


class Code(StrEnum):
    # the request itself
    INVALID = "invalid_request"          # the change does not validate: nothing recorded
    INVALID_ACTUALS = "invalid_actuals"  # actuals rows that do not fit the campaign
    INVALID_TIER = "invalid_tier"        # a downgrade that does not go down
    MALFORMED_BODY = "malformed_body"    # not UTF-8 / not JSON
    URL_NOT_ALLOWED = "url_not_allowed"  # a webhook URL outside the allow-list (infra/webhook_allow.py)
    UNRESOLVED = "unresolved"            # a webhook host that does not resolve
    ADDRESS_NOT_ALLOWED = "address_not_allowed"  # a webhook host resolving to a refused address
    # who asks
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    SEPARATION_OF_DUTIES = "separation_of_duties"  # nobody decides their own line
    # what it is about
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INVALID_STATE = "invalid_state"      # does not fit the state (decided, ended, not solved, ...)
    CONFLICT = "conflict"                # others kept changing the same thing: try again
    S_HALF_YEAR = "s_half_year"          # an S into a half-year at its cap (policy `s_per_half`)
    MARGIN_BELOW_FLOOR = "margin_below_floor"
    RESULTS_CLOSING = "results_closing"  # the outcome is being recorded: send again once it is
    # size
    BATCH_TOO_LARGE = "batch_too_large"
    BODY_TOO_LARGE = "body_too_large"
    # the engine
    UNAVAILABLE = "unavailable"          # Temporal or PostgreSQL does not answer: nothing done, try again
    SOLVE_FAILED = "solve_failed"        # every attempt of a solve failed (or timed out)
    NOT_CONFIGURED = "not_configured"    # a feature whose setting (a key) is missing
    HTTP_ERROR = "http_error"            # another HTTP failure of the framework


# Workflow refusals (ApplicationError types) that are not codes of their own.
_WORKFLOW_TYPES: dict[str, Code] = {"invalid": Code.INVALID, "invalid_plan": Code.INVALID}


def from_workflow(error_type: str | None) -> Code | None:
    """The code of a workflow's refusal (an update validator's ApplicationError type), or
    None when it is not a refusal (a failure to let through)."""
    if error_type is None:
        return None
    if error_type in _WORKFLOW_TYPES:
        return _WORKFLOW_TYPES[error_type]
    try:
        return Code(error_type)
    except ValueError:
        return None


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


def problems_of(err: ValidationError, prefix: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """pydantic's errors as `{"field", "message"}` (the loc joined with dots)."""
    return [{"field": ".".join(str(p) for p in (*prefix, *e["loc"])), "message": e["msg"]}
            for e in err.errors(include_url=False)]


def invalid(what: str, err: ValidationError, prefix: tuple[str, ...] = ()) -> Refused:
    """A 422 naming each key that failed and why (pydantic's loc, joined with dots)."""
    details = problems_of(err, prefix)
    message = "; ".join(f"{d['field'] or what}: {d['message']}" for d in details)
    return Refused(Code.INVALID, f"invalid {what}: {message}", details)

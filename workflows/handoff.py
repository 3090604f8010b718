"""What the campaign workflow's handlers hand to its main loop, in one small dataclass.

Updates and signals never write: each sets one field here (a decision, a month choice, a
cancel, an amendment, a displacement) and waits; the main loop (workflows/campaign.py)
meets it in its current wait, records it at the next seq and moves the counters the
handlers wait on. Kept apart so the workflow's `__init__` holds a handful of attributes
and the helpers beside it (amend, decisions, scheduling) name what they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from temporalio.exceptions import ApplicationError


class Interrupted(Exception):
    """Raised out of a wait when the campaign is cancelled, displaced or materially amended."""


def invalid_state(message: str) -> ApplicationError:
    return ApplicationError(message, type="invalid_state", non_retryable=True)


def forbidden(message: str, code: str = "forbidden") -> ApplicationError:
    return ApplicationError(message, type=code, non_retryable=True)


@dataclass
class Handoff:
    decision: Any = None  # Approve | Downgrade | Reject, set by the decision handlers
    decision_recorded: bool = False
    chosen_month: Any = None  # ChooseMonth
    month_chosen: bool = False  # after a month choice the engine picks the date: the owner's one was refused
    balancing_rounds: int = 0  # counts month outcomes (scheduled / new offer): choose_month waits for one
    review_recorded: bool = False  # ReviewScored is in the log: `scored` may answer
    cancel: Any = None  # Cancel
    displaced_by: Any = None  # Displaced
    amend: Any = None  # Amend, pending until the loop meets it (workflows/amend.py)
    amend_refusal: str | None = None
    amend_material: bool = False
    amends_done: int = 0

"""A campaign's status names: one enum for the workflow, the read model, the API and pages."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    AWAITING_MONTH_CHOICE = "awaiting_month_choice"
    SCHEDULED = "scheduled"
    WARMUP = "warmup"
    BURST = "burst"
    ENCORE = "encore"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in FINAL

    @property
    def is_live(self) -> bool:
        """Holds (or waits for) a place in its month: neither ended nor waiting on a decision."""
        return self in (Status.SCHEDULED, Status.WARMUP, Status.BURST, Status.ENCORE)


FINAL = frozenset({Status.COMPLETED, Status.REJECTED, Status.CANCELLED, Status.EXPIRED})
# Not yet in warm-up: such a campaign can still make way for an S.
NOT_STARTED = (Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_MONTH_CHOICE, Status.SCHEDULED)

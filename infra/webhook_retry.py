"""How hard the worker's webhook delivery loop tries (activities/webhooks.py): transport
settings of one process, not business rules, so they are configuration
(`PROMOFLOW_WEBHOOK_RETRY`, infra/settings.py) rather than a policy number, and changing
them needs no event in the log.

Exponential backoff from `first_retry_seconds`, never more than `max_interval_seconds`
apart (shared/API.md: the first retry within 10 s, at most 60 s apart by default); after
`max_attempts` the delivery is dead (re-drivable). `timeout_seconds` is an attempt's total
deadline (resolve, connect, send, read); at most `concurrency` attempts run at once, at
most `per_subscription` of them to one subscription.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebhookRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    first_retry_seconds: float = Field(default=2.0, gt=0, le=10)
    backoff: float = Field(default=2.0, ge=1)
    max_interval_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=8, ge=1)
    timeout_seconds: float = Field(default=5.0, gt=0)
    concurrency: int = Field(default=16, ge=1, le=200)
    per_subscription: int = Field(default=4, ge=1)

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1-based)."""
        return min(self.first_retry_seconds * self.backoff ** max(attempts - 1, 0), self.max_interval_seconds)

"""Batch caps (shared/API.md "Limits"): a batch over its cap is 413 `batch_too_large`
naming the cap, before any item is judged, so nothing of it is written. The body limit
(api/body_limit.py) bounds the bytes; these bound the work one call can ask for.
The actuals' cap is the policy's (`Policy.results.max_rows`, rows per call)."""

from __future__ import annotations

from services.errors import Code, Refused

DECISIONS_PER_CALL = 200
INTENTS_PER_CALL = 1_000
INTENTS_PER_SEASON = 20_000
HISTORY_PER_CALL = 1_000
ACTUALS_CAMPAIGNS_PER_CALL = 200


def check_batch(count: int, cap: int, what: str, *, per: str = "call") -> None:
    if count > cap:
        raise Refused(Code.BATCH_TOO_LARGE, f"at most {cap} {what} per {per}; this one has {count}",
                       {"cap": cap, "count": count, "what": what, "per": per})

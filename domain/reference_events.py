"""Events of the reference data: the year's policy (stream `policy-<year>`), a business
line's context (`line-<line>`) and a webhook subscription (`webhook-<id>`), in the same log
as the campaigns, so each change says who made it, when and why, and `make rebuild` gives
their tables back. Webhook secrets never enter the log (store/outbox.py keeps them sealed
in their own table). The pure rule every policy change follows is here too: a change is a
JSON merge patch (RFC 7396) of the year's overrides.

A policy key that left the policy (`RETIRED_POLICY_KEYS`: the webhook retries, now
configuration, infra/webhook_retry.py) is no longer a key a change may name (the policy
refuses it), but a change recorded before still reads: its retired keys are dropped when the
event is read, and from the overrides the projection held before (`without_retired`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator


class _RefBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


RETIRED_POLICY_KEYS = frozenset({"webhooks"})


def without_retired(overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides without the keys the policy no longer has."""
    return {k: v for k, v in overrides.items() if k not in RETIRED_POLICY_KEYS}


class PolicyOverridden(_RefBody):
    """`changes` merged into the year's overrides (a JSON merge patch: objects merge, null
    removes a key so its default holds again, anything else replaces). Who and why are the
    envelope's actor and reason; `actor_id` the actor's identity (shared/API.md "Who did it")."""

    type: Literal["PolicyOverridden"] = "PolicyOverridden"
    changes: dict[str, Any]
    actor_id: str | None = None

    @field_validator("changes", mode="before")
    @classmethod
    def _upcast(cls, changes: Any) -> Any:
        return without_retired(changes) if isinstance(changes, dict) else changes


class BusinessLineChanged(_RefBody):
    """New figures of the line's context (seq 1: the seeded line, every field)."""

    type: Literal["BusinessLineChanged"] = "BusinessLineChanged"
    changes: dict[str, float]
    actor_id: str | None = None


class WebhookSubscribed(_RefBody):
    """A subscription (never its secret: that stays sealed outside the log)."""

    type: Literal["WebhookSubscribed"] = "WebhookSubscribed"
    url: str
    events: list[str]
    actor_id: str | None = None


class WebhookUnsubscribed(_RefBody):
    """No more deliveries to it (seq 2 of its stream: of concurrent deletes one wins)."""

    type: Literal["WebhookUnsubscribed"] = "WebhookUnsubscribed"
    actor_id: str | None = None


REFERENCE_BODIES = (PolicyOverridden, BusinessLineChanged, WebhookSubscribed, WebhookUnsubscribed)
REFERENCE_EVENT_TYPES = frozenset(b.model_fields["type"].default for b in REFERENCE_BODIES)

POLICY_PREFIX, LINE_PREFIX, WEBHOOK_PREFIX = "policy-", "line-", "webhook-"


def policy_stream(year: int) -> str:
    return f"{POLICY_PREFIX}{year}"


def line_stream(line: str) -> str:
    return f"{LINE_PREFIX}{line}"


def webhook_stream(subscription_id: str) -> str:
    return f"{WEBHOOK_PREFIX}{subscription_id}"


def stream_key(stream: str, prefix: str) -> str:
    """What a reference stream is about: the year, the line or the subscription id."""
    if not stream.startswith(prefix):
        raise ValueError(f"{stream!r} is not a {prefix}<key> stream")
    return stream[len(prefix):]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: `patch` applied to `target` (neither is changed)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def difference(base: Any, other: Any) -> Any:
    """The merge patch that turns `base` into `other` (objects compared key by key, lists and
    scalars whole): `merge_patch(base, difference(base, other)) == other`."""
    if not (isinstance(base, dict) and isinstance(other, dict)):
        return other
    out: dict[str, Any] = {k: None for k in base if k not in other}
    for key, value in other.items():
        if key not in base:
            out[key] = value
        elif base[key] != value:
            out[key] = difference(base[key], value)
    return out

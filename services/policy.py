"""The year's policy as operators see and change it (shared/API.md "Policy and reference
data"). A change is a JSON merge patch of the year's overrides, validated by building the
policy it gives (`Policy.for_year`), recorded as `PolicyOverridden` in stream
`policy-<year>` with who and why, and folded into `policy_overrides`, which campaigns read
when they reserve a place (limits shared by every campaign) and when they start (their own
rules). A published plan's settings are recorded the same way (activities/planning.py).

Concurrency: a change is appended at the stream's next seq after the state it was
validated against; when another change took that seq first, it is validated again on the
new state and appended after it (a few times, then `conflict`): never a lost update."""

from __future__ import annotations

from typing import Any

import asyncpg
from pydantic import BaseModel, ValidationError

from domain import reference_events as refev
from domain.events import LoggedEvent
from domain.festivals import supported_years
from domain.policy import Policy
from services.errors import Code, Refused, invalid, no_nul
from store import reference


class PolicyView(BaseModel):
    year: int
    effective: dict[str, Any]  # the policy in force, flat field names
    overrides: dict[str, Any]  # what differs from the defaults (a merge patch over them)
    version: int  # the last seq of `policy-<year>` (0: never changed)


class HistoryItem(LoggedEvent):
    """One change of the year's policy, in order."""


class History(BaseModel):
    items: list[HistoryItem]


def check_year(year: int) -> None:
    years = supported_years()
    if year not in years:
        raise Refused(Code.INVALID, f"year {year} is outside the supported years ({years[0]}-{years[-1]})",
                      [{"field": "year", "message": "unsupported year"}])


def policy_json(policy: Policy) -> dict[str, Any]:
    """The policy as JSON with today's flat field names (the contract's keys)."""
    return policy.model_dump(mode="json", exclude={"year"})


def _view(year: int, overrides: dict[str, Any], version: int) -> PolicyView:
    effective = policy_json(Policy.for_year(year, overrides))
    return PolicyView(year=year, effective=effective, version=version,
                      overrides=refev.difference(policy_json(Policy.for_year(year)), effective))


async def view(pool: asyncpg.Pool, year: int) -> PolicyView:
    check_year(year)
    overrides, version = await reference.policy_state(pool, year)
    return _view(year, overrides, version)


def validate(year: int, changes: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides after `changes`, or `Refused` naming each bad key (nothing recorded)."""
    if "year" in changes:
        raise Refused(Code.INVALID, "invalid policy: year: the year is the path's, not a key to change",
                      [{"field": "year", "message": "not a key to change"}])
    merged = refev.merge_patch(overrides, changes)
    try:
        Policy.for_year(year, merged)
    except ValidationError as err:
        raise invalid("policy", err) from None
    except (TypeError, ValueError) as err:  # a shape the merge itself cannot take
        raise Refused(Code.INVALID, f"invalid policy: {err}") from None
    return merged


async def change(pool: asyncpg.Pool, year: int, changes: dict[str, Any], reason: str, actor: str,
                 actor_id: str | None = None) -> PolicyView:
    """Record `changes` (a JSON merge patch of the year's overrides) by `actor` for `reason`;
    the new view. A change that changes nothing records nothing (a retry is harmless)."""
    check_year(year)
    if not changes:
        raise Refused(Code.INVALID, "invalid policy: changes: nothing to change",
                      [{"field": "changes", "message": "empty"}])
    no_nul("changes", changes)
    no_nul("reason", reason)
    try:
        merged, version = await reference.change_policy(pool, year, changes, reason, actor, actor_id,
                                                        merge=lambda overrides: validate(year, changes, overrides))
    except reference.PolicyKeptChanging as err:
        raise Refused(Code.CONFLICT, str(err)) from None
    return _view(year, merged, version)


async def history(pool: asyncpg.Pool, year: int) -> History:
    check_year(year)
    return History(items=[HistoryItem(seq=e.seq, type=e.type, at=e.at, actor=e.actor, reason=e.reason, data=e.data)
                          for e in await reference.stream(pool, refev.policy_stream(year))])

"""The business lines' context as operators see and change it (shared/API.md "Policy and
reference data"): the strategic weight and the annual target are changed here, each change
a `BusinessLineChanged` in stream `line-<line>` with who and why, folded into
`business_lines`; annual progress and this month's revenue come from recorded results and
the revenue feed (store/results.py), as the review reads them.

Concurrency as in services/policy.py: appended at the stream's next seq after the state it
was validated against, validated again and appended after a change that came first."""

from __future__ import annotations

from datetime import UTC, date, datetime

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain import reference_events as refev
from domain.dates import local_date
from domain.events import Event
from domain.results.forecast import context_from_results
from domain.scoring import BusinessLineContext
from services.errors import Code, Refused, invalid, no_nul
from store import reference, results
from store.eventstore import EventConflict

ATTEMPTS = 10


class LineChanges(BaseModel):
    """What an operator may change of a line (the rest comes from results)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    strategic_weight: float | None = Field(default=None, ge=0, le=1)
    annual_target: float | None = Field(default=None, ge=0, description="yuan")


class LineView(BusinessLineContext):
    version: int = Field(description="the last seq of `line-<line>`")


class LineList(BaseModel):
    items: list[LineView]


async def _as_reviewed(pool: asyncpg.Pool, line: BusinessLineContext, version: int, today: date) -> LineView:
    """The context the review reads: progress and month revenue from results when recorded."""
    annual, month = await results.line_revenue(pool, line.business_line, today)
    return LineView(**context_from_results(line, annual, month).model_dump(), version=version)


async def _today(pool: asyncpg.Pool) -> date:
    policy = await reference.policy_for(pool, datetime.now(UTC).year)
    return local_date(policy, datetime.now(UTC))


async def listed(pool: asyncpg.Pool) -> LineList:
    today = await _today(pool)
    return LineList(items=[await _as_reviewed(pool, line, version, today)
                           for line, version in await reference.lines_state(pool)])


async def view(pool: asyncpg.Pool, name: str) -> LineView:
    state = await reference.line_state(pool, name)
    if state is None:
        raise Refused(Code.NOT_FOUND, f"no business line {name}")
    return await _as_reviewed(pool, *state, await _today(pool))


def validate(changes: dict) -> dict[str, float]:
    """The changed figures (the bounds of `BusinessLineContext`), or `Refused` naming each
    bad key (nothing recorded)."""
    try:
        given = LineChanges.model_validate(changes).model_dump(exclude_none=True)
    except ValidationError as err:
        raise invalid("business line change", err, ("changes",)) from None
    if not given:
        raise Refused(Code.INVALID, "invalid business line change: changes: nothing to change "
                                    "(strategic_weight, annual_target)", [{"field": "changes", "message": "empty"}])
    return given


async def change(pool: asyncpg.Pool, name: str, changes: dict, reason: str, actor: str,
                 actor_id: str | None = None) -> LineView:
    """Record `changes` of the line by `actor` for `reason`; the line's new view. A change
    that changes nothing records nothing."""
    no_nul("changes", changes)
    no_nul("reason", reason)
    for _ in range(ATTEMPTS):
        state = await reference.line_state(pool, name)
        if state is None:
            raise Refused(Code.NOT_FOUND, f"no business line {name}")
        line, version = state
        given = validate(changes)
        if all(getattr(line, k) == v for k, v in given.items()):
            return await view(pool, name)
        event = Event(campaign_id=refev.line_stream(name), seq=version + 1, at=datetime.now(UTC), actor=actor,
                      reason=reason, body=refev.BusinessLineChanged(changes=given, actor_id=actor_id))
        try:
            await reference.record(pool, event)
        except EventConflict:
            continue
        return await view(pool, name)
    raise Refused(Code.CONFLICT, f"the line {name} kept changing while this change was recorded; send it again")

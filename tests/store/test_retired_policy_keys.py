"""`webhooks` left the policy (the delivery's retries are configuration now: infra/webhook_retry.py).
A change naming it is refused and records nothing; what was recorded before still reads: the
event without its retired keys, the overrides the projection held without them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain import reference_events as refev
from domain.events import Event
from services import policy as policy_changes
from services.errors import Refused
from store import reference
from store.projections import rebuild

OLD_RETRIES = {"first_retry_seconds": 1, "max_attempts": 3}


async def test_a_change_naming_webhooks_is_refused_and_records_nothing(pool):
    with pytest.raises(Refused) as refused:
        await policy_changes.change(pool, 2027, {"webhooks": OLD_RETRIES}, "retries", "yan.ops")
    assert refused.value.code == "invalid_request" and "webhooks" in refused.value.message
    assert [d["field"] for d in refused.value.details] == ["webhooks"]
    assert (await reference.policy_state(pool, 2027)) == ({}, 0)
    assert await reference.stream(pool, refev.policy_stream(2027)) == []


async def test_a_change_recorded_before_still_reads_changes_and_rebuilds(pool):
    legacy = refev.PolicyOverridden.model_construct(  # as the engine recorded it while the key existed
        type="PolicyOverridden", changes={"webhooks": OLD_RETRIES, "yearly_budget_days": 120}, actor_id=None)
    await reference.record(pool, Event(campaign_id=refev.policy_stream(2027), seq=1, at=datetime.now(UTC),
                                       actor="yan.ops", reason="before", body=legacy))
    assert "webhooks" in await pool.fetchval("SELECT overrides FROM policy_overrides WHERE year = 2027")
    assert (await reference.policy_for(pool, 2027)).yearly_budget_days == 120
    assert await reference.policy_state(pool, 2027) == ({"yearly_budget_days": 120}, 1)
    view = await policy_changes.change(pool, 2027, {"max_alternatives": 2}, "fewer offers", "yan.ops")
    assert view.overrides == {"yearly_budget_days": 120, "max_alternatives": 2} and view.version == 2
    await rebuild(pool)
    assert await pool.fetchval("SELECT overrides FROM policy_overrides WHERE year = 2027") == {
        "yearly_budget_days": 120, "max_alternatives": 2}


def test_a_recorded_change_reads_without_its_retired_keys():
    body = refev.PolicyOverridden.model_validate({"changes": {"webhooks": OLD_RETRIES, "yearly_budget_days": 120}})
    assert body.changes == {"yearly_budget_days": 120}

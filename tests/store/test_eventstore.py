"""The log on a real PostgreSQL: identity, idempotency, gaplessness, commit-safe order."""

from __future__ import annotations

import asyncio
import json
import typing
from datetime import date

import asyncpg
import pytest
from pydantic import BaseModel

from domain import events as ev
from domain.campaign import Forecast, Phase, PhaseName
from domain.policy import Policy
from domain.results import events as results_ev
from domain.results.actuals import ActualRow, Correction
from domain.results.outcome import compute_outcome
from store import eventstore
from store.eventstore import EventConflict, SeqGap
from tests.store.helpers import event, submitted


async def _append(pool, e):
    async with pool.acquire() as conn, conn.transaction():
        return await eventstore.append(conn, e)


async def test_fifty_concurrent_writers_at_one_seq_exactly_one_wins(pool):
    await _append(pool, submitted("c-1"))
    contenders = [event("c-1", 2, ev.ApprovalEscalated(), actor=f"writer-{i}") for i in range(50)]
    results = await asyncio.gather(*(_append(pool, e) for e in contenders), return_exceptions=True)
    winners = [r for r in results if isinstance(r, int)]
    conflicts = [r for r in results if isinstance(r, EventConflict)]
    assert len(winners) == 1
    assert len(conflicts) == 49
    assert "seq 2" in str(conflicts[0]) and "is taken by ApprovalEscalated by writer-" in str(conflicts[0])
    assert await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id = 'c-1'") == 2


async def test_the_same_event_twice_is_a_no_op(pool):
    e = submitted("c-2")
    assert isinstance(await _append(pool, e), int)
    assert await _append(pool, e) is None
    rows = await eventstore.read_stream(pool, "c-2")
    assert [(r.seq, r.type) for r in rows] == [(1, "CampaignSubmitted")]
    assert rows[0].to_event() == e


async def test_a_different_event_at_a_taken_seq_names_both(pool):
    await _append(pool, submitted("c-3"))
    other = event("c-3", 1, ev.CampaignRejected(), actor="jun.approver")
    with pytest.raises(EventConflict) as err:
        await _append(pool, other)
    assert "CampaignRejected by jun.approver" in str(err.value)
    assert "CampaignSubmitted by lin.food" in str(err.value)


async def test_a_seq_that_would_leave_a_gap_is_refused(pool):
    await _append(pool, submitted("c-4"))
    with pytest.raises(SeqGap, match="seq 2 is missing"):
        await _append(pool, event("c-4", 3, ev.CampaignCompleted()))
    with pytest.raises(SeqGap):
        await _append(pool, event("c-5", 2, ev.CampaignCompleted()))


async def test_the_log_is_append_only_even_for_direct_sql(pool):
    await _append(pool, submitted("c-6"))
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("UPDATE events SET actor = 'mallory' WHERE campaign_id = 'c-6'")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("DELETE FROM events WHERE campaign_id = 'c-6'")


async def test_tailing_readers_never_skip_a_late_commit(pool):
    """A row with a lower position that commits later must not be skipped."""
    seeded = (await eventstore.read_all(pool))[-1][0]  # after the seeded business lines' events
    slow = await pool.acquire()
    try:
        tx = slow.transaction()
        await tx.start()
        await eventstore.append(slow, submitted("late"))          # lower position, not committed
        await _append(pool, submitted("early"))                     # higher position, committed
        seen = await eventstore.read_all(pool, seeded)
        assert [e.campaign_id for _, e in seen] == []               # "early" waits behind "late"
        await tx.commit()
    finally:
        await pool.release(slow)
    seen = await eventstore.read_all(pool, seeded)
    assert [e.campaign_id for _, e in seen] == ["late", "early"]
    after = seen[0][0]
    assert [e.campaign_id for _, e in await eventstore.read_all(pool, after)] == ["early"]


async def test_old_schema_versions_are_upcast_on_read(pool, monkeypatch):
    await _append(pool, event("c-7", 1, ev.ApprovalEscalated(stage="approval")))
    # Pretend ApprovalEscalated is now at v2 and v1 rows need lifting: the upcaster runs on read.
    monkeypatch.setitem(ev.SCHEMA_VERSION, "ApprovalEscalated", 2)
    monkeypatch.setitem(ev._UPCASTERS, ("ApprovalEscalated", 1), lambda d: {**d, "stage": "month_choice"})
    [stored] = await eventstore.read_stream(pool, "c-7")
    assert stored.schema_version == 1
    assert stored.to_event().body.stage == "month_choice"


async def test_the_same_event_decided_again_later_is_a_no_op_and_the_first_time_stands(pool):
    """A local activity retried after a lost workflow task carries a later workflow.now()."""
    from datetime import timedelta

    first = submitted("c-7")
    assert isinstance(await _append(pool, first), int)
    again = first.model_copy(update={"at": first.at + timedelta(seconds=12)})
    assert await _append(pool, again) is None
    [row] = await eventstore.read_stream(pool, "c-7")
    assert row.at == first.at


async def test_an_overdue_milestone_reaches_its_subscribers_naming_whom_it_escalates_to(pool):
    await pool.execute("INSERT INTO webhook_subscriptions (id, url, events, secret, created_by) "
                       "VALUES ('w-ms', 'http://127.0.0.1:9/hook', ARRAY['MilestoneOverdue'], 'secret-1', 'yan.ops')")
    await _append(pool, submitted("c-ms"))
    await _append(pool, event("c-ms", 2, ev.MilestoneOverdue(key="creative", due=date(2027, 3, 2), team="design",
                                                               escalate_to="dana.design"),
                              reason="creative due was due 2027-03-02 (design)"))
    rows = await pool.fetch("SELECT event_type, event_id, payload FROM webhook_deliveries WHERE subscription_id = 'w-ms'")
    assert [(r["event_type"], r["event_id"]) for r in rows] == [("MilestoneOverdue", "c-ms:2")]  # not the submit
    payload = rows[0]["payload"]
    assert payload["type"] == "MilestoneOverdue" and payload["campaign_id"] == "c-ms"
    assert payload["data"] == {"key": "creative", "due": "2027-03-02", "team": "design", "escalate_to": "dana.design"}


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    """`model` and every model its fields hold, however deep."""
    if model not in seen:
        seen.add(model)
        for field in model.model_fields.values():
            for t in _types(field.annotation):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    _models(t, seen)
    return seen


def _types(annotation) -> list:
    return [annotation, *(t for arg in typing.get_args(annotation) for t in _types(arg))]


def test_bodies_written_in_one_pass_refuse_non_finite_floats_in_every_model():
    """Straight from a model, pydantic-core writes Infinity as null (and jsonb would store
    it), so only bodies whose every model refuses a non-finite float go that way."""
    for name in eventstore.ONE_PASS:
        for model in _models(getattr(ev, name), set()):
            floats = [n for n, f in model.model_fields.items() if float in _types(f.annotation)]
            assert not floats or model.model_config.get("allow_inf_nan") is False, \
                f"{name}: {model.__name__}.{floats} may hold Infinity, which one pass would write as null"


def test_one_pass_data_is_the_data_dumped_then_encoded():
    day = ActualRow(date=date(2027, 5, 1), traffic=1000, orders=30, gmv=0.1 + 0.2, gross_profit=-5e-324)
    later = day.model_copy(update={"gmv": 2.0 ** 43 + 0.5})
    phases = [Phase(phase=PhaseName.BURST, start=date(2027, 5, 1), end=date(2027, 5, 3))]
    outcome = compute_outcome(Policy.for_year(2027), Forecast(traffic=900, avg_order_value=120.5, conversion_rate=0.03),
                              phases, 2, [day, later.model_copy(update={"date": date(2027, 5, 2)})])
    bodies = [results_ev.ActualsRecorded(rows=[day]), results_ev.ActualsCorrected(corrections=[Correction(old=day, new=later)]),
              results_ev.CampaignOutcome(outcome=outcome, days=2)]
    assert {b.type for b in bodies} == eventstore.ONE_PASS
    for n, body in enumerate(bodies, start=1):
        e = event("campaign-food-1", n, body)
        assert json.loads(eventstore.data_text(e)) == json.loads(eventstore.json_text(e.data()))

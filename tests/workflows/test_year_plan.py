"""The year plan's life on the time-skipping server with real activities and PostgreSQL:
intake (durable timer), leadership's S, settings, pins, solves, a scenario, publishing into
campaigns, roles and states refused before history, continue-as-new."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.planning.events import PlanPin
from domain.planning.model import Settings
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import LEADER, OPS, STARTED, owner_of, record_histories, running_worker
from tests.workflows.plan_helpers import example_intents, example_s, open_plan
from worker import build_worker
from workflows.plan_messages import (
    ChangePin,
    CloseIntake,
    FixS,
    PlanStatus,
    Publish,
    RunScenario,
    SetSettings,
    Solve,
    SubmitIntents,
)
from workflows.year_plan import YearPlanWorkflow

YEAR = 2027


@pytest.fixture
async def engine(ts_env, pool, request):
    tq = new_task_queue()
    async with running_worker(ts_env.client, pool, tq):
        yield ts_env, pool, tq
        await record_histories(request.node.name)


async def refused(coro, kind: str) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await coro
    assert err.value.cause.type == kind, err.value.cause
    return err.value.cause.message


async def view(h):
    return await h.query(YearPlanWorkflow.state_query)


async def test_a_season_from_intake_to_published_campaigns(engine):
    env, pool, tq = engine
    now = await env.get_current_time()
    closes = (now + timedelta(days=10)).date()
    h = await open_plan(env.client, YEAR, tq, intake_closes=closes)
    intents = example_intents()
    food = [it for it in intents if it.business_line == "food"]
    others = [it for it in intents if it.business_line != "food"]

    # a line submits its own; the same intents again are "exists"; another line's is refused
    res = await h.execute_update(YearPlanWorkflow.submit_intents, SubmitIntents(actor=owner_of("food"), intents=food))
    assert {r.status for r in res} == {"created"}
    await refused(h.execute_update(YearPlanWorkflow.submit_intents,
                                   SubmitIntents(actor=owner_of("food"), intents=others[:1])), "forbidden")
    res = await h.execute_update(YearPlanWorkflow.submit_intents,
                                 SubmitIntents(actor=OPS, intents=others + food[:2]))
    assert [r.status for r in res] == ["created"] * len(others) + ["exists", "exists"]
    assert (await view(h)).intents == len(intents)
    rows = await pool.fetchval("SELECT count(*) FROM plan_intents WHERE year = $1", YEAR)
    assert rows == len(intents)

    # roles: only the leader fixes S, only ops solve; publish before a solve is out of state
    s = example_s(intents)
    await refused(h.execute_update(YearPlanWorkflow.fix_s, FixS(actor=OPS, campaigns=s)), "forbidden")
    await refused(h.execute_update(YearPlanWorkflow.solve, Solve(actor=LEADER)), "forbidden")
    await refused(h.execute_update(YearPlanWorkflow.publish, Publish(actor=LEADER)), "invalid_state")
    await h.execute_update(YearPlanWorkflow.fix_s, FixS(actor=LEADER, campaigns=s))
    await h.execute_update(YearPlanWorkflow.set_settings, SetSettings(actor=OPS, settings=Settings(budget=150, reserve=12)))

    # a draft solve while the intake is open
    summary = await h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS))
    assert summary.status == "optimal" and summary.tiers["S"] == 3
    assert (await view(h)).status == PlanStatus.INTAKE

    # the durable timer closes the intake
    await env.sleep(timedelta(days=12))
    await wait_until(lambda: _status_is(h, PlanStatus.SOLVED), what="intake closed by its timer")
    await refused(h.execute_update(YearPlanWorkflow.submit_intents,
                                   SubmitIntents(actor=OPS, intents=intents[:1])), "invalid_state")

    # pin one placed intent out; the plan is stale until solved again
    sol = await pool.fetchrow("SELECT decisions FROM plan_solutions WHERE solution_id = $1", (await view(h)).solution_id)
    b = next(d for d in sol["decisions"] if d["tier"] == "B")
    await h.execute_update(YearPlanWorkflow.pin, ChangePin(actor=OPS, pin=PlanPin(intent_id=b["intent_id"], cut=True)))
    assert (await view(h)).status == PlanStatus.INTAKE_CLOSED
    await refused(h.execute_update(YearPlanWorkflow.publish, Publish(actor=LEADER)), "invalid_state")
    resolved = await h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS))
    sol = await pool.fetchrow("SELECT decisions FROM plan_solutions WHERE solution_id = $1", (await view(h)).solution_id)
    assert next(d for d in sol["decisions"] if d["intent_id"] == b["intent_id"])["decision"] == "cut"

    # a scenario changes nothing of the plan
    rec = await h.execute_update(YearPlanWorkflow.scenario, RunScenario(actor=LEADER, name="tight",
                                                                         settings=Settings(budget=100, reserve=12)))
    assert rec.summary.counted_days <= 88
    v = await view(h)
    assert v.solution == resolved and v.scenarios == ["tight"]

    # publish: every placed intent a scheduled campaign, cut ones closed
    await refused(h.execute_update(YearPlanWorkflow.publish, Publish(actor=OPS)), "forbidden")
    acc = await h.execute_update(YearPlanWorkflow.publish, Publish(actor=LEADER))
    assert acc.status == PlanStatus.PUBLISHING
    await wait_until(lambda: _status_is(h, PlanStatus.PUBLISHED), timeout=60, what="published")
    v = await view(h)
    placed = resolved.placed + resolved.moved + resolved.downgraded
    assert v.publish.campaigns == placed and v.publish.scheduled == placed and v.publish.cut == resolved.cut
    used = await pool.fetchval("SELECT coalesce(sum(counted_days), 0) FROM calendar_entries WHERE year = $1", YEAR)
    assert used == resolved.counted_days
    cut = await pool.fetchval("SELECT count(*) FROM plan_intents WHERE year = $1 AND status = 'cut' "
                              "AND closed_reason <> ''", YEAR)
    assert cut == resolved.cut
    approvals = await pool.fetch("SELECT actor, reason FROM events WHERE type = 'CampaignApproved'")
    assert len(approvals) == placed and all(a["actor"] == LEADER.name and "plan-2027" in a["reason"]
                                            for a in approvals)
    for tier in ("S", "B"):  # planned campaigns' histories too (tests/histories)
        cid = await pool.fetchval("SELECT campaign_id FROM campaigns WHERE tier = $1 ORDER BY campaign_id LIMIT 1", tier)
        STARTED.append(env.client.get_workflow_handle(cid))
    # publishing again creates nothing
    campaigns = await pool.fetchval("SELECT count(*) FROM campaigns")
    acc = await h.execute_update(YearPlanWorkflow.publish, Publish(actor=LEADER))
    assert acc.status == PlanStatus.PUBLISHED
    assert await pool.fetchval("SELECT count(*) FROM campaigns") == campaigns
    # the plan's settings are the year's policy overrides
    over = await pool.fetchval("SELECT overrides FROM policy_overrides WHERE year = $1", YEAR)
    assert over["yearly_budget_days"] == 150 and over["hot_topic_reserve_days"] == 12
    # recorded as a policy change by the publishing leader, once (publishing again changes nothing)
    changes = await pool.fetch("SELECT type, actor, reason FROM events WHERE campaign_id = $1", f"policy-{YEAR}")
    assert [(c["type"], c["actor"]) for c in changes] == [("PolicyOverridden", LEADER.name)]
    assert changes[0]["reason"].startswith(f"published plan-{YEAR}")
    # the plan's projection is rebuilt from the log like the others
    from store.projections import rebuild

    live = [dict(r) for r in await pool.fetch("SELECT * FROM plan_intents ORDER BY intent_id")]
    await rebuild(pool)
    assert [dict(r) for r in await pool.fetch("SELECT * FROM plan_intents ORDER BY intent_id")] == live


async def _status_is(h, status) -> bool:
    return (await view(h)).status == status


async def test_close_intake_early_and_out_of_state_calls(engine):
    env, pool, tq = engine
    h = await open_plan(env.client, YEAR, tq)
    await refused(h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS)), "invalid_state")  # nothing to plan
    await refused(h.execute_update(YearPlanWorkflow.close_intake, CloseIntake(actor=LEADER)), "forbidden")
    await h.execute_update(YearPlanWorkflow.close_intake, CloseIntake(actor=OPS))
    await refused(h.execute_update(YearPlanWorkflow.close_intake, CloseIntake(actor=OPS)), "invalid_state")
    await refused(h.execute_update(YearPlanWorkflow.submit_intents,
                                   SubmitIntents(actor=OPS, intents=example_intents()[:1])), "invalid_state")
    types = [r["type"] for r in await pool.fetch("SELECT type FROM events WHERE campaign_id = 'plan-2027' ORDER BY seq")]
    assert types == ["PlanOpened", "IntakeClosed"]


async def test_history_stays_bounded_by_continue_as_new(engine):
    env, pool, tq = engine
    h = await open_plan(env.client, YEAR, tq, max_history_events=100)
    intents = example_intents()
    for it in intents:  # one batch each: many updates
        await h.execute_update(YearPlanWorkflow.submit_intents, SubmitIntents(actor=OPS, intents=[it]))
    v = await view(h)
    assert v.runs > 1 and v.intents == len(intents)
    assert v.history_events < 100
    seqs = [r["seq"] for r in await pool.fetch("SELECT seq FROM events WHERE campaign_id = 'plan-2027' ORDER BY seq")]
    assert seqs == list(range(1, len(intents) + 2))


async def _season_ready(h, intents):
    await h.execute_update(YearPlanWorkflow.submit_intents, SubmitIntents(actor=OPS, intents=intents))
    await h.execute_update(YearPlanWorkflow.fix_s, FixS(actor=LEADER, campaigns=example_s(intents)))
    return await h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS))


async def test_a_worker_lost_during_publish_loses_nothing_and_duplicates_nothing(ts_env, pool, request):
    env, tq = ts_env, new_task_queue()
    intents = example_intents()
    # no sticky cache on the first worker: the time-skipping server does not move a dead
    # worker's sticky queue back to the shared one (the dev server does, after 5 s)
    async with build_worker(env.client, pool, tq, max_cached_workflows=0):
        h = await open_plan(env.client, YEAR, tq)
        summary = await _season_ready(h, intents)
        await h.execute_update(YearPlanWorkflow.publish, Publish(actor=LEADER))

        async def some_started():
            return await pool.fetchval("SELECT count(*) FROM campaigns") > 0
        await wait_until(some_started, what="publishing under way")
    # the worker is gone mid-publish; another one takes over
    async with running_worker(env.client, pool, tq):
        await wait_until(lambda: _status_is(h, PlanStatus.PUBLISHED), timeout=90, what="published by the next worker")
    placed = summary.placed + summary.moved + summary.downgraded
    assert await pool.fetchval("SELECT count(*) FROM campaigns") == placed
    assert await pool.fetchval("SELECT count(*) FROM events WHERE type = 'CampaignSubmitted'") == placed
    assert await pool.fetchval("SELECT count(*) FROM events WHERE type = 'IntentsPublished'") == 1
    used = await pool.fetchval("SELECT coalesce(sum(counted_days), 0) FROM calendar_entries WHERE year = $1", YEAR)
    assert used == summary.counted_days
    await record_histories(request.node.name)


async def test_history_size_for_1000_intents(engine, capsys):
    """Intents are events in the plan's stream; the workflow's history carries each batch once
    (the update's input and the recording activity's input) and continue-as-new bounds it."""
    import random

    from domain.planning import season
    from tests.domain.planning.planner_gen import intent

    env, pool, tq = engine
    BATCH = 200
    rnd = random.Random(5)
    intents = []
    for n in range(1000):
        first = rnd.randint(1, 12)
        months = sorted({first, min(12, first + 1)}, key=lambda m: m != first)
        it = intent(n, rnd.randrange(6), months, rnd.choice(["A", "B", "B", "C"]),
                    rnd.uniform(5e5, 3e7), rnd.randint(200_000, 8_000_000))
        intents.append(it.model_copy(update={"intent_id": season.intent_id_for(it.business_line, it.request_id)}))
    h = await open_plan(env.client, YEAR, tq)
    for i in range(0, 1000, BATCH):
        await h.execute_update(YearPlanWorkflow.submit_intents, SubmitIntents(actor=OPS, intents=intents[i:i + BATCH]))
    summary = await h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS))
    assert summary.status in ("optimal", "feasible")
    history = await h.fetch_history()
    size = len(history.to_json())
    v = await view(h)
    with capsys.disabled():
        print(f"\n[history] 1,000 intents in {1000 // BATCH} batches + a solve: {len(history.events)} events, {size / 1e6:.2f} MB "
              f"of JSON, workflow state {len(v.model_dump_json()) / 1e3:.1f} kB")
    assert v.intents == 1000 and size < 3_000_000
    STARTED.remove(h)  # too big to commit as a replay history


async def test_first_come_first_served_through_the_campaign_path_loses_to_the_plan(engine):
    """The example year fed one request at a time, in arrival order, through today's campaign
    path (each approved at once: S by the leader, others by an approver) against the plan's
    solve of the same intents: the plan's value is at least first come first served's, with
    all of leadership's S placed."""
    from domain.policy import Policy
    from domain.status import Status
    from domain.tiers import Tier
    from tests.workflows.helpers import APPROVER, start
    from workflows.campaign import CampaignWorkflow
    from workflows.messages import Approve

    env, pool, tq = engine
    intents = example_intents()
    h = await open_plan(env.client, YEAR, tq)
    summary = await _season_ready(h, intents)
    assert summary.tiers["S"] == 3
    STARTED.remove(h)

    policy = Policy.for_year(YEAR)
    value, s_placed = 0.0, 0
    for it in intents:  # arrival order
        req = it.model_copy(update={"month": it.months[0]})
        fields = req.model_dump(exclude={"months", "intent_id"})
        from domain.campaign import CampaignRequest

        c = await start(env.client, CampaignRequest.model_validate(fields), tq)
        STARTED.remove(c)

        async def decided(c=c):
            st = await c.query(CampaignWorkflow.state_query)
            return st.status in (Status.IN_REVIEW, Status.SCHEDULED) or st.status.is_final
        await wait_until(decided, what=f"{c.id} scored")
        st = await c.query(CampaignWorkflow.state_query)
        if st.status == Status.IN_REVIEW:
            who = LEADER if it.requested_tier == Tier.S else APPROVER
            if any(f.startswith("margin_below_floor") for f in st.flags):  # the example's one leader override
                st = await c.execute_update(CampaignWorkflow.approve, Approve(
                    actor=LEADER, margin_override=True, reason="the year's 618 anchor"))
            else:
                st = await c.execute_update(CampaignWorkflow.approve, Approve(actor=who))
        if st.status == Status.SCHEDULED and st.tier is not None and st.tier != Tier.C:
            value += (st.score or 0.0) * policy.rule(st.tier).counted_days
            s_placed += st.tier == Tier.S
    assert summary.value >= value, (summary.value, value)
    print(f"\n[fcfs] plan value {summary.value:.3f} (3 S) >= first come first served {value:.3f} ({s_placed} S)")


async def test_a_plan_with_c_intents_is_published_once_its_c_campaigns_complete(engine):
    """A C books nothing and, without phases, completes as soon as it is scheduled: settled as
    its tier should (shared/API.md, publish), so the plan is `published`, not stuck publishing."""
    from domain.planning import season
    from domain.tiers import Tier

    env, pool, tq = engine
    food = [it for it in example_intents() if it.business_line == "food"]
    cs = [it.model_copy(update={"request_id": f"c-{it.request_id}", "requested_tier": Tier.C,
                                "intent_id": season.intent_id_for(it.business_line, f"c-{it.request_id}")})
          for it in food[:3]]
    h = await open_plan(env.client, YEAR, tq)
    await h.execute_update(YearPlanWorkflow.submit_intents, SubmitIntents(actor=OPS, intents=food + cs))
    summary = await h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS))
    assert summary.tiers["C"] >= len(cs)
    await h.execute_update(YearPlanWorkflow.publish, Publish(actor=LEADER))
    await wait_until(lambda: _status_is(h, PlanStatus.PUBLISHED), timeout=60, what="published with its C campaigns")
    v = await view(h)
    placed = summary.placed + summary.moved + summary.downgraded
    assert v.publish.campaigns == placed == v.publish.scheduled and v.publish.problems == []
    c_status = {r["status"] for r in await pool.fetch("SELECT status FROM campaigns WHERE tier = 'C'")}
    assert "completed" in c_status and c_status <= {"scheduled", "completed"}
    ended = await pool.fetchval("SELECT reason FROM events WHERE type = 'PlanPublished'")
    assert ended is None  # no problems named
    STARTED.remove(h)


async def test_a_solve_is_retried_a_few_times_not_forever(engine):
    env, pool, tq = engine
    h = await open_plan(env.client, YEAR, tq)
    food = [it for it in example_intents() if it.business_line == "food"]
    await h.execute_update(YearPlanWorkflow.submit_intents, SubmitIntents(actor=OPS, intents=food))
    await h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS))
    scheduled = [e.activity_task_scheduled_event_attributes for e in (await h.fetch_history()).events
                 if e.HasField("activity_task_scheduled_event_attributes")]
    solve = [a for a in scheduled if a.activity_type.name == "solve_plan"]
    assert len(solve) == 1 and solve[0].retry_policy.maximum_attempts == 3
    STARTED.remove(h)

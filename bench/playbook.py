"""Rung 5: the playbook year (examples/year-2027.json) through every phase on the
time-skipping test server, with its own fresh database and the default policy; it
needs a server of its own, unlike the rungs in bench.rungs."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.harness import ROOT, bounded, build_bench_worker, new_queue, owner_of, poll
from bench.rungs import start_campaign
from domain.campaign import CampaignRequest
from domain.status import Status
from stack.database import prepare_database
from stack.embedded import BIN, create_database
from store.db import create_pool
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, Approve, ChooseMonth

LEADER = Actor(name="wei.leader", role="leader", business_line=None)


def _override(flags: list[str]) -> dict:
    """The leader's margin override for a campaign the review flags under the margin floor
    (the example year's 618: DOMAIN.md "Money"), where the approval takes one."""
    if "margin_override" in Approve.model_fields and any(f.startswith("margin_below_floor") for f in flags):
        return {"margin_override": True, "reason": "618 price war: the margin floor waived by the leader"}
    return {}


async def rung_playbook(pg_server, data: Path) -> dict:
    """The 39 requests of examples/year-2027.json through every phase on the time-skipping
    server, real activities, a fresh database with the default policy (no overrides)."""
    dsn = pg_server.get_uri("bench_playbook")
    await create_database(pg_server.get_uri(), "bench_playbook")
    await prepare_database(dsn, year=2027)
    pool = await create_pool(dsn, max_size=20)
    path = shutil.which("temporal-test-server", path=str(BIN))
    t_boot = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=path,
                                                      data_converter=pydantic_data_converter)
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    from workflows import search_attributes as sa
    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace=env.client.namespace,
        search_attributes={k.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for k in sa.ALL}))
    boot = time.perf_counter() - t_boot
    reqs = [CampaignRequest.model_validate(b) for b in json.loads((ROOT / "examples/year-2027.json").read_text())]
    tq = new_queue("playbook")
    client = env.client
    try:
        async with build_bench_worker(client, pool, tq):
            t0 = time.perf_counter()
            handles = await bounded(start_campaign(client, r, tq) for r in reqs)

            async def decide(h: WorkflowHandle) -> str:
                async def ready() -> bool:
                    s = await h.query(CampaignWorkflow.state_query)
                    return s.status != Status.SUBMITTED
                await poll(ready, 60, f"{h.id} reviewed")
                s = await h.query(CampaignWorkflow.state_query)
                if s.status == Status.IN_REVIEW:
                    approve = Approve.model_validate({"actor": LEADER, **_override(s.flags)})
                    while True:
                        try:
                            s = await h.execute_update(CampaignWorkflow.approve, approve)
                            break
                        except WorkflowUpdateFailedError as err:
                            if getattr(err.cause, "type", None) != "invalid_state":
                                raise
                            await asyncio.sleep(0.05)
                for _ in range(3):  # refused by balancing: the owner takes the first month offered
                    if s.status != Status.AWAITING_MONTH_CHOICE or not s.alternatives:
                        break
                    s = await h.execute_update(CampaignWorkflow.choose_month, ChooseMonth(
                        actor=owner_of(s.business_line), month=s.alternatives[0]))
                return s.status.value

            decided = await asyncio.gather(*(decide(h) for h in handles))
            t_decided = time.perf_counter()
            # one result at a time: each wait unlocks time skipping, and the test server
            # refuses concurrent unlocks ("Unbalanced lock and unlock calls")
            finals = [await h.result() for h in handles]
            wall = time.perf_counter() - t0
        end: dict[str, int] = {}
        tiers: dict[str, int] = {}
        for f in finals:
            end[f.status.value] = end.get(f.status.value, 0) + 1
            if f.status == Status.COMPLETED:
                tiers[f.tier.value] = tiers.get(f.tier.value, 0) + 1
        # the shape of one completed B campaign: what the floor workflow mirrors
        b = next(h for h, f in zip(handles, finals, strict=True)
                 if f.status == Status.COMPLETED and f.tier and f.tier.value == "B")
        kinds: dict[str, int] = {}
        async for e in b.fetch_history_events():
            k = e.WhichOneof("attributes").replace("_event_attributes", "")
            kinds[k] = kinds.get(k, 0) + 1
        shape = {k: kinds.get(k, 0) for k in ("activity_task_scheduled", "timer_started", "timer_fired",
                                              "timer_canceled", "workflow_task_completed",
                                              "workflow_execution_update_accepted")}
        return {"campaigns": len(reqs), "wall_s": round(wall, 2), "decided_s": round(t_decided - t0, 2),
                "server_boot_s": round(boot, 2), "after_decisions": sorted(set(decided)), "final": end,
                "completed_by_tier": tiers, "b_campaign_history_shape": {"id": b.id, **shape}}
    finally:
        await env.shutdown()
        await pool.close()


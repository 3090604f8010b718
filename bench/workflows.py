"""The ladder's reference workflows: a no-op workflow and a "floor" with the shape of a
campaign (the same number of activities, timers and the approve update), where every
activity does nothing. The campaign rung divided by the floor rung is what the
campaign's own code (payloads, pydantic, PostgreSQL) costs on top of Temporal itself.

Shape of a B campaign up to `scheduled` (count from its history, see bench/playbook.py
`b_campaign_history_shape`): load_policy, record(CampaignSubmitted), load_business_line,
record(ReviewScored), approval timer (started, cancelled by the approve update),
record(CampaignApproved), reserve_month, allocate_resources -> scheduled, then a timer
to the warm-up start. Its phases then add a record per phase start/end and a timer per
phase boundary; the floor runs those with `phase_timer` seconds per timer (0: none).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import activity, workflow

_FAST = {"start_to_close_timeout": timedelta(seconds=30)}


@activity.defn(name="bench_noop")
async def noop(step: str) -> str:
    return step


@workflow.defn(name="BenchNoop")
class NoopWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn(name="BenchFloor")
class FloorWorkflow:
    """`before`: activities before review; `after`: activities after approval;
    `phase_records`/`phase_timers` the phases; `hold` seconds to wait once scheduled
    (a long hold keeps the workflow open on a timer, like a scheduled campaign)."""

    def __init__(self) -> None:
        self.approved = False
        self.scheduled = False

    @workflow.run
    async def run(self, before: int, after: int, phase_records: int, phase_timers: int,
                  phase_timer: float, hold: float) -> str:
        for i in range(before):
            await workflow.execute_activity(noop, f"before-{i}", **_FAST)
        # the approval SLA timer: started, then cancelled by the decision
        sla = asyncio.ensure_future(asyncio.sleep(48 * 3600))
        await workflow.wait_condition(lambda: self.approved)
        sla.cancel()
        for i in range(after):
            await workflow.execute_activity(noop, f"after-{i}", **_FAST)
        self.scheduled = True
        if hold > 0:
            await asyncio.sleep(hold)
        records = phase_records
        for _ in range(phase_timers):
            if phase_timer > 0:
                await asyncio.sleep(phase_timer)
            if records > 0:
                await workflow.execute_activity(noop, "phase", **_FAST)
                records -= 1
        for _ in range(records):
            await workflow.execute_activity(noop, "phase", **_FAST)
        return "completed"

    @workflow.update
    async def approve(self) -> bool:
        self.approved = True
        await workflow.wait_condition(lambda: self.scheduled)
        return True

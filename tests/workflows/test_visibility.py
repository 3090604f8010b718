"""Typed search attributes on a real dev server: ops list campaigns with Temporal's own
tools (`temporal workflow list --query ...`)."""

from __future__ import annotations

import asyncio
import json

from domain.status import Status
from domain.tiers import Tier
from stack.embedded import BIN
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import APPROVER, request, running_worker, start
from workflows.campaign import CampaignWorkflow
from workflows.messages import Approve


async def test_campaigns_are_listed_by_search_attributes(dev_env, pool):
    client = dev_env.client
    tq = new_task_queue()
    async with running_worker(client, pool, tq):
        scheduled = await start(client, request(Tier.B, "2027-03", line="beauty"), tq)
        waiting = await start(client, request(Tier.B, "2027-04", line="apparel"), tq)

        async def in_review(h):
            return (await h.query(CampaignWorkflow.state_query)).status == Status.IN_REVIEW
        await wait_until(lambda: in_review(scheduled), what="in review")
        await wait_until(lambda: in_review(waiting), what="in review")
        await scheduled.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER))

        query = f"CampaignTier='B' AND CampaignStatus='scheduled' AND TaskQueue='{tq}'"

        async def listed() -> list[str]:
            return [w.id async for w in client.list_workflows(query)]
        await wait_until(lambda: _eq(listed(), [scheduled.id]), what="visibility to catch up")
        by_line = [w.id async for w in client.list_workflows(
            f"BusinessLine='apparel' AND CampaignMonth='2027-04' AND TaskQueue='{tq}'")]
        assert by_line == [waiting.id]

        # The same query through the temporal CLI, as ops would type it.
        proc = await asyncio.create_subprocess_exec(
            str(BIN / "temporal"), "workflow", "list", "--address", client.service_client.config.target_host,
            "--query", query, "--output", "json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        rows = json.loads(out) if out.strip().startswith(b"[") else [json.loads(line) for line in out.splitlines()]
        assert [r["execution"]["workflowId"] for r in rows] == [scheduled.id]


async def _eq(coro, expected) -> bool:
    return await coro == expected

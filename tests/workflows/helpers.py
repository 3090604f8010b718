"""Helpers for workflow tests: a worker on a real server, requests and actors."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from domain.campaign import CampaignRequest, Forecast, campaign_id_for
from domain.tiers import Tier
from worker import build_worker
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, CampaignInput

HISTORIES = Path(__file__).resolve().parent.parent / "histories"

OWNER = Actor(name="lin.food", role="business_line", business_line="food")
APPROVER = Actor(name="jun.approver", role="approver", business_line=None)
FOOD_APPROVER = Actor(name="hua.approver", role="approver", business_line="food")
LEADER = Actor(name="wei.leader", role="leader", business_line=None)
OPS = Actor(name="yan.ops", role="ops", business_line=None)


def s_request(month: str = "2027-06", **kw) -> CampaignRequest:
    """A request strong enough to be proposed S (strategic line, in season, high target and margin)."""
    return request(Tier.S, month, line="food", revenue_target=50_000_000, gross_margin=0.45, traffic=20_000_000, **kw)


def owner_of(line: str) -> Actor:
    return Actor(name=f"someone.{line}", role="business_line", business_line=line)


def request(tier: Tier | None = Tier.B, month: str = "2027-03", *, line: str = "food", category: str | None = None,
            burst_start: date | None = None, hot_topic: bool = False, revenue_target: float = 1_000_000,
            request_id: str | None = None, gross_margin: float = 0.25, traffic: int = 2_000_000,
            **extra) -> CampaignRequest:
    return CampaignRequest(
        request_id=request_id or f"r-{uuid.uuid4().hex[:10]}", name=f"{line} {tier} {month}",
        business_line=line, category=category or line, requested_tier=tier, month=month,
        burst_start=burst_start, revenue_target=revenue_target, gross_margin=gross_margin,
        forecast=Forecast(traffic=traffic, avg_order_value=120.0, conversion_rate=0.03),
        hot_topic=hot_topic, **extra,
    )


@asynccontextmanager
async def running_worker(client: Client, pool, task_queue: str):
    worker = build_worker(client, pool, task_queue)
    async with worker:
        yield worker


STARTED: list[WorkflowHandle] = []  # for recording histories (tests/histories/README.md)


async def start(client: Client, req: CampaignRequest, task_queue: str, owner: Actor | None = None) -> WorkflowHandle:
    owner = owner or owner_of(req.business_line)
    handle = await client.start_workflow(
        CampaignWorkflow.run, CampaignInput(request=req, owner=owner),
        id=campaign_id_for(req.business_line, req.request_id), task_queue=task_queue)
    STARTED.append(handle)
    return handle


async def record_histories(test_name: str) -> None:
    """With PROMOFLOW_RECORD_HISTORIES=<label> (`baseline` or a patch id), save every history
    a test made for the replay test."""
    started, STARTED[:] = list(STARTED), []
    label = os.environ.get("PROMOFLOW_RECORD_HISTORIES")
    if not label:
        return
    HISTORIES.mkdir(exist_ok=True)
    # The label, `baseline` or the patch id (tests/histories/README.md), keeps new recordings
    # beside the old ones, never over them.
    suffix = re.sub(r"[^a-z0-9_-]+", "_", label.lower())
    for i, handle in enumerate(started):
        history = await handle.fetch_history()
        name = re.sub(r"[^a-z0-9_]+", "_", test_name.lower()).strip("_")
        (HISTORIES / f"{name}-{i}.{suffix}.json").write_text(history.to_json())

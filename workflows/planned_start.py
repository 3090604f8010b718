"""How a published year plan starts one of its campaigns: a `CampaignWorkflow` with
`CampaignInput.planned` (approved at the plan's tier, month and dates), under its
deterministic id, never twice.

The publish activity (activities/planning.py) calls this through the `StartCampaign` it is
given by the worker (worker.py), so activities/ never import the workflow they start: the
workflow's contract stays here, beside the workflow."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.planning import StartCampaign
from domain.campaign import CampaignRequest
from workflows.campaign import CampaignWorkflow
from workflows.messages import Actor, CampaignInput, PlannedCampaign


def planned_starter(client: Client, task_queue: str) -> StartCampaign:
    async def start(campaign_id: str, request: CampaignRequest, owner: str, planned: dict[str, Any]) -> bool:
        """True when started; False when a workflow with this id exists (published before)."""
        inp = CampaignInput(request=request, planned=PlannedCampaign(**planned),
                            owner=Actor(name=owner, role="business_line", business_line=request.business_line))
        try:
            await client.start_workflow(CampaignWorkflow.run, inp, id=campaign_id, task_queue=task_queue,
                                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                                        id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
            return True
        except WorkflowAlreadyStartedError:
            return False

    return start

"""The promoflow worker: runs CampaignWorkflow, YearPlanWorkflow and their activities.

    python worker.py            # uses TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL

Configuration, logging and the Temporal connection come from `infra/`; this file holds
only what is the worker's own: its registrations, sandbox and cache options.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

import asyncpg
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.approvals import ApprovalActivities
from activities.campaign import CampaignActivities
from activities.planning import PlanningActivities
from activities.webhooks import supervised_delivery
from infra import heap
from infra.logs import configure as configure_logging
from infra.settings import Settings, load_settings
from infra.temporal import connect
from infra.webhook_retry import WebhookRule
from store.db import create_pool
from workflows.campaign import CampaignWorkflow
from workflows.planned_start import planned_starter
from workflows.year_plan import YearPlanWorkflow

# Every module a workflow imports is passed through the sandbox instead of being
# re-imported for each workflow run (that re-import was the costliest part of starting
# or replaying a campaign). Safe here because what workflows/ imports is deterministic and
# holds no mutable module state: domain/ is pure (a test walks its imports), pydantic is
# deterministic. The sandbox's runtime restrictions (no datetime.now, no I/O) still apply.
SANDBOX = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())

# For the bench only (docs/BENCHMARKS.md, "the sandbox's price"): which runner the worker
# uses. `sandboxed` (the default, the above), `sandboxed-strict` (the SDK's default
# restrictions: every workflow module re-imported per run) or `unsandboxed` (no sandbox).
RUNNER_ENV = "PROMOFLOW_WORKFLOW_RUNNER"
RUNNERS = ("sandboxed", "sandboxed-strict", "unsandboxed")


def workflow_runner(name: str | None = None) -> WorkflowRunner:
    """The runner named (else by PROMOFLOW_WORKFLOW_RUNNER, else `sandboxed`)."""
    name = name or os.environ.get(RUNNER_ENV) or "sandboxed"
    if name == "sandboxed":
        return SANDBOX
    if name == "sandboxed-strict":
        return SandboxedWorkflowRunner()
    if name == "unsandboxed":
        return UnsandboxedWorkflowRunner()
    raise ValueError(f"{RUNNER_ENV}={name!r}: expected one of {', '.join(RUNNERS)}")


# Cached campaigns cost ~0.23 MiB each (docs/BENCHMARKS.md); beyond this many they are
# evicted and replayed on their next task, so the worker's memory stays bounded.
WORKER_OPTIONS = dict(workflow_runner=workflow_runner(), max_cached_workflows=1000)


def campaign_activities(pool) -> list:
    acts = CampaignActivities(pool)
    return [acts.load_context, acts.record_events,
            acts.reserve_month, acts.allocate_resources, acts.schedule, acts.forecast_history,
            ApprovalActivities(pool).escalation_targets]


def planning_activities(pool, client: Client, task_queue: str) -> list:
    acts = PlanningActivities(pool, planned_starter(client, task_queue))
    return [acts.record_plan_event, acts.solve_plan, acts.publish_campaigns, acts.planned_campaign_ids,
            acts.watch_publish]


def build_worker(client: Client, pool, task_queue: str, **options) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=[CampaignWorkflow, YearPlanWorkflow],
                  activities=campaign_activities(pool) + planning_activities(pool, client, task_queue),
                  **{**WORKER_OPTIONS, **options})


def metrics_runtime(host: str, port: int) -> Runtime:
    """The SDK's own metrics (Prometheus) for this worker process."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}")))


async def main() -> None:
    configure_logging()
    settings = load_settings()
    runtime = metrics_runtime(settings.worker_metrics_host, settings.worker_metrics_port) \
        if settings.worker_metrics_port else None
    client = await connect(settings, runtime=runtime)
    pool = await create_pool(settings.require_database_url(), max_size=20)
    worker = build_worker(client, pool, settings.task_queue)
    heap.settle()
    logging.getLogger("promoflow.worker").info(
        "worker on task queue %s; metrics on 127.0.0.1:%s/metrics", settings.task_queue, settings.worker_metrics_port)
    try:
        await run_with_delivery(worker, pool, settings=settings)
    finally:
        await pool.close()


async def run_with_delivery(worker: Worker, pool: asyncpg.Pool, rule: WebhookRule | None = None, *,
                            settings: Settings | None = None) -> None:
    """Run the worker with the webhook outbox's delivery loop beside it (activities/webhooks.py
    says why a loop and not a workflow), supervised (restarted when it dies, its health in
    PostgreSQL for /healthz: activities/background.py), until the worker stops."""
    settings = settings or load_settings()
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    delivery = supervised_delivery(pool, rule or settings.webhook_retry, secret_key=key,
                                   allow=settings.webhook_allow_list)
    try:
        await worker.run()
    finally:
        delivery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await delivery


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass

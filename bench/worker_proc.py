"""The worker as its own process, as `make run` runs it (worker.py's main): the same
settings from the environment (TEMPORAL_ADDRESS, DATABASE_URL, PROMOFLOW_TASK_QUEUE,
PROMOFLOW_WORKFLOW_RUNNER), the same workflows, activities, sandbox and cache, the
webhook delivery loop beside it and the collector settled, plus the ladder's reference
workflows (bench/workflows.py), so the no-op and floor rungs run on it too.

    python -m bench.worker_proc

The bench starts it (bench.harness.WorkerProcs) so that "worker CPU" is this process's
CPU alone: the bench's own client calls (starts, updates, polls) stay in the bench's
process and are reported apart.
"""

from __future__ import annotations

import asyncio
import logging

from temporalio.worker import Worker

import worker as engine_worker
from bench.workflows import FloorWorkflow, NoopWorkflow, noop
from infra import heap
from infra.logs import configure as configure_logging
from infra.settings import load_settings
from infra.temporal import connect
from store.db import create_pool
from workflows.campaign import CampaignWorkflow
from workflows.year_plan import YearPlanWorkflow


async def main() -> None:
    configure_logging()
    settings = load_settings()
    client = await connect(settings)
    pool = await create_pool(settings.require_database_url(), max_size=20)
    worker = Worker(client, task_queue=settings.task_queue,
                    workflows=[CampaignWorkflow, YearPlanWorkflow, NoopWorkflow, FloorWorkflow],
                    activities=[noop, *engine_worker.campaign_activities(pool),
                                *engine_worker.planning_activities(pool, client, settings.task_queue)],
                    **engine_worker.WORKER_OPTIONS)
    heap.settle()
    logging.getLogger("promoflow.worker").info("bench worker on task queue %s", settings.task_queue)
    try:
        await engine_worker.run_with_delivery(worker, pool, settings=settings)
    finally:
        await pool.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass

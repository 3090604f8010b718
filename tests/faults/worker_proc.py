"""A promoflow worker as its own OS process, for the fault tests (kill -9 needs one).

    TEMPORAL_ADDRESS=... DATABASE_URL=... PROMOFLOW_TASK_QUEUE=... python -m tests.faults.worker_proc

Runs `worker.build_worker` and the webhook delivery loop exactly as the product does (same
activities, same sandbox, `worker.run_with_delivery`); PROMOFLOW_TEST_WEBHOOK_RULE (JSON of a
`WebhookRule`) shortens the retries for a test; the rest of the configuration
(PROMOFLOW_SECRET_KEY, PROMOFLOW_WEBHOOK_ALLOW) comes from the environment as in the
product. Prints "worker ready" once the worker is built and about to poll.
"""

from __future__ import annotations

import asyncio
import logging
import os

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from infra.webhook_retry import WebhookRule
from store.db import create_pool
from worker import build_worker, run_with_delivery


async def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"],
                                  namespace=os.environ.get("TEMPORAL_NAMESPACE", "default"),
                                  data_converter=pydantic_data_converter)
    pool = await create_pool(os.environ["DATABASE_URL"], max_size=20)
    worker = build_worker(client, pool, os.environ["PROMOFLOW_TASK_QUEUE"])
    rule = os.environ.get("PROMOFLOW_TEST_WEBHOOK_RULE")
    print("worker ready", flush=True)
    try:
        await run_with_delivery(worker, pool, WebhookRule.model_validate_json(rule) if rule else None)
    finally:
        await pool.close()


if __name__ == "__main__":
    asyncio.run(main())

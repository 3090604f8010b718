"""The publish rung (issue 28): a season of `n` intents placed by the planner, then
published until the plan is `published`, the moment the leader waits for.

The season is `plan-2027` on the ladder's WAL dev server and PostgreSQL, whose 2027
policy carries the bench's raised caps and budget (bench.harness.BENCH_OVERRIDES, as the
campaign rung has): `n` B intents from the six seeded business lines, each with three
neighbouring months. The caps do not bound what the planner places here: its date rules
do (one engine-picked B burst a day, on the policy's burst weekdays Mon-Wed), so of 1,000
such intents it places ~146 as B and ~112 as C and cuts the rest with their reason;
`intents` is the placed intents published, `intents_submitted` the season's. Submitted and solved first
(not timed, reported apart), then `publish` by the leader; timed from the update's call
until the plan's view says `published`: every placed intent a CampaignWorkflow started
by the publish activity and scheduled at its planned month, through the worker process.

    python -m bench.publish [--intents 1000]     # this rung alone, on servers of its own
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from temporalio.client import Client

from bench.harness import Meter, poll
from domain.planning import season
from domain.planning.model import Intent
from workflows.messages import Actor
from workflows.plan_messages import PlanStatus, Publish, Solve, SubmitIntents, YearPlanInput
from workflows.year_plan import YearPlanWorkflow

YEAR = 2027
OPS = Actor(name="bench.ops", role="ops", business_line=None)
LEADER = Actor(name="bench.leader", role="leader", business_line=None)
BATCH = 250  # intents per submit_intents update
LINES = ("food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border")  # seeded


def season_intents(n: int, year: int = YEAR) -> list[Intent]:
    """n B intents from the seeded lines, spread over the year, three months each."""
    lines = LINES
    out = []
    for i in range(n):
        line = lines[i % len(lines)]
        first = 1 + (i // len(lines)) % 12
        months = [first] + [m for m in (first + 1, first - 1, first + 2) if 1 <= m <= 12][:2]
        raw = {"request_id": f"pub-{i:05d}", "name": f"bench publish {i}", "business_line": line,
               "category": line, "requested_tier": "B", "months": [f"{year}-{m:02d}" for m in months],
               "revenue_target": 1_000_000, "gross_margin": 0.25,
               "forecast": {"traffic": 2_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03},
               "category_reason": "bench: many campaigns of one category in a month"}
        it = Intent.model_validate(raw)
        out.append(it.model_copy(update={"intent_id": season.intent_id_for(line, it.request_id)}))
    return out


async def _why(pool, problems: list[str]) -> list[str]:
    """The reasons the first few problem campaigns were refused their month (from their events)."""
    ids = [p.split(":")[0] for p in problems[:3]]
    rows = await pool.fetch("SELECT campaign_id, data FROM events WHERE campaign_id = ANY($1::text[]) "
                            "AND type = 'MonthAlternativesOffered'", ids)
    return [f"{r['campaign_id']}: {r['data']}" for r in rows]


async def rung_publish(client: Client, pool, tq: str, n: int, meter: Meter, timeout: float = 900) -> dict:
    h = await client.start_workflow(YearPlanWorkflow.run, YearPlanInput(year=YEAR, opened_by=OPS),
                                    id=f"plan-{YEAR}", task_queue=tq)
    intents = season_intents(n)
    t0 = time.perf_counter()
    for lo in range(0, n, BATCH):
        batch = SubmitIntents(actor=OPS, intents=intents[lo:lo + BATCH])
        await h.execute_update(YearPlanWorkflow.submit_intents, batch)
    submitted_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary = await h.execute_update(YearPlanWorkflow.solve, Solve(actor=OPS))
    solve_s = time.perf_counter() - t0
    placed = sum(v for k, v in summary.tiers.items() if k in ("S", "A", "B", "C"))
    view = None
    with meter:
        await h.execute_update(YearPlanWorkflow.publish, Publish(actor=LEADER))

        async def published() -> bool:
            nonlocal view
            view = await h.query(YearPlanWorkflow.state_query)
            if view.publish is not None and view.publish.problems:
                raise RuntimeError(f"plan-{YEAR} published with {len(view.publish.problems)} problems: "
                                   f"{view.publish.problems[:5]}; {await _why(pool, view.publish.problems)}")
            return view.status == PlanStatus.PUBLISHED
        await poll(published, timeout, f"plan-{YEAR} published", every=0.25)
    m = meter.stop()
    assert view is not None and view.publish is not None
    return {"intents": view.publish.campaigns, "intents_submitted": n, "placed_by_planner": placed,
            "tiers": summary.tiers, "cut": view.publish.cut, "scheduled": view.publish.scheduled,
            "solve_status": summary.status, "submit_s": round(submitted_s, 2), "solve_s": round(solve_s, 2),
            "seconds": m["wall_s"], "campaigns_per_s": round(view.publish.campaigns / m["wall_s"], 2), **m}


async def _alone(n: int, data: Path) -> dict:
    """The publish rung alone on servers of its own (the ladder's settings)."""
    from bench.harness import BENCH_OVERRIDES, DevServer, WorkerProcs, new_queue, set_overrides
    from stack.database import prepare_database
    from stack.embedded import start_postgres
    from store.db import create_pool

    pg_server, dsn = await asyncio.to_thread(start_postgres, data)
    try:
        await prepare_database(dsn, year=YEAR)
        await set_overrides(dsn, YEAR, BENCH_OVERRIDES)
        wal = await DevServer(data, data / "temporal-wal.log").start()
        pool = await create_pool(dsn, max_size=5)
        try:
            client, tq = await wal.client(), new_queue("publish")
            async with WorkerProcs(client, dsn, tq, data) as wk:
                return await rung_publish(client, pool, tq, n, Meter(wal.pid, pg_server.get_pid(), wk.pids))
        finally:
            await pool.close()
            wal.stop()
    finally:
        pg_server._cleanup()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.publish", description=__doc__.split("\n\n")[0])
    ap.add_argument("--intents", type=int, default=1000)
    args = ap.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="promoflow-publish-"))
    data.chmod(0o755)
    try:
        print(json.dumps(asyncio.run(_alone(args.intents, data)), indent=2, default=str))
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

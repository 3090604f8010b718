"""The publish rung (issue 28): a season of `n` intents placed by the planner, then
published until the plan is `published`, the moment the leader waits for.

The season is `plan-2027` on the ladder's WAL dev server and PostgreSQL, whose 2027
policy carries the bench's raised caps and budget (bench.harness.BENCH_OVERRIDES, as the
campaign rung has). It is a year's intake as the lines send it, so that the planner places
every intent under the DOMAIN rules: per 1,000, 9 A (each in its category's season: 818
for home appliances, Black Friday for cross-border, ...), 8 B a month (96, each asking for
its own month: ~12 B bursts fit a month, as bursts of one month do not share a day while
another allowed day is free and B bursts start Mon-Wed) and the rest C, the lines' own
campaigns (recorded only: no review, no phases, no resources, no cap), spread over every
month and the six seeded lines. The planner gives some A and B a lower tier (a score under
the month's threshold) and cuts none. `intents` is the placed intents published
(`placed_by_planner`; the rung fails if the publish leaves one out), `asked` the season's
tiers, `tiers` what the planner placed. Submitted and solved first (not timed, reported
apart), then `publish` by the leader; timed from the update's call until the plan's view
says `published`: every placed intent a CampaignWorkflow started by the publish activity
and scheduled at its planned month, through the worker process.

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


# (line, month) of the season's A, each in its category's season (domain.policy.default_category_seasons)
A_SEASON = (("food", 5), ("apparel", 3), ("beauty", 3), ("mother_baby", 6), ("home_appliances", 8), ("food", 9),
            ("apparel", 10), ("cross_border", 11), ("beauty", 8))
B_PER_MONTH = 8  # of the ~12 B bursts a month has room for (one a day, Mon-Wed, no holiday)


def _intent(tier: str, i: int, line: str, month: int, year: int) -> Intent:
    a = tier == "A"
    raw = {"request_id": f"pub-{tier}-{i:05d}", "name": f"bench publish {tier} {i}", "business_line": line,
           "category": line, "requested_tier": tier, "months": [f"{year}-{month:02d}"],
           "revenue_target": 5_000_000 if a else 1_000_000, "gross_margin": 0.25,
           "forecast": {"traffic": 5_000_000 if a else 2_000_000, "avg_order_value": 120.0, "conversion_rate": 0.03},
           "category_reason": "bench: many campaigns of one category in a month"}
    it = Intent.model_validate(raw)
    return it.model_copy(update={"intent_id": season.intent_id_for(line, it.request_id)})


def season_intents(n: int, year: int = YEAR) -> list[Intent]:
    """A year's intake of n intents: per 1,000, 9 A in their seasons, 8 B a month, the rest C,
    every month and seeded line (fewer A and B in proportion below 1,000)."""
    a = min(len(A_SEASON), max(1, n * len(A_SEASON) // 1000), n)
    b = min(12 * B_PER_MONTH, n * 12 * B_PER_MONTH // 1000, n - a)
    out = [_intent("A", i, line, m, year) for i, (line, m) in enumerate(A_SEASON[:a])]
    out += [_intent("B", i, LINES[(i // 12) % len(LINES)], 1 + i % 12, year) for i in range(b)]  # every line
    out += [_intent("C", i, LINES[i % len(LINES)], 1 + (i // len(LINES)) % 12, year) for i in range(n - a - b)]
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
    if view.publish.campaigns != placed:
        raise RuntimeError(f"plan-{YEAR} published {view.publish.campaigns} campaigns of the {placed} placed")
    asked = {t: sum(1 for it in intents if it.requested_tier == t) for t in ("S", "A", "B", "C")}
    return {"intents": view.publish.campaigns, "intents_submitted": n, "placed_by_planner": placed,
            "asked": asked, "tiers": summary.tiers, "cut": view.publish.cut, "scheduled": view.publish.scheduled,
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

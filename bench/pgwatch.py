"""What PostgreSQL shows while a rung runs: backends waiting on the advisory locks of
reserve_month and allocate_resources, and where approve -> scheduled spends its time
(from the events' recorded_at). The campaign and latency rungs report both."""

from __future__ import annotations

import asyncio

from bench.harness import percentile


class LockSampler:
    """Samples pg_stat_activity every 100 ms: backends waiting on an advisory lock (the
    year lock of reserve_month, the resource locks of allocate_resources) and active ones."""

    def __init__(self, dsn: str):
        self.dsn, self.samples = dsn, []

    async def __aenter__(self) -> LockSampler:
        import asyncpg
        self.conn = await asyncpg.connect(self.dsn)
        self.task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            row = await self.conn.fetchrow(
                """SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory') AS advisory,
                          count(*) FILTER (WHERE state = 'active') - 1 AS active
                   FROM pg_stat_activity WHERE datname = current_database()""")
            self.samples.append((row["advisory"], row["active"]))
            await asyncio.sleep(0.1)

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        await self.conn.close()

    def summary(self) -> dict:
        if not self.samples:
            return {}
        adv = [a for a, _ in self.samples]
        act = [b for _, b in self.samples]
        return {"samples": len(adv), "advisory_waiters_mean": round(sum(adv) / len(adv), 1),
                "advisory_waiters_max": max(adv), "active_backends_mean": round(sum(act) / len(act), 1),
                "share_of_samples_with_waiters": round(sum(1 for a in adv if a) / len(adv), 2)}


async def stage_breakdown(pool, walls: dict) -> dict:
    """Where approve->scheduled goes, from the events' recorded_at (transaction start, PostgreSQL's
    clock = this machine's): send -> CampaignApproved tx -> MonthReserved tx (reserve_month begins)
    -> ResourcesAllocated tx (allocate begins) -> the update's answer."""
    rows = await pool.fetch(
        """SELECT campaign_id, type, extract(epoch FROM recorded_at) AS t FROM events
           WHERE campaign_id = ANY($1::text[]) AND type IN ('CampaignApproved','MonthReserved','ResourcesAllocated')""",
        list(walls))
    t: dict[str, dict[str, float]] = {}
    for r in rows:
        t.setdefault(r["campaign_id"], {})[r["type"]] = float(r["t"])
    stages: dict[str, list[float]] = {k: [] for k in ("send_to_record_approved", "record_approved_to_reserve",
                                                       "reserve_to_allocate", "allocate_to_answer")}
    for cid, (sent, back) in walls.items():
        e = t.get(cid, {})
        if len(e) < 3:
            continue
        stages["send_to_record_approved"].append(e["CampaignApproved"] - sent)
        stages["record_approved_to_reserve"].append(e["MonthReserved"] - e["CampaignApproved"])
        stages["reserve_to_allocate"].append(e["ResourcesAllocated"] - e["MonthReserved"])
        stages["allocate_to_answer"].append(back - e["ResourcesAllocated"])
    out = {k: {"p50_ms": round(1000 * percentile(v, 0.5), 1), "p95_ms": round(1000 * percentile(v, 0.95), 1)}
           for k, v in stages.items() if v}
    if t:
        res = sorted(x["MonthReserved"] for x in t.values() if "MonthReserved" in x)
        alloc = sorted(x["ResourcesAllocated"] for x in t.values() if "ResourcesAllocated" in x)
        out["reserve_starts_span_ms"] = round(1000 * (res[-1] - res[0]), 1)
        out["allocate_starts_span_ms"] = round(1000 * (alloc[-1] - alloc[0]), 1)
    return out


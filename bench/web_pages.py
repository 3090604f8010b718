"""Rung 8, the web app's pages (issue 26): server time per page with 2,000 campaigns in the
read model. `python -m bench.web_pages [--campaigns 2000] [--events 200] [--requests 200]`,
or `python -m bench.run --only-web`.

The pages measured: the inbox (an approver's, the campaigns in review nearest deadline
first), the campaign list (a page of 50) and a campaign's page with 200 events. Each is
asked `--requests` times, one at a time, through the real app in this process (httpx over
ASGI, no socket: the server's time, not the network's), signed in through the demo sign-in
as a browser is; the figure is each page's p50 / p95 / max in ms, and the SQL statements one
page runs (asyncpg's query logger on the pool). Target: p95 ≤ 150 ms.

The data is written at the store level (events and projections, no workflow): campaigns
of six lines over 2027, `--in-review` of them waiting for a decision (every tenth an S: the
leaders'), the rest rejected; one more campaign holds `--events` events (submitted,
scored, then escalations, which the page folds and lists like any other). Its workflow does
not exist, so its page is read from the log (api/campaign_read.py) after the Temporal
server answers "not found", as for an imported campaign; the dev server runs in memory.
`seed` and `long_campaign` are also what tests/api/web/test_web_statements.py counts on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from domain import events as ev
from domain.campaign import CampaignRequest, Forecast, campaign_id_for
from domain.tiers import Tier
from store import results

LINES = ["food", "apparel", "beauty", "mother_baby", "home_appliances", "cross_border"]
FACTORS = {"strategic_weight": 0.8, "annual_progress_gap": 0.5, "month_revenue_gap": 0.2, "revenue_target": 0.6,
           "gross_margin": 0.7, "seasonality": 1.0}
TARGET_MS = 150.0


def request_of(i: int, prefix: str, year: int = 2027) -> CampaignRequest:
    line = LINES[i % len(LINES)]
    return CampaignRequest(
        request_id=f"{prefix}-{i:05d}", name=f"{line} campaign {i}", business_line=line, category=line,
        requested_tier=Tier.S if i % 10 == 0 else Tier.B, month=f"{year}-{1 + i % 12:02d}",
        revenue_target=1_000_000 + i, gross_margin=0.25,
        forecast=Forecast(traffic=2_000_000, avg_order_value=120.0, conversion_rate=0.03))


def _scored(req: CampaignRequest) -> ev.ReviewScored:
    return ev.ReviewScored(score=0.55, factors=FACTORS, proposed_tier=Tier.B, forecast_sales=req.forecast.sales,
                           revenue_target=req.revenue_target, target_reachable=True,
                           leadership_decides=req.requested_tier == Tier.S)


async def seed(pool: asyncpg.Pool, *, in_review: int, others: int = 0, prefix: str = "web", start: int = 0,
               at: datetime | None = None) -> list[str]:
    """`in_review` campaigns waiting for a decision and `others` rejected ones, numbered from
    `start`; answers the ids of those in review."""
    at = at or datetime.now(UTC)
    ids = []
    async with pool.acquire() as conn:
        for i in range(start, start + in_review + others):
            req = request_of(i, prefix)
            cid = campaign_id_for(req.business_line, req.request_id)
            bodies: list[ev.EventBody] = [ev.CampaignSubmitted(request=req, owner=f"owner.{req.business_line}"),
                                          _scored(req)]
            if i - start >= in_review:
                bodies.append(ev.CampaignRejected())
            else:
                ids.append(cid)
            async with conn.transaction():
                await results.append_direct(conn, cid, bodies, "bench", None, at + timedelta(seconds=i))
    return ids


async def long_campaign(pool: asyncpg.Pool, n_events: int, *, prefix: str = "long", at: datetime | None = None
                        ) -> str:
    """One campaign in review with `n_events` events (submitted, scored, escalations)."""
    at = at or datetime.now(UTC)
    req = request_of(1, f"{prefix}-{n_events}")
    cid = campaign_id_for(req.business_line, req.request_id)
    bodies: list[ev.EventBody] = [ev.CampaignSubmitted(request=req, owner=f"owner.{req.business_line}"),
                                  _scored(req)]
    bodies += [ev.ApprovalEscalated(stage="approval", to=["role:leader"]) for _ in range(n_events - 2)]
    async with pool.acquire() as conn, conn.transaction():
        await results.append_direct(conn, cid, bodies, "bench", None, at)
    return cid


async def sign_in(http: httpx.AsyncClient, name: str) -> None:
    """The demo sign-in as a browser does it (the client keeps the session cookie)."""
    page = await http.get("/app/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    answer = await http.post("/app/login/demo", data={"csrf_token": token.group(1), "principal": name})
    assert answer.status_code == 303, answer.text[:500]


class StatementCounter:
    """asyncpg's query logger for the pool: counts the statements run since `reset()`."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, record: Any) -> None:
        self.count += 1

    def reset(self) -> None:
        self.count = 0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def measure_pages(http: httpx.AsyncClient, counter: StatementCounter, pages: dict[str, str], requests: int
                        ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, path in pages.items():
        first = await http.get(path)  # warm: templates compiled, statements prepared
        assert first.status_code == 200, (path, first.status_code, first.text[:500])
        times = []
        counter.reset()
        for _ in range(requests):
            t0 = time.perf_counter()
            answer = await http.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert answer.status_code == 200
        out[name] = {"path": path, "requests": requests, "p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(_pct(times, 0.95), 1), "max_ms": round(max(times), 1),
                     "statements_per_page": counter.count / requests, "bytes": len(first.content),
                     "within_target": _pct(times, 0.95) <= TARGET_MS}
    return out


async def run(campaigns: int, n_events: int, requests: int, in_review: int) -> dict[str, Any]:
    from api.app import create_app
    from api.auth import TokenBook
    from api.deps import Deps
    from bench.harness import DevServer
    from infra import heap
    from infra.settings import Settings
    from stack.database import prepare_database
    from stack.embedded import create_database, scratch_postgres
    from stack.tokens import DEMO_PRINCIPALS
    from store.db import create_pool

    counter = StatementCounter()
    with scratch_postgres("promoflow-web-") as (root, server), tempfile.TemporaryDirectory() as tmp:
        await create_database(server.get_uri(), "bench_web")
        dsn = server.get_uri("bench_web")
        await prepare_database(dsn, year=2027)
        temporal = await DevServer(None, Path(tmp) / "temporal.log").start()
        pool = await create_pool(dsn, min_size=2, max_size=8, query_logger=counter)
        try:
            t0 = time.perf_counter()
            await seed(pool, in_review=in_review, others=campaigns - in_review - 1)
            long_id = await long_campaign(pool, n_events)
            seeded = time.perf_counter() - t0
            settings = Settings(session_secret="bench-web-" + "x" * 24, demo_login=True)
            tokens = TokenBook([{"token": p["name"], **p} for p in DEMO_PRINCIPALS])
            app = create_app(Deps(settings, await temporal.client(), pool, tokens))
            heap.settle()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                         timeout=60) as http:
                await sign_in(http, "jun.approver")
                pages = {"inbox": "/app/inbox", "list": f"/app/campaigns?limit=50&offset={campaigns // 2}",
                         "campaign": f"/app/campaigns/{long_id}"}
                figures = await measure_pages(http, counter, pages, requests)
            total = await pool.fetchval("SELECT count(*) FROM campaigns")
            shown = await pool.fetchval("SELECT count(*) FROM events WHERE campaign_id = $1", long_id)
            return {"campaigns_in_read_model": total, "in_review": in_review + 1, "events_on_campaign_page": shown,
                    "seed_s": round(seeded, 1), "target_p95_ms": TARGET_MS, "pages": figures}
        finally:
            await pool.close()
            temporal.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.web_pages", description=__doc__.split("\n\n")[0])
    ap.add_argument("--campaigns", type=int, default=2000, help="campaigns in the read model")
    ap.add_argument("--in-review", type=int, default=200, help="of them waiting for a decision (the inbox)")
    ap.add_argument("--events", type=int, default=200, help="events of the campaign whose page is measured")
    ap.add_argument("--requests", type=int, default=200, help="requests per page (one at a time)")
    args = ap.parse_args(argv)
    out = asyncio.run(run(args.campaigns, args.events, args.requests, args.in_review))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""200 concurrent submissions for one month, then 200 concurrent approvals, through the
HTTP API (real dev server, worker, PostgreSQL), under the default policy: every request
is answered (no 5xx, no timeout), no month holds more than its caps, no S month holds
anything else, the yearly budget holds, and no resource unit is booked twice."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid

import httpx
import pytest

from api.app import Deps, create_app
from api.auth import TokenBook
from domain.policy import Policy
from domain.tiers import Tier
from infra.settings import CLIENT_KEEPALIVE_S, Settings
from tests.api.serve import serving
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import running_worker

pytestmark = pytest.mark.faults
N = 200
MONTH = "2027-04"
POLICY = Policy.for_year(2027)
LINES = sorted(POLICY.business_lines)  # the six seeded lines
TIMEOUT = httpx.Timeout(60.0)


def body(i: int) -> dict:
    line = LINES[i % len(LINES)]
    tier = ("A", "B")[i % 2]
    return {
        "request_id": f"load-{i:03d}-{uuid.uuid4().hex[:6]}", "name": f"load {line} {tier} #{i}",
        "business_line": line, "category": line, "requested_tier": tier, "month": MONTH,
        "revenue_target": 20_000_000 if tier == "A" else 1_000_000, "gross_margin": 0.3 if tier == "A" else 0.25,
        "forecast": {"traffic": 8_000_000 if tier == "A" else 2_000_000, "avg_order_value": 120.0,
                     "conversion_rate": 0.03},
        "category_reason": "load test" if i % 3 == 0 else None,
    }


async def test_200_concurrent_submissions_and_approvals_for_one_month(dev_env, pool):
    tq = new_task_queue()
    tokens = {line: secrets.token_urlsafe(16) for line in LINES}
    approver_token = secrets.token_urlsafe(16)
    book = TokenBook([{"token": t, "name": f"user.{line}", "role": "business_line", "business_line": line}
                      for line, t in tokens.items()]
                     + [{"token": approver_token, "name": "load.approver", "role": "approver", "business_line": None}])
    app = create_app(Deps(Settings(task_queue=tq), dev_env.client, pool, book))
    answered: list[tuple[str, int, float]] = []

    async def call(http: httpx.AsyncClient, what: str, method: str, url: str, token: str, **kw) -> httpx.Response:
        t = time.perf_counter()
        r = await http.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kw)
        answered.append((what, r.status_code, time.perf_counter() - t))
        return r

    async with running_worker(dev_env.client, pool, tq), serving(app) as base:
        limits = httpx.Limits(max_connections=N + 10, max_keepalive_connections=N + 10,
                              keepalive_expiry=CLIENT_KEEPALIVE_S)
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as http:
            bodies = [body(i) for i in range(N)]
            submitted = await asyncio.gather(*(call(http, "submit", "POST", "/campaigns", tokens[b["business_line"]],
                                                    json=b) for b in bodies))
            assert all(r.status_code == 201 for r in submitted), {r.status_code: r.text for r in submitted
                                                                   if r.status_code != 201}
            ids = [r.json()["campaign_id"] for r in submitted]

            async def reviewed() -> bool:  # scored: in review, or C (recorded only) and past review
                left = await pool.fetchval("SELECT count(*) FROM campaigns WHERE campaign_id = ANY($1::text[]) "
                                           "AND status = 'submitted'", ids)
                have = await pool.fetchval("SELECT count(*) FROM campaigns WHERE campaign_id = ANY($1::text[])", ids)
                return have == N and left == 0
            await wait_until(reviewed, timeout=120, what=f"{N} campaigns scored")

            listed = await call(http, "list", "GET", "/campaigns", approver_token,
                                params={"month": MONTH, "status": "in_review", "limit": 500})
            assert listed.status_code == 200
            # C is recorded only: it skips review (the read model shows it "in_review" for a
            # moment after ReviewScored, then completed), so only A and B get a decision.
            in_review = [c["campaign_id"] for c in listed.json()["items"]
                         if c["campaign_id"] in set(ids) and c["proposed_tier"] != "C"]
            assert len(in_review) > N // 2, f"only {len(in_review)} of {N} in review"

            async def approve(cid: str) -> httpx.Response:
                while True:
                    r = await call(http, "approve", "POST", f"/campaigns/{cid}/approve", approver_token,
                                   json={"comment": "load"})
                    # the read model is one workflow task ahead of the workflow: ask again
                    if r.status_code == 409 and "campaign is submitted" in r.text:
                        await asyncio.sleep(0.2)
                        continue
                    return r

            decided = await asyncio.gather(*(approve(cid) for cid in in_review))

    server_errors = [(w, s) for w, s, _ in answered if s >= 500]
    assert not server_errors, server_errors[:10]
    assert all(r.status_code == 200 for r in decided), {r.status_code: r.text[:200] for r in decided
                                                        if r.status_code != 200}
    outcomes = [r.json()["status"] for r in decided]
    assert set(outcomes) <= {"scheduled", "awaiting_month_choice"}, set(outcomes)

    # No capacity violation, whatever the order the 200 were balanced in.
    months = await pool.fetch("SELECT month, tier, count(*) AS n, sum(counted_days) AS days "
                              "FROM calendar_entries GROUP BY month, tier")
    by_month: dict[str, dict[str, int]] = {}
    for m in months:
        by_month.setdefault(m["month"], {})[m["tier"]] = m["n"]
    for month, tiers in by_month.items():
        for tier, n in tiers.items():
            cap = POLICY.rule(Tier(tier)).max_per_month
            assert cap is None or n <= cap, f"{month}: {n} {tier} campaigns (cap {cap})"
        if tiers.get("S"):
            assert not tiers.get("A") and not tiers.get("B"), f"{month} is an S month but holds {tiers}"
    used = await pool.fetchval("SELECT coalesce(sum(counted_days), 0) FROM calendar_entries WHERE year = 2027")
    assert used <= POLICY.yearly_budget_days - POLICY.hot_topic_reserve_days
    scheduled_in_month = by_month.get(MONTH, {})
    assert scheduled_in_month.get("B", 0) == POLICY.rule(Tier.B).max_per_month, scheduled_in_month
    overlaps = await pool.fetchval(
        """SELECT count(*) FROM bookings a JOIN bookings b
             ON a.resource = b.resource AND a.unit = b.unit AND a.during && b.during
            AND (a.campaign_id, a.phase) < (b.campaign_id, b.phase)
           WHERE a.status <> 'released' AND b.status <> 'released'""")
    assert overlaps == 0
    slowest = max(d for _, _, d in answered)
    print(f"{len(answered)} requests answered, slowest {slowest:.2f} s; {len(in_review)} approved; outcomes "
          f"{ {o: outcomes.count(o) for o in set(outcomes)} }; calendar {MONTH}: {scheduled_in_month}")

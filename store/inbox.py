"""Reads for the inbox: campaigns in review with what a decider needs (their latest review:
score, proposed tier, revenue check; when it entered review and whether it escalated since),
and the load of their months (calendar places, counted days, tiers)."""

from __future__ import annotations

from typing import Any

import asyncpg


async def in_review(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT c.campaign_id, c.name, c.business_line, c.category, c.requested_tier, c.proposed_tier, c.score,
                  c.month, c.hot_topic, r.at AS scored_at, r.data AS review,
                  (SELECT max(a.at) FROM audit_trail a WHERE a.campaign_id = c.campaign_id
                     AND a.type = 'ApprovalEscalated' AND a.seq > r.seq) AS escalated_at
           FROM campaigns c
           JOIN LATERAL (SELECT e.seq, e.at, e.data FROM events e
                         WHERE e.campaign_id = c.campaign_id AND e.type = 'ReviewScored'
                         ORDER BY e.seq DESC LIMIT 1) r ON true
           WHERE c.status = 'in_review'""")
    return [dict(r) for r in rows]


async def month_load(pool: asyncpg.Pool, months: list[str]) -> dict[str, dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT month, count(*) AS campaigns, coalesce(sum(counted_days), 0) AS counted_days,
                  count(*) FILTER (WHERE tier = 'S') AS s, count(*) FILTER (WHERE tier = 'A') AS a,
                  count(*) FILTER (WHERE tier = 'B') AS b, count(*) FILTER (WHERE tier = 'C') AS c
           FROM calendar_entries WHERE month = ANY($1::text[]) GROUP BY month""", months)
    load = {m: {"campaigns": 0, "counted_days": 0, "tiers": {"S": 0, "A": 0, "B": 0, "C": 0}} for m in months}
    for r in rows:
        load[r["month"]] = {"campaigns": r["campaigns"], "counted_days": int(r["counted_days"]),
                            "tiers": {"S": r["s"], "A": r["a"], "B": r["b"], "C": r["c"]}}
    return load

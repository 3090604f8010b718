"""Projections of the results events: `campaign_actuals` (each day's current figures) and
`campaign_outcomes` (each campaign's latest outcome, what the report ranks).

Folded by `store.projections.apply` in the appending transaction and again by `rebuild`,
so the same log always gives the same rows. Kept in its own module so the results work
adds one `case` to the shared projection function instead of rewriting it.
"""

from __future__ import annotations

import asyncpg

from domain import events as ev
from domain.results.actuals import ActualRow

TABLES = ("campaign_actuals", "campaign_outcomes")


async def _upsert_rows(conn: asyncpg.Connection, event: ev.Event, rows: list[ActualRow]) -> None:
    line = await conn.fetchval("SELECT business_line FROM campaigns WHERE campaign_id = $1", event.campaign_id)
    await conn.executemany(
        """INSERT INTO campaign_actuals (campaign_id, day, traffic, orders, gmv, gross_profit, business_line, seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (campaign_id, day) DO UPDATE SET traffic = EXCLUDED.traffic, orders = EXCLUDED.orders,
               gmv = EXCLUDED.gmv, gross_profit = EXCLUDED.gross_profit, seq = EXCLUDED.seq""",
        [(event.campaign_id, r.date, r.traffic, r.orders, r.gmv, r.gross_profit, line, event.seq) for r in rows],
    )


async def apply(conn: asyncpg.Connection, event: ev.Event) -> None:
    body = event.body
    if isinstance(body, ev.ActualsRecorded):
        await _upsert_rows(conn, event, body.rows)
    elif isinstance(body, ev.ActualsCorrected):
        await _upsert_rows(conn, event, [c.new for c in body.corrections])
    elif isinstance(body, ev.CampaignOutcome):
        o = body.outcome
        await conn.execute(
            """INSERT INTO campaign_outcomes (campaign_id, year, month, business_line, tier, name, days, counted_days,
                   gross_profit, gross_profit_per_counted_day, forecast_sales, sales, traffic, orders, outcome, seq)
               SELECT campaign_id, left(month, 4)::int, month, business_line, COALESCE(tier, 'C'), name, $2, $3,
                      $4, $5, $6, $7, $8, $9, $10::jsonb, $11
               FROM campaigns WHERE campaign_id = $1
               ON CONFLICT (campaign_id) DO UPDATE SET days = EXCLUDED.days, counted_days = EXCLUDED.counted_days,
                   gross_profit = EXCLUDED.gross_profit,
                   gross_profit_per_counted_day = EXCLUDED.gross_profit_per_counted_day,
                   forecast_sales = EXCLUDED.forecast_sales, sales = EXCLUDED.sales, traffic = EXCLUDED.traffic,
                   orders = EXCLUDED.orders, outcome = EXCLUDED.outcome, seq = EXCLUDED.seq,
                   tier = EXCLUDED.tier, month = EXCLUDED.month, year = EXCLUDED.year""",
            event.campaign_id, body.days, o.counted_days, o.gross_profit, o.gross_profit_per_counted_day,
            o.forecast.sales, o.actual.sales, o.actual.traffic, o.orders, o.model_dump(mode="json"), event.seq,
        )

"""Projections of the results events: `campaign_actuals` (each day's current figures) and
`campaign_outcomes` (each campaign's latest outcome, what the report ranks).

Folded by `store.projections.apply` in the appending transaction and again by `rebuild`,
so the same log always gives the same rows. Kept in its own module so the results work
adds one `case` to the shared projection function instead of rewriting it.

`apply_many` is the same fold for a batch of these events (the bulk actuals import), in
a few statements instead of a few per event; `apply` stays the one definition rebuilds
use, and tests/store/test_results_batch.py checks both give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

from domain import events as ev
from domain.results import events as results_ev
from domain.results.actuals import ActualRow
from store.eventstore import json_text

TABLES = ("campaign_actuals", "campaign_outcomes")


async def _upsert_rows(conn: asyncpg.Connection, event: ev.Event, rows: list[ActualRow]) -> None:
    line = await conn.fetchval("SELECT business_line FROM campaigns WHERE campaign_id = $1", event.campaign_id)
    await conn.executemany(
        """INSERT INTO campaign_actuals (campaign_id, day, traffic, orders, gmv, gross_profit, business_line, seq,
                                        promotion_cost, paid_traffic)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (campaign_id, day) DO UPDATE SET traffic = EXCLUDED.traffic, orders = EXCLUDED.orders,
               gmv = EXCLUDED.gmv, gross_profit = EXCLUDED.gross_profit, seq = EXCLUDED.seq,
               promotion_cost = EXCLUDED.promotion_cost, paid_traffic = EXCLUDED.paid_traffic""",
        [(event.campaign_id, r.date, r.traffic, r.orders, r.gmv, r.gross_profit, line, event.seq, r.promotion_cost,
          r.paid_traffic) for r in rows],
    )


_OUTCOME_COLUMNS = """campaign_id, year, month, business_line, tier, name, days, counted_days,
                   gross_profit, gross_profit_per_counted_day, forecast_sales, sales, traffic, orders, outcome, seq"""
_OUTCOME_CONFLICT = """ON CONFLICT (campaign_id) DO UPDATE SET days = EXCLUDED.days,
                   counted_days = EXCLUDED.counted_days, gross_profit = EXCLUDED.gross_profit,
                   gross_profit_per_counted_day = EXCLUDED.gross_profit_per_counted_day,
                   forecast_sales = EXCLUDED.forecast_sales, sales = EXCLUDED.sales, traffic = EXCLUDED.traffic,
                   orders = EXCLUDED.orders, outcome = EXCLUDED.outcome, seq = EXCLUDED.seq,
                   tier = EXCLUDED.tier, month = EXCLUDED.month, year = EXCLUDED.year"""


async def apply(conn: asyncpg.Connection, event: ev.Event) -> None:
    body = event.body
    if isinstance(body, results_ev.ActualsRecorded):
        await _upsert_rows(conn, event, body.rows)
    elif isinstance(body, results_ev.ActualsCorrected):
        await _upsert_rows(conn, event, [c.new for c in body.corrections])
    elif isinstance(body, results_ev.CampaignOutcome):
        o = body.outcome
        await conn.execute(
            f"""INSERT INTO campaign_outcomes ({_OUTCOME_COLUMNS})
               SELECT campaign_id, left(month, 4)::int, month, business_line, COALESCE(tier, 'C'), name, $2, $3,
                      $4, $5, $6, $7, $8, $9, $10::jsonb, $11
               FROM campaigns WHERE campaign_id = $1
               {_OUTCOME_CONFLICT}""",
            event.campaign_id, body.days, o.counted_days, o.gross_profit, o.gross_profit_per_counted_day,
            o.forecast.sales, o.actual.sales, o.actual.traffic, o.orders, o.model_dump(mode="json"), event.seq,
        )


async def apply_many(conn: asyncpg.Connection, events: Sequence[ev.Event]) -> None:
    """Fold a batch of ActualsRecorded / ActualsCorrected / CampaignOutcome events, in log
    order, as `store.projections.apply` does one by one: the day rows, the latest outcome
    and the campaign row's `updated_at` / `last_seq`, a statement each (the day rows in two:
    corrections of held days, and the rest).

    One by one, a later event overwrites what an earlier one set in the same row, so only
    the last writer of each row is sent: the last figures of each (campaign, day), the
    last outcome of each campaign, the last event of each campaign. (An INSERT ... ON
    CONFLICT may not touch a row twice anyway.) The outcome insert reads name, line, tier
    and month from the campaign row, which these events never change."""
    days: dict[tuple[str, object], tuple] = {}
    fresh: set[tuple[str, object]] = set()  # days the batch first writes as new ones (ActualsRecorded)
    outcomes: dict[str, tuple] = {}
    last: dict[str, tuple] = {}
    for event in events:
        body, cid = event.body, event.campaign_id
        match body:
            case results_ev.ActualsRecorded() | results_ev.ActualsCorrected():
                recorded = isinstance(body, results_ev.ActualsRecorded)
                rows = body.rows if isinstance(body, results_ev.ActualsRecorded) else [c.new for c in body.corrections]
                for r in rows:
                    key = (cid, r.date)
                    if recorded and key not in days:
                        fresh.add(key)
                    days.pop(key, None)  # keep the dict in the order of the last write
                    days[key] = (cid, r.date, r.traffic, r.orders, r.gmv, r.gross_profit, event.seq,
                                 r.promotion_cost, r.paid_traffic)
            case results_ev.CampaignOutcome(outcome=o):
                outcomes.pop(cid, None)
                outcomes[cid] = (cid, body.days, o.counted_days, o.gross_profit, o.gross_profit_per_counted_day,
                                 o.forecast.sales, o.actual.sales, o.actual.traffic, o.orders,
                                 json_text(o.model_dump(mode="json")), event.seq)
            case _:
                raise ValueError(f"apply_many folds only results events, not {event.type}")
        last.pop(cid, None)
        last[cid] = (cid, event.at, event.seq)
    # Days whose first write here is a correction are rows the table holds (a correction is
    # decided against the stored day): a plain UPDATE rewrites them in about two thirds of
    # the upsert's time. Should it find fewer rows than it was given (a correction of a day
    # never recorded), every day goes through the upsert, as `apply` folds it.
    corrected = [row for key, row in days.items() if key not in fresh]
    upsert = [row for key, row in days.items() if key in fresh]
    if corrected:
        status = await conn.execute(
            """UPDATE campaign_actuals a SET traffic = (d->>2)::bigint, orders = (d->>3)::bigint,
                   gmv = (d->>4)::float8, gross_profit = (d->>5)::float8, seq = (d->>6)::int,
                   promotion_cost = (d->>7)::float8, paid_traffic = (d->>8)::float8
               FROM jsonb_array_elements($1::text::jsonb) AS t(d)
               WHERE a.campaign_id = d->>0 AND a.day = (d->>1)::date""", json_text(corrected))
        if int(status.split()[-1]) != len(corrected):
            upsert = list(days.values())
    if upsert:  # thousands of rows: one JSON array (encoded in Rust) instead of seven arrays encoded value by value
        await conn.execute(
            """INSERT INTO campaign_actuals (campaign_id, day, traffic, orders, gmv, gross_profit, business_line, seq,
                                            promotion_cost, paid_traffic)
               SELECT d->>0, (d->>1)::date, (d->>2)::bigint, (d->>3)::bigint, (d->>4)::float8, (d->>5)::float8,
                      c.business_line, (d->>6)::int, (d->>7)::float8, (d->>8)::float8
               FROM jsonb_array_elements($1::text::jsonb) WITH ORDINALITY AS t(d, n)
               LEFT JOIN campaigns c ON c.campaign_id = d->>0
               ORDER BY t.n
               ON CONFLICT (campaign_id, day) DO UPDATE SET traffic = EXCLUDED.traffic, orders = EXCLUDED.orders,
                   gmv = EXCLUDED.gmv, gross_profit = EXCLUDED.gross_profit, seq = EXCLUDED.seq,
                   promotion_cost = EXCLUDED.promotion_cost, paid_traffic = EXCLUDED.paid_traffic""",
            json_text(upsert))
    if outcomes:
        await conn.execute(
            f"""INSERT INTO campaign_outcomes ({_OUTCOME_COLUMNS})
               SELECT c.campaign_id, left(c.month, 4)::int, c.month, c.business_line, COALESCE(c.tier, 'C'), c.name,
                      o.days, o.counted_days, o.gross_profit, o.per_day, o.forecast_sales, o.sales, o.traffic,
                      o.orders, o.outcome::jsonb, o.seq
               FROM unnest($1::text[], $2::int[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                           $8::float8[], $9::bigint[], $10::text[], $11::int[]) WITH ORDINALITY
                        AS o(campaign_id, days, counted_days, gross_profit, per_day, forecast_sales, sales, traffic,
                             orders, outcome, seq, n)
               JOIN campaigns c USING (campaign_id)
               ORDER BY o.n
               {_OUTCOME_CONFLICT}""",
            *_columns(outcomes.values(), 11))
    if last:
        await conn.execute(
            """UPDATE campaigns c SET updated_at = u.at, last_seq = u.seq
               FROM unnest($1::text[], $2::timestamptz[], $3::int[]) AS u(campaign_id, at, seq)
               WHERE c.campaign_id = u.campaign_id""",
            *_columns(last.values(), 3))


def _columns(rows: Iterable[tuple], width: int) -> list[list]:
    """Rows as `width` column lists (unnest's arguments)."""
    cols: list[list] = [[] for _ in range(width)]
    for row in rows:
        for col, value in zip(cols, row, strict=True):
            col.append(value)
    return cols

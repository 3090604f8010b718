"""A campaign's outcome: forecast against actual, the gap split across the three factors
(LMDI), the same per phase, the post-promotion slump, and gross profit per counted day.

Conventions (documented here because the numbers depend on them):
- Actual = totals over the campaign's own days (warm-up start to the end, end exclusive);
  average order value = GMV / orders (0 without orders), conversion = orders / traffic
  (0 without traffic), sales = GMV. So actual sales = traffic x order value x conversion.
- A phase's forecast is the campaign's forecast traffic prorated by the phase's share of
  the campaign's days, at the forecast order value and conversion: the phases' forecasts
  and gaps add up to the campaign's.
- Fatigue: average daily GMV over the recorded days among the slump window after the end,
  divided by the same before warm-up; `ratio` is None when the days before are missing or
  had no GMV (no base to compare with).
- Gross profit per counted day is None for a campaign without counted days (tier C): it
  used none of the scarce days, so it is ranked after those that did.
- Money (DOMAIN.md "Money", shared/API.md "Money"), over the own days like the gross
  profit: when any own day states a `promotion_cost`, `cost` = Σ promotion_cost and
  `gross_profit_after` = Σ gross_profit − Σ paid_traffic (a row's gross profit is at the
  prices customers paid, so the discounts are already out of it; bought traffic is not),
  `money_from` = "actuals"; otherwise both are the forecast's C and GP (the request's
  money), `money_from` = "forecast". `roi` = gross_profit_after ÷ cost, None when the cost
  is 0 (or the quotient is too large to write). `mechanic_types` and `depth` (D, None when
  the request states no mechanics) are the request's, so the report can group by them.
  Outcomes recorded before money have none of these (None, empty).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.campaign import Forecast, Phase
from domain.money import Mechanic, Money, total_depth
from domain.policy import Policy
from domain.results.actuals import ActualRow, own_days
from domain.results.lmdi import lmdi_split

FACTORS = ("traffic", "avg_order_value", "conversion_rate")


class _Frozen(BaseModel):
    # every figure finite: an outcome is stored as JSON, which has no Infinity or NaN
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)


class Figures(_Frozen):
    traffic: float
    avg_order_value: float
    conversion_rate: float
    sales: float

    @classmethod
    def of_forecast(cls, f: Forecast, share: float = 1.0) -> Figures:
        return cls(**_forecast_figures(f, share))


def _forecast_figures(f: Forecast, share: float = 1.0) -> dict[str, float]:
    """`Figures`' fields of a forecast whose traffic is prorated by `share`."""
    traffic = f.traffic * share
    return {"traffic": float(traffic), "avg_order_value": float(f.avg_order_value),
            "conversion_rate": float(f.conversion_rate),
            "sales": float(traffic * f.avg_order_value * f.conversion_rate)}


def _total_figures(traffic: float, orders: float, gmv: float) -> dict[str, float]:
    """`Figures`' fields of actual totals (the conventions above)."""
    return {"traffic": float(traffic), "avg_order_value": float(gmv / orders if orders else 0.0),
            "conversion_rate": float(orders / traffic if traffic else 0.0), "sales": float(gmv)}


class Split(_Frozen):
    forecast: Figures
    actual: Figures
    gap: float
    contributions: dict[str, float]


class PhaseSplit(Split):
    phase: str
    start: date
    end: date


class Fatigue(_Frozen):
    before: float | None
    after: float | None
    ratio: float | None


class Outcome(Split):
    by_phase: list[PhaseSplit]
    fatigue: Fatigue
    gross_profit: float
    gross_profit_per_counted_day: float | None
    counted_days: int
    days_with_actuals: int
    orders: int
    # money (module docstring); defaults for outcomes recorded before it
    cost: float | None = None
    gross_profit_after: float | None = None
    roi: float | None = None
    money_from: Literal["actuals", "forecast"] | None = None
    mechanic_types: list[str] = []
    depth: float | None = None


def _split(forecast: dict[str, float], actual: dict[str, float]) -> dict[str, Any]:
    """The gap actual - forecast sales and its LMDI parts (sum to the gap), as `Split`'s fields."""
    parts = lmdi_split({k: forecast[k] for k in FACTORS}, {k: actual[k] for k in FACTORS})
    return {"forecast": forecast, "actual": actual, "gap": actual["sales"] - forecast["sales"], "contributions": parts}


def _fatigue(policy: Policy, span: tuple[date, date] | None, rows: Sequence[ActualRow]) -> dict[str, float | None]:
    if span is None:
        return {"before": None, "after": None, "ratio": None}
    w = timedelta(days=policy.results.slump_window_days)
    before = _daily_gmv(rows, span[0] - w, span[0])
    after = _daily_gmv(rows, span[1], span[1] + w)
    ratio = after / before if before and after is not None else None
    if ratio is not None and not math.isfinite(ratio):  # a before near zero (5e-324 a day) overflows it:
        ratio = None  # no ratio to show, and JSON has no Infinity to store one
    return {"before": before, "after": after, "ratio": ratio}


def _daily_gmv(rows: Sequence[ActualRow], start: date, end: date) -> float | None:
    days = [r.gmv for r in rows if start <= r.date < end]
    return sum(days) / len(days) if days else None


def _money(stated: bool, cost: float, profit_after: float, forecast: Money | None) -> dict[str, Any]:
    """The outcome's money fields (module docstring)."""
    if not stated:
        if forecast is None:
            return {}
        cost, profit_after = forecast.cost, forecast.gross_profit_after
    roi = profit_after / cost if cost else None
    if roi is not None and not math.isfinite(roi):  # a cost near zero: no ratio to show (JSON has no Infinity)
        roi = None
    return {"cost": cost, "gross_profit_after": profit_after, "roi": roi,
            "money_from": "actuals" if stated else "forecast"}


def compute_outcome(policy: Policy, forecast: Forecast, phases: Sequence[Phase], counted_days: int,
                    rows: Sequence[ActualRow], money: Money | None = None,
                    mechanics: Sequence[Mechanic] = ()) -> Outcome:
    """The outcome of one campaign from its forecast, phases and daily actuals; `money` is
    the forecast's money (the request's), `mechanics` the request's (module docstring).

    Runs once per campaign of a bulk import, so the figures are added up in one pass over
    the rows (each sum in row order, as a sum per part would give) and the result is
    validated once, as plain data, rather than built model by model."""
    span = own_days(phases)
    ordered = sorted(phases, key=lambda p: p.start)
    whole = [0, 0, 0.0]  # traffic, orders, gmv of the own days
    parts = [[0, 0, 0.0] for _ in ordered]
    profit, n = 0.0, 0
    cost, paid, stated = 0.0, 0.0, False
    if span is not None:
        for r in rows:
            if not span[0] <= r.date < span[1]:
                continue
            whole[0] += r.traffic
            whole[1] += r.orders
            whole[2] += r.gmv
            profit += r.gross_profit
            n += 1
            if r.promotion_cost is not None:
                stated = True
                cost += r.promotion_cost
                if r.paid_traffic is not None:  # stated only with a promotion_cost (check_rows)
                    paid += r.paid_traffic
            for p, acc in zip(ordered, parts, strict=True):
                if p.start <= r.date < p.end:
                    acc[0] += r.traffic
                    acc[1] += r.orders
                    acc[2] += r.gmv
    total_days = (span[1] - span[0]).days if span else 0
    by_phase = []
    for p, (traffic, orders, gmv) in zip(ordered, parts, strict=True):
        share = (p.end - p.start).days / total_days if total_days else 0.0
        by_phase.append({"phase": p.phase.value, "start": p.start, "end": p.end,
                         **_split(_forecast_figures(forecast, share), _total_figures(traffic, orders, gmv))})
    return Outcome.model_validate({
        **_split(_forecast_figures(forecast), _total_figures(*whole)), "by_phase": by_phase,
        "fatigue": _fatigue(policy, span, rows), "gross_profit": profit,
        "gross_profit_per_counted_day": profit / counted_days if counted_days > 0 else None,
        "counted_days": counted_days, "days_with_actuals": n, "orders": whole[1],
        **_money(stated, cost, profit - paid, money),
        "mechanic_types": list(dict.fromkeys(m.type.value for m in mechanics)),
        "depth": total_depth(mechanics) if mechanics else None,
    })

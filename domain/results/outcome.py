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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from domain.campaign import Forecast, Phase
from domain.policy import Policy
from domain.results.actuals import ActualRow, own_days
from domain.results.lmdi import lmdi_split

FACTORS = ("traffic", "avg_order_value", "conversion_rate")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Figures(_Frozen):
    traffic: float
    avg_order_value: float
    conversion_rate: float
    sales: float

    @classmethod
    def of_forecast(cls, f: Forecast, share: float = 1.0) -> Figures:
        traffic = f.traffic * share
        return cls(traffic=traffic, avg_order_value=f.avg_order_value, conversion_rate=f.conversion_rate,
                   sales=traffic * f.avg_order_value * f.conversion_rate)

    @classmethod
    def of_totals(cls, traffic: float, orders: float, gmv: float) -> Figures:
        return cls(traffic=traffic, avg_order_value=gmv / orders if orders else 0.0,
                   conversion_rate=orders / traffic if traffic else 0.0, sales=gmv)

    def factors(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in FACTORS}


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


def split(forecast: Figures, actual: Figures) -> Split:
    """The gap actual - forecast sales and its LMDI parts (sum to the gap)."""
    parts = lmdi_split(forecast.factors(), actual.factors())
    return Split(forecast=forecast, actual=actual, gap=actual.sales - forecast.sales, contributions=parts)


def _totals(rows: Iterable[ActualRow]) -> tuple[int, int, float, float, int]:
    traffic = orders = n = 0
    gmv = profit = 0.0
    for r in rows:
        traffic += r.traffic
        orders += r.orders
        gmv += r.gmv
        profit += r.gross_profit
        n += 1
    return traffic, orders, gmv, profit, n


def _daily_gmv(rows: Sequence[ActualRow], start: date, end: date) -> float | None:
    days = [r.gmv for r in rows if start <= r.date < end]
    return sum(days) / len(days) if days else None


def fatigue(policy: Policy, phases: Sequence[Phase], rows: Sequence[ActualRow]) -> Fatigue:
    span = own_days(phases)
    if span is None:
        return Fatigue(before=None, after=None, ratio=None)
    w = timedelta(days=policy.results.slump_window_days)
    before = _daily_gmv(rows, span[0] - w, span[0])
    after = _daily_gmv(rows, span[1], span[1] + w)
    ratio = after / before if before and after is not None else None
    return Fatigue(before=before, after=after, ratio=ratio)


def compute_outcome(policy: Policy, forecast: Forecast, phases: Sequence[Phase], counted_days: int,
                    rows: Sequence[ActualRow]) -> Outcome:
    """The outcome of one campaign from its forecast, phases and daily actuals."""
    span = own_days(phases)
    own = [r for r in rows if span is not None and span[0] <= r.date < span[1]]
    traffic, orders, gmv, profit, n = _totals(own)
    whole = split(Figures.of_forecast(forecast), Figures.of_totals(traffic, orders, gmv))
    total_days = (span[1] - span[0]).days if span else 0
    by_phase = []
    for p in sorted(phases, key=lambda p: p.start):
        t, o, g, _, _ = _totals(r for r in own if p.start <= r.date < p.end)
        share = (p.end - p.start).days / total_days if total_days else 0.0
        s = split(Figures.of_forecast(forecast, share), Figures.of_totals(t, o, g))
        by_phase.append(PhaseSplit(phase=p.phase.value, start=p.start, end=p.end, **dict(s)))
    return Outcome(
        **dict(whole), by_phase=by_phase, fatigue=fatigue(policy, phases, rows), gross_profit=profit,
        gross_profit_per_counted_day=profit / counted_days if counted_days > 0 else None,
        counted_days=counted_days, days_with_actuals=n, orders=orders,
    )

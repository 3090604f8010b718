"""A campaign's daily actuals: the row, the checks a batch passes first, and the split of
a batch into new days and corrections.

A batch is all or nothing: any bad row refuses the whole batch (422 naming each bad row),
so a caller never has to find out which half was stored. The same row sent again changes
nothing; a changed day becomes a correction that keeps the old figures in the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.campaign import MAX_TRAFFIC, MAX_YUAN, Phase
from domain.policy import Policy


class ActualRow(BaseModel):
    """One day's figures of one campaign (the day in the policy time zone)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    date: date
    traffic: int = Field(le=MAX_TRAFFIC, description="visitors")
    orders: int = Field(le=MAX_TRAFFIC)
    gmv: float = Field(le=MAX_YUAN, description="gross merchandise value, yuan")
    gross_profit: float = Field(ge=-MAX_YUAN, le=MAX_YUAN, description="yuan at the prices customers paid, every "
                                "discount deducted; may be negative (a loss)")
    # Money (DOMAIN.md "Money"), optional: marketing-budget money spent that day (the
    # platform's share of what was given away, plus bought traffic), and the bought-traffic
    # part of it. Negatives and a part above its whole are named by `check_rows`.
    promotion_cost: float | None = Field(default=None, le=MAX_YUAN, description="yuan from the marketing budget")
    paid_traffic: float | None = Field(default=None, le=MAX_YUAN,
                                       description="yuan for bought traffic: part of promotion_cost")


class Correction(BaseModel):
    model_config = ConfigDict(frozen=True)

    old: ActualRow
    new: ActualRow


class RowError(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int = Field(description="0-based index of the row in the batch")
    date: str | None
    message: str


def actuals_window(policy: Policy, phases: Sequence[Phase]) -> tuple[date, date] | None:
    """Days that take actuals: margin days before warm-up to margin days after the end
    (start inclusive, end exclusive). None for a campaign without phases."""
    if not phases:
        return None
    margin = timedelta(days=policy.results.margin_days)
    return min(p.start for p in phases) - margin, max(p.end for p in phases) + margin


def own_days(phases: Sequence[Phase]) -> tuple[date, date] | None:
    """The campaign's own days, warm-up through the end (end exclusive)."""
    if not phases:
        return None
    return min(p.start for p in phases), max(p.end for p in phases)


def check_rows(policy: Policy, rows: Sequence[ActualRow], phases: Sequence[Phase], today: date) -> list[RowError]:
    """Every problem of the batch, naming the row; empty when the batch may be stored.

    Runs once per row of a bulk import, so a row is first tested in one expression, and
    only a row that fails it is gone through again to name each of its problems
    (`_row_problems`). The expression states each rule of `_row_problems` again, inline for
    speed: tests/domain/test_results.py checks that the two agree on random batches."""
    errors: list[RowError] = []
    window = actuals_window(policy, phases)
    if len(rows) > policy.results.max_rows:
        errors.append(RowError(row=policy.results.max_rows, date=None,
                               message=f"at most {policy.results.max_rows} rows per batch"))
    first, end = window or (today, today)  # no phases: an empty window, which no day is in
    seen: dict[date, int] = {}
    for i, r in enumerate(rows):
        day, traffic, orders, gmv, cost, paid = r.date, r.traffic, r.orders, r.gmv, r.promotion_cost, r.paid_traffic
        # any of `_row_problems` (a negative traffic is below orders, or orders are negative too;
        # a stated paid_traffic needs a stated promotion_cost at least as large)
        if (day > today or not first <= day < end or orders < 0 or gmv < 0 or traffic < orders
                or (gmv > 0 and orders == 0) or day in seen
                or (cost is not None and cost < 0) or (paid is not None and (cost is None or not 0 <= paid <= cost))):
            errors += [RowError(row=i, date=day.isoformat(), message=m)
                       for m in _row_problems(policy, window, today, seen, i, r)]
        seen.setdefault(day, i)
    return errors


def _row_problems(policy: Policy, window: tuple[date, date] | None, today: date, seen: Mapping[date, int],
                  i: int, r: ActualRow) -> list[str]:
    """What is wrong with row `i`, each problem in words (`check_rows`)."""
    out = []
    if r.date > today:
        out.append(f"{r.date} is after today ({today}, policy time zone): no actuals for future days")
    if window is None:
        out.append("the campaign has no phases yet: no day takes actuals")
    elif not window[0] <= r.date < window[1]:
        out.append(f"{r.date} is outside the actuals window {window[0]} .. {window[1] - timedelta(days=1)} "
                   f"({policy.results.margin_days} days before warm-up to {policy.results.margin_days} after the end)")
    for name in ("traffic", "orders", "gmv"):
        if getattr(r, name) < 0:
            out.append(f"{name} is negative ({getattr(r, name)})")
    if 0 <= r.traffic < r.orders:
        out.append(f"orders ({r.orders}) exceed traffic ({r.traffic})")
    if r.gmv > 0 and r.orders == 0:
        out.append(f"GMV {r.gmv} without orders")
    for name in ("promotion_cost", "paid_traffic"):
        if (getattr(r, name) or 0.0) < 0:
            out.append(f"{name} is negative ({getattr(r, name)})")
    if r.paid_traffic is not None and r.promotion_cost is None:
        out.append(f"paid_traffic ({r.paid_traffic}) without promotion_cost: bought traffic is part of the day's "
                   "promotion cost, so state both")
    elif r.paid_traffic is not None and r.promotion_cost is not None and r.paid_traffic > r.promotion_cost >= 0:
        out.append(f"paid_traffic ({r.paid_traffic}) exceeds promotion_cost ({r.promotion_cost}), of which it is part")
    if r.date in seen:
        out.append(f"{r.date} appears twice in the batch (rows {seen[r.date]} and {i})")
    return out


def split_batch(stored: Mapping[date, ActualRow],
                rows: Iterable[ActualRow]) -> tuple[list[ActualRow], list[Correction]]:
    """New days, and days whose figures changed (old and new); identical rows are dropped.

    Runs once per row of a bulk import, so it compares the rows' fields directly
    (pydantic's `==` costs ten times as much) and builds the corrections in one validation
    (half the time of one model at a time)."""
    new: list[ActualRow] = []
    changed: list[dict[str, ActualRow]] = []
    for r in sorted(rows, key=lambda r: r.date):
        old = stored.get(r.date)
        if old is None:
            new.append(r)
        elif old.__dict__ != r.__dict__:  # a frozen model with no extras: its fields are its value
            changed.append({"old": old, "new": r})
    return new, _CORRECTIONS.validate_python(changed)


_CORRECTIONS = TypeAdapter(list[Correction])


def errors_message(errors: Sequence[RowError]) -> str:
    head = "; ".join(f"row {e.row}" + (f" ({e.date})" if e.date else "") + f": {e.message}" for e in errors[:5])
    more = f"; and {len(errors) - 5} more" if len(errors) > 5 else ""
    return f"{len(errors)} bad row(s), nothing stored: {head}{more}"

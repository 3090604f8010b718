"""A year's results report: which campaigns, lines and tiers make money per scarce day.

Ranked by gross profit per counted day, best first; campaigns without counted days (C)
come after the rest, by gross profit. Forecast accuracy per line and factor is the mean
absolute error of actual / forecast - 1 and the share of campaigns within the policy's
tolerance. The slump per tier is the mean fatigue ratio; for A it is also split at the
playbook's claim (A campaigns longer than 3 days slump after the end).

Money (DOMAIN.md "Money": the evidence to tune depth). Each campaign also carries its
cost, gross profit after promotion and ROI (`domain.results.outcome`) and a second rank,
`roi_rank`: by ROI, best first; campaigns without an ROI (nothing spent, or an outcome from
before money) after the rest, by gross profit after promotion. `by_mechanic` groups the
campaigns by each mechanic type they used (a campaign counts once under each; "none":
campaigns that stated no mechanics), `by_depth_band` by D in the bands of `DEPTH_BANDS`
(every band listed, empty or not; a campaign without mechanics has not stated its depth
and is in none). Per group: the campaigns, the median of their ROIs (those that have one;
None when none has) and sales ÷ forecast = Σ actual sales ÷ Σ forecast sales.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from domain.money import MAX_DEPTH, MechanicType
from domain.policy import Policy
from domain.results.outcome import FACTORS, Outcome
from domain.tiers import Tier


class ReportItem(BaseModel):
    """One completed campaign with its outcome (the report's input)."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    name: str
    business_line: str
    tier: Tier
    month: str
    days: int
    outcome: Outcome


def fmean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _per_day(profit: float, days: int) -> float | None:
    return profit / days if days > 0 else None


def _rank_key(row: dict) -> tuple:
    per_day = row["gross_profit_per_counted_day"]
    return (per_day is None, -(per_day or 0.0), -row["gross_profit"], row.get("campaign_id") or row.get("key", ""))


def _accuracy(items: Sequence[ReportItem], tolerance: float) -> dict[str, dict[str, float | int | None]]:
    out: dict[str, dict[str, float | int | None]] = {}
    for k in (*FACTORS, "sales"):
        errors = [abs(getattr(i.outcome.actual, k) / getattr(i.outcome.forecast, k) - 1)
                  for i in items if getattr(i.outcome.forecast, k) > 0]
        out[k] = {"campaigns": len(errors), "mean_abs_error": fmean(errors) if errors else None,
                  "within_tolerance": sum(e <= tolerance for e in errors) / len(errors) if errors else None}
    return out


def _ratios(items: Sequence[ReportItem]) -> dict[str, float | int | None]:
    ratios = [i.outcome.fatigue.ratio for i in items if i.outcome.fatigue.ratio is not None]
    return {"campaigns": len(ratios), "mean_ratio": fmean(ratios) if ratios else None,
            "slumped": sum(r < 1 for r in ratios)}


def _group(items: Sequence[ReportItem], key: Callable[[ReportItem], str], policy: Policy,
           extra: Callable[[str, list[ReportItem]], dict] | None = None) -> list[dict]:
    groups: dict[str, list[ReportItem]] = defaultdict(list)
    for i in items:
        groups[key(i)].append(i)
    rows = []
    for k, members in groups.items():
        profit = sum(i.outcome.gross_profit for i in members)
        counted = sum(i.outcome.counted_days for i in members)
        rows.append({
            "key": k, "campaigns": len(members), "gross_profit": profit, "counted_days": counted,
            "gross_profit_per_counted_day": _per_day(profit, counted),
            "sales": sum(i.outcome.actual.sales for i in members),
            "forecast_sales": sum(i.outcome.forecast.sales for i in members),
            "forecast_accuracy": _accuracy(members, policy.results.accuracy_tolerance),
            "fatigue": _ratios(members), **(extra(k, members) if extra else {}),
        })
    return sorted(rows, key=_rank_key)


# D's bands: [0, 0.05), [0.05, 0.10), [0.10, 0.20), [0.20, 0.9) as (key, label, from, to)
DEPTH_BANDS = (("[0, 0.05)", "< 5 %", 0.0, 0.05), ("[0.05, 0.10)", "5–10 %", 0.05, 0.10),
               ("[0.10, 0.20)", "10–20 %", 0.10, 0.20), ("[0.20, 0.9)", "≥ 20 %", 0.20, MAX_DEPTH))
_BAND_EDGES = [band[2] for band in DEPTH_BANDS[1:]]
_EDGE_SLACK = 1e-9  # D is a sum of depths: 0.07 + 0.03 is a hair below 0.10 and counts as 0.10
NO_MECHANICS = "none"


def depth_band(depth: float) -> int:
    """The index in DEPTH_BANDS of the band that holds D."""
    return sum(depth + _EDGE_SLACK >= edge for edge in _BAND_EDGES)


def median(values: Sequence[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count), as
    `statistics.median` (not among domain/'s pure imports)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _money_group(key: str, members: Sequence[ReportItem], **extra: object) -> dict:
    rois = [i.outcome.roi for i in members if i.outcome.roi is not None]
    forecast = math.fsum(i.outcome.forecast.sales for i in members)
    return {"key": key, **extra, "campaigns": len(members), "campaigns_with_roi": len(rois),
            "median_roi": median(rois) if rois else None,
            "sales_over_forecast": math.fsum(i.outcome.actual.sales for i in members) / forecast if forecast else None}


def by_mechanic(items: Sequence[ReportItem]) -> list[dict]:
    """The campaigns under each mechanic type they used (in the types' order), then "none"."""
    groups: dict[str, list[ReportItem]] = {t.value: [] for t in MechanicType}
    groups[NO_MECHANICS] = []
    for i in items:
        for t in i.outcome.mechanic_types or [NO_MECHANICS]:
            groups.setdefault(t, []).append(i)
    return [_money_group(k, members) for k, members in groups.items() if members]


def by_depth_band(items: Sequence[ReportItem]) -> list[dict]:
    """The campaigns that stated mechanics, by the band of their D (every band listed)."""
    bands: list[list[ReportItem]] = [[] for _ in DEPTH_BANDS]
    for i in items:
        if i.outcome.depth is not None:
            bands[depth_band(i.outcome.depth)].append(i)
    return [_money_group(key, members, label=label, **{"from": lo, "to": hi})
            for (key, label, lo, hi), members in zip(DEPTH_BANDS, bands, strict=True)]


def _roi_key(row: dict) -> tuple:
    roi = row["roi"]
    return (roi is None, -(roi or 0.0), -(row["gross_profit_after"] or 0.0), row["campaign_id"])


def build_report(policy: Policy, year: int, items: Sequence[ReportItem]) -> dict:
    """`GET /reports/{year}`: campaigns, business lines and tiers ranked."""
    campaigns = sorted(({
        "campaign_id": i.campaign_id, "name": i.name, "business_line": i.business_line, "tier": i.tier.value,
        "month": i.month, "days": i.days, "counted_days": i.outcome.counted_days,
        "gross_profit": i.outcome.gross_profit,
        "gross_profit_per_counted_day": i.outcome.gross_profit_per_counted_day,
        "forecast_sales": i.outcome.forecast.sales, "sales": i.outcome.actual.sales, "gap": i.outcome.gap,
        "contributions": i.outcome.contributions,
        "forecast_accuracy": {k: (getattr(i.outcome.actual, k) / getattr(i.outcome.forecast, k)
                                  if getattr(i.outcome.forecast, k) > 0 else None) for k in (*FACTORS, "sales")},
        "fatigue": i.outcome.fatigue.model_dump(),
        "cost": i.outcome.cost, "gross_profit_after": i.outcome.gross_profit_after, "roi": i.outcome.roi,
        "money_from": i.outcome.money_from, "mechanic_types": i.outcome.mechanic_types, "depth": i.outcome.depth,
    } for i in items), key=_rank_key)
    for rank, row in enumerate(campaigns, 1):
        row["rank"] = rank
    for rank, row in enumerate(sorted(campaigns, key=_roi_key), 1):
        row["roi_rank"] = rank
    claim = policy.results.slump_claim_days

    def tier_extra(tier: str, members: list[ReportItem]) -> dict:
        if tier != Tier.A.value:
            return {}
        return {"claim_days": claim,
                "longer": _ratios([m for m in members if m.days > claim]),
                "shorter": _ratios([m for m in members if m.days <= claim])}

    lines = _group(items, lambda i: i.business_line, policy)
    tiers = _group(items, lambda i: i.tier.value, policy, tier_extra)
    for rows, name in ((lines, "business_line"), (tiers, "tier")):
        for rank, row in enumerate(rows, 1):
            row[name] = row["key"]
            row["rank"] = rank
    return {"year": year, "campaigns": campaigns, "business_lines": lines, "tiers": tiers,
            "by_mechanic": by_mechanic(items), "by_depth_band": by_depth_band(items)}

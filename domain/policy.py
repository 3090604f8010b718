"""The policy: every number of the promotion playbook, per year, with per-month overrides.

`Policy.for_year(year, overrides)` gives the defaults of DOMAIN.md deep-merged with an
operator's overrides (a JSON-like dict). Nothing else in `domain/` hard-codes a number
of the business: functions take the policy as their first argument.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.approvals.people import MilestoneSpec, TeamNeed, TeamSpec
from domain.approvals.rules import AmendRule, Assignment, DelegationRule
from domain.festivals import festival_dates, qixi, supported_years
from domain.holiday_data import CHINA_DAYS_OFF, SPRING_FESTIVAL
from domain.lines import BusinessLineContext
from domain.months import number_of, year_of
from domain.resources import Entitlement, ResourceSpec, default_entitlements, default_resources
from domain.tiers import Tier

__all__ = [
    "BusinessLineContext", "Entitlement", "Policy", "ResourceSpec", "ResultsRules", "ScoreWeights", "ScoringScales",
    "ThresholdRaise", "Thresholds", "TierMinimum", "TierRule", "festival_dates",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class TierRule(_Frozen):
    warmup_days: int = Field(ge=0)
    burst_days: int = Field(ge=0)
    encore_days: int = Field(ge=0)
    # counted against the yearly budget; B's warm-up runs on its own resources, so only its burst counts
    counted_days: int = Field(ge=0)
    max_per_year: int | None = Field(default=None, ge=0)
    max_per_month: int | None = Field(default=None, ge=0)
    approver_roles: list[str]
    approval_sla_hours: int = Field(ge=0, description="escalate after one SLA, expire after a second")
    min_lead_days: int = Field(ge=0, description="days between today and the warm-up start")
    min_lead_months: int = Field(default=0, ge=0, description="calendar months of lead (S: planned 3 months ahead)")

    @model_validator(mode="after")
    def _counted_fits(self) -> TierRule:
        if self.counted_days > self.warmup_days + self.burst_days:
            raise ValueError("counted_days cannot exceed warm-up + burst days")
        return self


class Thresholds(_Frozen):
    """score >= a -> A, >= b -> B, else C; S only when S was requested and score >= s."""

    a: float = Field(default=0.62, ge=0, le=1)
    b: float = Field(default=0.35, ge=0, le=1)
    s: float = Field(default=0.65, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.b <= self.a <= self.s:
            raise ValueError(f"thresholds must satisfy b <= a <= s (got b={self.b}, a={self.a}, s={self.s})")
        return self


class ThresholdRaise(_Frozen):
    """A month's raise over the base thresholds (crowded months: more A requests become B)."""

    a: float = Field(default=0.0, ge=-1, le=1)
    b: float = Field(default=0.0, ge=-1, le=1)
    s: float = Field(default=0.0, ge=-1, le=1)


class TierMinimum(_Frozen):
    """The explicit expectations a request must state to be this tier, whatever its score."""

    revenue_target: float = Field(ge=0, description="yuan")
    forecast_traffic: int = Field(ge=0, description="visits")


class EntryStandard(_Frozen):
    """What a request must state, at least, to be a tier (DOMAIN.md "Money"): the discount
    depth, the product range and the stock. A figure not stated blocks nothing."""

    min_depth: float | None = Field(default=None, ge=0, lt=0.9, description="Σ depth of the mechanics")
    min_skus: int | None = Field(default=None, ge=0)
    min_inventory_value: float | None = Field(default=None, ge=0, description="yuan")


_DEFAULT_ENTRY_STANDARDS = {
    Tier.S: dict(min_depth=0.15, min_skus=2000, min_inventory_value=50_000_000),
    Tier.A: dict(min_depth=0.10, min_skus=300, min_inventory_value=5_000_000),
    Tier.B: dict(min_depth=0.05, min_skus=30, min_inventory_value=500_000),
}


class ResultsRules(_Frozen):
    """Results (DOMAIN.md "Results: which part makes money"): the actuals window, how long a
    campaign waits for late figures, the slump windows, and when a forecast is optimistic."""

    margin_days: int = Field(default=7, ge=0, description="actuals are taken this many days before warm-up "
                                                          "and after the end")
    results_window_days: int = Field(default=14, ge=0, description="the workflow waits this long after its "
                                                                   "last phase for actuals, then records the outcome")
    slump_window_days: int = Field(default=7, ge=1, description="fatigue: average daily GMV of this many days "
                                                                "after the end / before warm-up")
    optimistic_ratio: float = Field(default=1.5, gt=0, description="a forecast above the line's history by more "
                                                                   "than this ratio is optimistic")
    optimistic_in_score: bool = Field(default=False, description="let an optimistic forecast lower the score")
    optimistic_penalty: float = Field(default=0.1, ge=0, le=1, description="subtracted from the score when "
                                                                           "optimistic_in_score")
    accuracy_tolerance: float = Field(default=0.1, ge=0, description="a factor within this share of its forecast "
                                                                    "counts as accurate in the report")
    max_rows: int = Field(default=10_000, ge=1, description="rows per actuals batch")
    slump_claim_days: int = Field(default=3, ge=0, description="the playbook's claim: A campaigns longer than "
                                                               "this slump after the end")
    seasons: dict[str, list[int]] = Field(
        default={"winter": [12, 1, 2], "spring": [3, 4, 5], "summer": [6, 7, 8], "autumn": [9, 10, 11]},
        description="forecasts from history look at the same tier in the same season first")


class ScoreWeights(_Frozen):
    strategic_weight: float = Field(default=0.25, ge=0)
    annual_progress_gap: float = Field(default=0.20, ge=0)
    month_revenue_gap: float = Field(default=0.10, ge=0)
    revenue_target: float = Field(default=0.20, ge=0)
    gross_margin: float = Field(default=0.10, ge=0)
    seasonality: float = Field(default=0.15, ge=0)

    @model_validator(mode="after")
    def _sum_to_one(self) -> ScoreWeights:
        total = sum(self.model_dump().values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"score weights must sum to 1 (got {total})")
        return self


class ScoringScales(_Frozen):
    """How raw request numbers become 0..1 factors."""

    revenue_target_full: float = Field(default=10_000_000, ge=0, description="yuan; a target this big scores 1")
    gross_margin_full: float = Field(default=0.40, ge=0, description="a margin this high scores 1")
    off_season: float = Field(default=0.3, ge=0, le=1, description="seasonality factor outside the category's months")
    unknown_season: float = Field(default=0.6, ge=0, le=1, description="category with no season table")


# Default tier rules (DOMAIN.md "Tiers"): S 16+5(+3 encore) counted 21, A 4+3 counted 7,
# B 1 counted day (warm-up of 3 days on its own resources), C nothing.
_DEFAULT_TIERS: dict[Tier, dict[str, Any]] = {
    Tier.S: dict(warmup_days=16, burst_days=5, encore_days=3, counted_days=21, max_per_year=3, max_per_month=1,
                 approver_roles=["leader"], approval_sla_hours=120, min_lead_days=92, min_lead_months=3),
    Tier.A: dict(warmup_days=4, burst_days=3, encore_days=0, counted_days=7, max_per_year=None, max_per_month=1,
                 approver_roles=["approver", "leader"], approval_sla_hours=72, min_lead_days=7),
    Tier.B: dict(warmup_days=3, burst_days=1, encore_days=0, counted_days=1, max_per_year=None, max_per_month=3,
                 approver_roles=["approver", "leader"], approval_sla_hours=48, min_lead_days=3),
    Tier.C: dict(warmup_days=0, burst_days=0, encore_days=0, counted_days=0, max_per_year=None, max_per_month=None,
                 approver_roles=[], approval_sla_hours=0, min_lead_days=0),
}

# Crowded months (618, Double 11) raise the base thresholds: more A requests become B.
_DEFAULT_MONTH_RAISES: dict[int, dict[str, float]] = {
    6: dict(a=0.06, b=0.05, s=0.03),
    11: dict(a=0.06, b=0.05, s=0.03),
}

# DOMAIN.md "Review factors and thresholds": explicit revenue and traffic per tier.
_DEFAULT_MINIMUMS: dict[Tier, dict[str, float]] = {
    Tier.A: dict(revenue_target=2_000_000, forecast_traffic=500_000),
    Tier.B: dict(revenue_target=500_000, forecast_traffic=100_000),
}

# DOMAIN.md "Preparation and people": milestones worked back from the burst start T
# (key, name, team, days from T), teams' people-days per ISO week, and what each tier's
# phases need from them per week (B: "on its day", its one-day burst).
_DEFAULT_MILESTONES: dict[Tier, list[tuple[str, str, str, int]]] = {
    Tier.S: [("plan", "plan fixed", "leadership", -90),
             ("registration", "platform registration", "business_line", -60),
             ("brief", "creative brief", "operations", -45), ("creative", "creative due", "design", -21),
             ("stock", "stock and prices confirmed", "business_line", -14),
             ("setup", "site set up", "operations", -3), ("retro", "retrospective", "promotion", 14)],
    Tier.A: [("brief", "creative brief", "operations", -21), ("creative", "creative due", "design", -10),
             ("stock", "stock and prices confirmed", "business_line", -7),
             ("setup", "site set up", "operations", -2), ("retro", "retrospective", "promotion", 7)],
    Tier.B: [("creative", "creative due", "design", -7), ("setup", "site set up", "operations", -1)],
    Tier.C: [],
}
_DEFAULT_TEAMS: list[tuple[str, str, int]] = [
    ("design", "design", 40), ("operations", "operations", 30), ("customer_service", "customer service", 60),
    ("tech_on_call", "tech on call", 10)]
_DEFAULT_TEAM_NEEDS: dict[Tier, list[tuple[str, str, int]]] = {
    Tier.S: [("design", "warmup", 15), ("operations", "warmup", 10), ("operations", "burst", 20),
             ("customer_service", "burst", 40), ("tech_on_call", "burst", 8)],
    Tier.A: [("design", "burst", 5), ("operations", "burst", 5), ("customer_service", "burst", 10)],
    Tier.B: [("operations", "burst", 2), ("customer_service", "burst", 4)],
    Tier.C: [],
}

# Seeded demo context of the business lines (yuan): strategic weight, annual target, annual
# progress, this month's revenue, a typical month's revenue.
_LINE_FIELDS = ("strategic_weight", "annual_target", "annual_progress", "month_revenue", "month_revenue_norm")
_DEFAULT_LINES: dict[str, dict[str, float]] = {
    line: dict(zip(_LINE_FIELDS, values, strict=True)) for line, values in {
        "food": (0.8, 1.2e9, 4.2e8, 8.0e7, 1.0e8),
        "apparel": (0.6, 9.0e8, 5.0e8, 9.0e7, 7.5e7),
        "beauty": (0.7, 6.0e8, 2.0e8, 4.0e7, 5.0e7),
        "mother_baby": (0.5, 4.0e8, 2.5e8, 3.5e7, 3.3e7),
        "home_appliances": (0.9, 1.5e9, 5.0e8, 1.1e8, 1.25e8),
        "cross_border": (0.4, 3.0e8, 6.0e7, 2.0e7, 2.5e7),
    }.items()
}

# How the default season table finds the New Year goods festival: the weeks before Spring Festival.
_NEW_YEAR_GOODS_WINDOW = timedelta(days=21)


def _days_off(year: int) -> list[tuple[date, str]]:
    return [(date.fromisoformat(d), n) for d, n in CHINA_DAYS_OFF.get(year, [])]


def _months_named(year: int, word: str) -> set[int]:
    return {d.month for d, n in _days_off(year) if word in n}


def default_category_seasons(year: int) -> dict[str, list[int]]:
    """DOMAIN.md "Seasonality per category", with lunar festivals placed from the holiday data."""
    dragon_boat = _months_named(year, "Dragon Boat") or {6}
    mid_autumn = _months_named(year, "Mid-Autumn") or {9}
    new_year_goods: set[int] = set()
    for y in (year, year + 1):  # next year's festival may start its goods festival in December
        if y in SPRING_FESTIVAL:
            sf = date.fromisoformat(SPRING_FESTIVAL[y])
            for d in (sf - _NEW_YEAR_GOODS_WINDOW, sf - timedelta(days=1)):
                if d.year == year:
                    new_year_goods.add(d.month)
    food = sorted({5} | dragon_boat | mid_autumn)  # 517, Dragon Boat, Mid-Autumn
    qixi_day = qixi(year)
    valentines = sorted({2, 3} | ({qixi_day.month} if qixi_day else set()))  # Valentine's, Women's Day, Qixi
    seasons = {
        "mother_baby": [5, 6],                     # Mother's Day, Children's Day
        "beauty": valentines,
        "accessories": valentines,
        "fmcg": sorted(new_year_goods) or [1],     # New Year goods festival
        "food": food,
        "fresh": food,
        "stationery": [2, 3, 8, 9],                # back-to-school
        "apparel": [3, 4, 8, 9, 10],               # season changes, back-to-school
        "cross_border": [11],                      # Black Friday
        "home_appliances": [8],                    # 818
    }
    return seasons


def _same_key(a: Any, b: Any) -> bool:
    # JSON overrides carry "11" or "S" where the defaults hold 11 or Tier.S
    return a == b or str(a) == str(b)


def _deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            match = next((bk for bk in out if _same_key(bk, k)), None)
            if match is None:
                out[k] = v
            else:
                out[match] = _deep_merge(out[match], v)
        return out
    return over  # scalars and lists are replaced whole


class SPerHalf(_Frozen):
    """S campaigns a half-year may hold (DOMAIN.md, Tiers): "twice a year: one in each
    half; three times: add one in the second half"."""

    first: int = Field(default=1, ge=0, description="S campaigns January to June")
    second: int = Field(default=2, ge=0, description="S campaigns July to December")

    def cap(self, half: int) -> int:
        """The cap of half 0 (January-June) or 1 (July-December)."""
        return self.first if half == 0 else self.second


def half_of(month_number: int) -> int:
    """0 for January-June, 1 for July-December."""
    return 0 if month_number <= 6 else 1


class Policy(_Frozen):
    year: int
    tiers: dict[Tier, TierRule]
    yearly_budget_days: int = Field(default=150, ge=0)
    hot_topic_reserve_days: int = Field(default=12, ge=0, description="kept for unplanned hot topics")
    a_per_month_with_override: int = Field(default=2, ge=0)
    # Money (DOMAIN.md "Money"; domain/money.py has the formulas)
    marketing_budget: float | None = Field(default=None, ge=0, description="yuan a year; null: unlimited")
    hot_topic_reserve_money: float = Field(default=0, ge=0, description="yuan kept for unplanned hot topics")
    margin_floor: dict[str, float] = Field(
        default={"default": 0.05}, description="margin after promotion below this is flagged; per category")
    entry_standards: dict[Tier, EntryStandard] = Field(default={}, description="per tier: depth, SKUs, stock")
    downgrade_traffic_factor: float = Field(
        default=0.5, gt=0, le=1, description="forecast traffic scaled by this per tier below the one asked")
    s_per_half: SPerHalf = SPerHalf()
    thresholds: Thresholds = Thresholds()
    month_threshold_raises: dict[int, ThresholdRaise] = Field(
        default={}, description="per month: raised over the base, so raising the base keeps the order")
    month_caps: dict[int, dict[Tier, int]] = Field(
        default={}, description="per month: A/B caps replacing the tier's max_per_month (a published plan's caps)")
    tier_minimums: dict[Tier, TierMinimum] = Field(default={}, description="explicit A/B gates, before the score")
    month_tier_minimums: dict[int, dict[Tier, TierMinimum]] = Field(
        default={}, description="per month: replaces the tier's minimum in that month")
    score_weights: ScoreWeights = ScoreWeights()
    scoring: ScoringScales = ScoringScales()
    utc_offset_hours: int = Field(default=8, ge=-12, le=14, description="Asia/Shanghai, no DST")
    burst_weekdays: list[int] = Field(default=[1, 2, 0], description="date.weekday(), preferred first: Tue, Wed, Mon")
    hot_topic_sla_hours: int = Field(default=4, ge=0)
    hot_topic_min_lead_days: int = Field(default=1, ge=0)
    month_choice_window_hours: int = Field(default=72, ge=0)
    max_alternatives: int = Field(default=3, ge=0)
    category_seasons: dict[str, list[int]] = {}
    holidays: list[date] = []
    spring_festival: dict[int, date] = {}
    resources: list[ResourceSpec] = []
    entitlements: dict[Tier, list[Entitlement]] = {}
    business_lines: dict[str, BusinessLineContext] = {}
    results: ResultsRules = ResultsRules()
    milestones: dict[Tier, list[MilestoneSpec]] = Field(default={}, description="per tier, worked back from T")
    teams: list[TeamSpec] = Field(default=[], description="capacity in people-days per ISO week")
    team_needs: dict[Tier, list[TeamNeed]] = Field(default={}, description="per tier: people-days per week")
    milestone_lookahead_days: int = Field(
        default=14, ge=1, le=92, description="the calendar page lists the milestones due within these days "
                                             "(and every overdue one)")
    # The team's approval rules (domain/approvals/rules.py): amendments, inbox, delegation.
    amend: AmendRule = AmendRule()
    assignment: Assignment = Assignment()
    delegation: DelegationRule = DelegationRule()

    @model_validator(mode="before")
    @classmethod
    def _absolute_month_thresholds(cls, data: Any) -> Any:
        """Overrides written before raises (`month_thresholds`, absolute) become raises over
        the base, so a stored override (and a replayed history) keeps its numbers."""
        if not isinstance(data, dict) or "month_thresholds" not in data:
            return data
        data = dict(data)
        base = Thresholds.model_validate(data.get("thresholds") or {})
        raises = dict(data.get("month_threshold_raises") or {})
        for m, t in (data.pop("month_thresholds") or {}).items():
            t = t.model_dump() if isinstance(t, BaseModel) else dict(t)
            found: Any = next((v for k, v in raises.items() if str(k) == str(m)), {})
            before = found.model_dump() if isinstance(found, BaseModel) else dict(found)
            raises = {k: v for k, v in raises.items() if str(k) != str(m)}
            raises[int(m)] = {**before, **{k: round(float(v) - getattr(base, k), 9) for k, v in t.items()}}
        data["month_threshold_raises"] = raises
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        missing = [t for t in Tier if t not in self.tiers]
        if missing:
            raise ValueError(f"policy lacks rules for tiers {missing}")
        if self.hot_topic_reserve_days > self.yearly_budget_days:
            raise ValueError("hot_topic_reserve_days cannot exceed yearly_budget_days")
        if self.marketing_budget is not None and self.hot_topic_reserve_money > self.marketing_budget:
            raise ValueError("hot_topic_reserve_money cannot exceed marketing_budget")
        if "default" not in self.margin_floor or any(not -1 <= v <= 1 for v in self.margin_floor.values()):
            raise ValueError('margin_floor needs a "default" and shares in [-1, 1]')
        for name, per_month in (("month_threshold_raises", self.month_threshold_raises),
                                ("month_tier_minimums", self.month_tier_minimums),
                                ("month_caps", self.month_caps)):
            if any(not 1 <= m <= 12 for m in per_month):
                raise ValueError(f"{name} keys must be months 1..12")
        for m in self.month_threshold_raises:
            try:
                self.thresholds_for(m)
            except ValueError as err:
                raise ValueError(f"month {m}: the base thresholds plus the month's raise: {err}") from None
        if not self.burst_weekdays or any(not 0 <= d <= 6 for d in self.burst_weekdays):
            raise ValueError("burst_weekdays must hold weekdays 0..6")
        catalog = {r.key: r.units for r in self.resources}
        for tier, ents in self.entitlements.items():
            for e in ents:
                if e.resource not in catalog:
                    raise ValueError(f"{tier} entitlement names unknown resource {e.resource!r}")
                if e.units > catalog[e.resource]:
                    raise ValueError(f"{tier} wants {e.units} units of {e.resource}, catalog has {catalog[e.resource]}")
        known_teams = {t.key for t in self.teams}
        for tier, needs in self.team_needs.items():
            if unknown := sorted({n.team for n in needs} - known_teams):
                raise ValueError(f"{tier} team needs name unknown teams {unknown}")
        for tier, specs in self.milestones.items():
            if len({m.key for m in specs}) != len(specs):
                raise ValueError(f"{tier} milestones repeat a key")
        return self

    def thresholds_for(self, month: int) -> Thresholds:
        """The base thresholds plus the month's raise (b <= a <= s still holds after it)."""
        r = self.month_threshold_raises.get(month)
        if r is None:
            return self.thresholds
        t = self.thresholds
        return Thresholds(a=round(t.a + r.a, 9), b=round(t.b + r.b, 9), s=round(t.s + r.s, 9))

    def minimum_for(self, tier: Tier, month: int) -> TierMinimum | None:
        """The explicit revenue and traffic a request needs to be `tier` in `month` (None: no gate)."""
        return self.month_tier_minimums.get(month, {}).get(tier) or self.tier_minimums.get(tier)

    @property
    def supported_years(self) -> list[int]:
        """Years with holiday data for the year and the next (see domain.festivals)."""
        return supported_years()

    def needs(self, tier: Tier) -> list[Entitlement]:
        """What a campaign of `tier` books (C books nothing)."""
        return list(self.entitlements.get(tier, []))

    def resource(self, key: str) -> ResourceSpec | None:
        return next((r for r in self.resources if r.key == key), None)

    def month_cap(self, tier: Tier, month: int) -> int | None:
        """How many campaigns of `tier` a month holds: the month's cap, else the tier's."""
        cap = self.month_caps.get(month, {}).get(tier)
        return cap if cap is not None else self.rule(tier).max_per_month

    def margin_floor_for(self, category: str) -> float:
        """The margin floor of `category` (its own, else the default)."""
        return self.margin_floor.get(category, self.margin_floor["default"])

    def rule(self, tier: Tier) -> TierRule:
        return self.tiers[tier]

    def spring_festival_day(self, year: int | None = None) -> date | None:
        return self.spring_festival.get(self.year if year is None else year)

    def is_spring_festival_month(self, month: str) -> bool:
        """`month` is YYYY-MM; False when the year has no Spring Festival data."""
        day = self.spring_festival_day(year_of(month))
        return day is not None and day.month == number_of(month)

    @classmethod
    def defaults(cls, year: int) -> dict[str, Any]:
        """The default policy of `year` as a plain dict (the base that overrides merge into)."""
        return {
            "year": year,
            "tiers": {t: dict(r) for t, r in _DEFAULT_TIERS.items()},
            "thresholds": Thresholds().model_dump(),
            "month_threshold_raises": {m: dict(t) for m, t in _DEFAULT_MONTH_RAISES.items()},
            "tier_minimums": {t: dict(v) for t, v in _DEFAULT_MINIMUMS.items()},
            "entry_standards": {t: dict(v) for t, v in _DEFAULT_ENTRY_STANDARDS.items()},
            "score_weights": ScoreWeights().model_dump(),
            "scoring": ScoringScales().model_dump(),
            "category_seasons": default_category_seasons(year),
            # this year and next: an encore or a late burst may spill over New Year
            "holidays": [d for y in (year, year + 1) for d, _ in _days_off(y)],
            "spring_festival": {y: date.fromisoformat(d) for y, d in SPRING_FESTIVAL.items()},
            "resources": [r.model_dump() for r in default_resources()],
            "entitlements": {t: [e.model_dump() for e in es] for t, es in default_entitlements().items()},
            "business_lines": {k: {"business_line": k, **v} for k, v in _DEFAULT_LINES.items()},
            "milestones": {t: [dict(key=k, name=n, team=team, offset_days=o) for k, n, team, o in ms]
                           for t, ms in _DEFAULT_MILESTONES.items()},
            "teams": [dict(key=k, name=n, capacity=c) for k, n, c in _DEFAULT_TEAMS],
            "team_needs": {t: [dict(team=team, phase=p, people_days=n) for team, p, n in needs]
                           for t, needs in _DEFAULT_TEAM_NEEDS.items()},
        }

    @classmethod
    def for_year(cls, year: int, overrides: dict | None = None) -> Policy:
        """Defaults for `year`, deep-merged with `overrides` (dicts merge, lists and scalars replace).

        Memoized: a Policy is frozen and a pure function of its arguments, and building one
        (holidays, seasons, catalog) is the costliest step of a review or a reservation."""
        return _policy_for(year, json.dumps(overrides or {}, sort_keys=True, default=str))

    @classmethod
    def _build(cls, year: int, overrides: dict) -> Policy:
        data = _deep_merge(cls.defaults(year), overrides)
        data["year"] = year
        return cls.model_validate(data)


@lru_cache(maxsize=64)
def _policy_for(year: int, overrides_json: str) -> Policy:
    return Policy._build(year, json.loads(overrides_json))

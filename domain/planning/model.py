"""The planner's input and output types, and the checks that name a bad item.

`PlanInput` is what a planning season holds (DOMAIN.md "The annual planning procedure"):
the year's policy, the business-line contexts, the intents (a `POST /campaigns` body plus
`months`, preferred first), leadership's S (intent -> month), ops' pins and settings.
`PlanSolution` has the shape of `GET /plans/{year}/solution` (shared/API.md):
`{"summary": {...}, "decisions": [...]}`.

Every check raises `PlanInputError` naming the item (`intents[3] (y2027-004)`) and the
field (`months[1]`): a bad input never gives a crash or a partial plan.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from domain.campaign import CampaignRequest, Phase
from domain.lines import BusinessLineContext
from domain.money import Money
from domain.months import MONTH_PATTERN, is_month, month_key, year_of
from domain.planning.money import floor_problem
from domain.policy import Policy, ThresholdRaise, Thresholds
from domain.tiers import Tier

__all__ = [
    "Decision", "Intent", "Pin", "PlanInput", "PlanInputError", "PlanSolution", "SFix", "Settings",
    "Summary", "ThresholdSettings", "check_input", "parse_intents", "parse_pins", "parse_s", "parse_settings",
]

DecisionKind = Literal["placed", "moved", "downgraded", "cut", "merged"]
Status = Literal["optimal", "feasible", "infeasible", "unknown"]
Objective = Literal["score_days", "gross_profit"]


class PlanInputError(ValueError):
    """A bad input: `item` names it (`intents[3] (y2027-004)`), `field` the field, if any."""

    def __init__(self, item: str, field: str | None, message: str) -> None:
        self.item, self.field, self.message = item, field, message
        where = f"{item}, field {field}" if field else item
        super().__init__(f"{where}: {message}")


class Intent(CampaignRequest):
    """A campaign request plus the months it can run in, preferred first (`month` = months[0])."""

    months: list[str] = Field(min_length=1, max_length=12)
    intent_id: str | None = Field(default=None, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _month_from_months(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            months = data.get("months")
            if not data.get("month") and isinstance(months, list) and months:
                data["month"] = months[0]
            if data.get("month") and months is None:
                data["months"] = [data["month"]]
        return data

    @field_validator("months")
    @classmethod
    def _months_format(cls, v: list[str]) -> list[str]:
        for i, m in enumerate(v):
            if not is_month(m):
                raise ValueError(f"months[{i}] {m!r} must be YYYY-MM")
        if len(set(v)) != len(v):
            raise ValueError("months lists a month twice")
        return v

    @model_validator(mode="after")
    def _month_first(self) -> Intent:
        if self.months[0] != self.month:
            raise ValueError(f"month {self.month} must be the first of months {self.months} (the preferred one)")
        return self

    @property
    def key(self) -> str:
        return self.intent_id or f"intent-{self.business_line}-{self.request_id}"


class SFix(BaseModel):
    """Leadership's S: this intent is S in this month, whatever its score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(min_length=1)
    month: str = Field(pattern=MONTH_PATTERN)


class Pin(BaseModel):
    """Ops fixed this intent for the next solve: its month, its tier, or cut."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(min_length=1)
    month: str | None = Field(default=None, pattern=MONTH_PATTERN)
    tier: Tier | None = None
    cut: bool = False

    @model_validator(mode="after")
    def _something(self) -> Pin:
        if self.cut and (self.month or self.tier):
            raise ValueError("a pin either cuts the intent or fixes its month/tier, not both")
        if not self.cut and self.month is None and self.tier is None:
            raise ValueError("a pin needs month, tier or cut")
        return self


class MonthCap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    A: int | None = Field(default=None, ge=0)
    B: int | None = Field(default=None, ge=0)


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    A: int | None = Field(default=None, ge=0)
    B: int | None = Field(default=None, ge=0)


class ThresholdSettings(BaseModel):
    """The policy's base thresholds and per-month raises (keys: month number or YYYY-MM)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: Thresholds | None = None
    raises: dict[str, ThresholdRaise] = {}


class Settings(BaseModel):
    """`PUT /plans/{year}/settings`: every key optional; the policy's numbers otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    budget: int | None = Field(default=None, ge=0)
    reserve: int | None = Field(default=None, ge=0)
    # yuan a year (DOMAIN.md "Money"); None: the policy's. Published as the policy's marketing_budget
    marketing_budget: float | None = Field(default=None, ge=0, le=1e13)
    month_caps: dict[str, MonthCap] = {}
    thresholds: ThresholdSettings | None = None
    targets: Targets | None = None
    merge: bool = False
    # what the plan maximises: Σ score x counted days, or Σ gross profit after promotion (yuan)
    objective: Objective = "score_days"

    @field_validator("month_caps")
    @classmethod
    def _cap_months(cls, v: dict[str, MonthCap]) -> dict[str, MonthCap]:
        for m in v:
            if not is_month(m):
                raise ValueError(f"month_caps key {m!r} must be YYYY-MM")
        return v


class PlanInput(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    year: int
    policy: Policy
    intents: list[Intent]
    s_fixed: list[SFix] = []
    pins: list[Pin] = []
    settings: Settings = Settings()
    # the business-line contexts (None: the policy's seeded ones)
    lines: dict[str, BusinessLineContext] | None = None
    # "today" for the lead rules (S planned 3 months ahead, ...), in the policy time zone;
    # None: the year is planned a whole year ahead (Jan 1 of the year before), every lead met
    as_of: date | None = None

    @property
    def contexts(self) -> dict[str, BusinessLineContext]:
        return self.lines if self.lines is not None else self.policy.business_lines


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    intent_id: str
    request_id: str
    business_line: str
    category: str
    score: float = Field(description="the intent's score in the month it got (its preferred month when cut)")
    decision: DecisionKind
    tier: Tier | None
    month: str | None
    burst_start: date | None
    phases: list[Phase] = []
    reason: str
    requested_tier: Tier | None = None
    preferred_month: str
    merged_with: str | None = None
    money: Money | None = Field(default=None, description="the forecast's money at the decided tier (S, A, B, C); "
                                                          "None when cut or merged")


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Status
    objective: float | None = Field(description="the maximised objective: score x counted days, or yuan of "
                                                "gross profit after promotion (objective_kind)")
    bound: float | None = Field(description="the best bound of the objective")
    value: float = Field(description="sum over placed decisions of score x counted days, from the decisions")
    objective_kind: Objective = "score_days"
    value_score_days: float = Field(default=0.0, description="= value: Σ score x counted days of the placed")
    value_gross_profit: float = Field(default=0.0, description="Σ gross profit after promotion (yuan) of the "
                                                               "placed S, A and B, each at its placed tier")
    money_used: float = Field(default=0.0, description="Σ cost to the marketing budget of the placed S, A and B")
    money_for_planned: float | None = Field(default=None, description="the marketing budget less the hot-topic "
                                                                      "reserve in money; None: unlimited")
    seconds: float = Field(description="the solver's wall time, every stage")
    counted_days: int
    tiers: dict[str, int]
    placed: int
    moved: int
    downgraded: int
    cut: int
    merged: int = 0
    budget_for_planned: int = 0
    tie_breaks: dict[str, int] = {}
    conflicts: list[str] = Field(default=[], description="infeasible: the conflicting rules")
    thresholds: dict[str, dict[str, float]] = {}
    calibration: dict[str, Any] | None = None
    merge_suggestions: list[dict[str, Any]] = []
    search: str = ""


class PlanSolution(BaseModel):
    model_config = ConfigDict(frozen=True)

    summary: Summary
    decisions: list[Decision]

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --- parsing raw JSON (lists of dicts) with errors that name the item -----------------

def _loc(err: Any) -> str:
    return ".".join(str(x) for x in err.get("loc", ())) or "(item)"


def _first_error(e: ValidationError) -> tuple[str, str]:
    err = e.errors(include_url=False)[0]
    msg = err.get("msg", "invalid")
    return _loc(err), msg.removeprefix("Value error, ")


def _items(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise PlanInputError(what, None, f"must be a JSON list, got {type(raw).__name__}")
    return raw


def _name(what: str, i: int, item: Any) -> str:
    rid = item.get("request_id") if isinstance(item, dict) else None
    return f"{what}[{i}]" + (f" ({rid})" if isinstance(rid, str) else "")


def parse_intents(raw: Any, what: str = "intents") -> list[Intent]:
    out = []
    for i, item in enumerate(_items(raw, what)):
        if not isinstance(item, dict):
            raise PlanInputError(f"{what}[{i}]", None, "must be a JSON object")
        try:
            out.append(Intent.model_validate(item))
        except ValidationError as e:
            field, msg = _first_error(e)
            if field == "month" and not item.get("month"):  # `month` comes from `months`
                months = item.get("months")
                field, msg = ("months[0]", msg) if months else ("months", "list at least one month, preferred first")
            raise PlanInputError(_name(what, i, item), field, msg) from None
    return out


def parse_s(raw: Any, what: str = "s") -> list[SFix]:
    out = []
    for i, item in enumerate(_items(raw, what)):
        try:
            out.append(SFix.model_validate(item))
        except ValidationError as e:
            field, msg = _first_error(e)
            raise PlanInputError(_name(what, i, item), field, msg) from None
    return out


def parse_pins(raw: Any, what: str = "pins") -> list[Pin]:
    out = []
    for i, item in enumerate(_items(raw, what)):
        try:
            out.append(Pin.model_validate(item))
        except ValidationError as e:
            field, msg = _first_error(e)
            raise PlanInputError(_name(what, i, item), field, msg) from None
    return out


def parse_settings(raw: Any, what: str = "settings") -> Settings:
    if not isinstance(raw, dict):
        raise PlanInputError(what, None, f"must be a JSON object, got {type(raw).__name__}")
    try:
        return Settings.model_validate(raw)
    except ValidationError as e:
        field, msg = _first_error(e)
        raise PlanInputError(what, field, msg) from None


# --- cross-checks: what only the whole input can tell -------------------------------

def _month_number(key: str, year: int, item: str, field: str) -> int:
    if is_month(key):
        if year_of(key) != year:
            raise PlanInputError(item, field, f"{key} is not in {year}")
        return int(key[5:7])
    if key.isdigit() and 1 <= int(key) <= 12:
        return int(key)
    raise PlanInputError(item, field, f"{key!r} must be a month number 1..12 or YYYY-MM")


def check_input(inp: PlanInput) -> None:
    """Raise PlanInputError for the first thing that makes `inp` unplannable as given."""
    year = inp.year
    if inp.policy.year != year:
        raise PlanInputError("policy", "year", f"the policy is for {inp.policy.year}, the plan for {year}")
    lines = inp.contexts
    seen: dict[str, int] = {}
    for i, it in enumerate(inp.intents):
        name = f"intents[{i}] ({it.request_id})"
        if it.request_id in seen:
            raise PlanInputError(name, "request_id", f"also intents[{seen[it.request_id]}]: request ids must be unique")
        seen[it.request_id] = i
        for j, m in enumerate(it.months):
            if year_of(m) != year:
                raise PlanInputError(name, f"months[{j}]", f"{m} is outside the planned year {year}")
        if it.business_line not in lines:
            raise PlanInputError(name, "business_line",
                                 f"unknown business line {it.business_line!r} (known: {', '.join(sorted(lines))})")
        if it.hot_topic:
            raise PlanInputError(name, "hot_topic", "a hot topic is not planned: it runs on the reserve, one at a time")
    s_months: dict[str, str] = {}
    for i, s in enumerate(inp.s_fixed):
        name = f"s[{i}] ({s.request_id})"
        if s.request_id not in seen:
            raise PlanInputError(name, "request_id", "no intent has this request_id")
        if year_of(s.month) != year:
            raise PlanInputError(name, "month", f"{s.month} is outside the planned year {year}")
        if s.request_id in s_months:
            raise PlanInputError(name, "request_id", "leadership fixed this intent twice")
        s_months[s.request_id] = s.month
    pinned: set[str] = set()
    for i, p in enumerate(inp.pins):
        name = f"pins[{i}] ({p.request_id})"
        if p.request_id not in seen:
            raise PlanInputError(name, "request_id", "no intent has this request_id")
        if p.request_id in pinned:
            raise PlanInputError(name, "request_id", "pinned twice")
        pinned.add(p.request_id)
        it = inp.intents[seen[p.request_id]]
        if not p.cut and p.request_id not in s_months and (problem := floor_problem(inp.policy, it)):
            raise PlanInputError(name, "tier" if p.tier else "month",
                                 f"the planner places no intent under the margin floor: {problem}")
        if p.month is not None and p.month not in it.months and p.month != s_months.get(p.request_id):
            raise PlanInputError(name, "month", f"{p.month} is not one of the intent's months {it.months}")
        if p.request_id in s_months:
            sm = s_months[p.request_id]
            if p.cut or (p.month and p.month != sm) or (p.tier and p.tier != Tier.S):
                raise PlanInputError(name, "cut" if p.cut else ("month" if p.month and p.month != sm else "tier"),
                                     f"leadership fixed this intent as S in {sm}: a pin cannot change it")
        elif p.tier == Tier.S:
            raise PlanInputError(name, "tier", "only leadership makes an intent S (the S list), not a pin")
        if p.tier is not None and it.requested_tier is not None and it.requested_tier.is_below(p.tier) \
                and p.request_id not in s_months:
            raise PlanInputError(name, "tier", f"{p.tier} is above the requested tier {it.requested_tier}")
    st = inp.settings
    for m in st.month_caps:
        if year_of(m) != year:
            raise PlanInputError("settings", f"month_caps.{m}", f"{m} is outside the planned year {year}")
    if st.thresholds is not None:
        for m in st.thresholds.raises:
            _month_number(m, year, "settings", f"thresholds.raises.{m}")
    budget = st.budget if st.budget is not None else inp.policy.yearly_budget_days
    reserve = st.reserve if st.reserve is not None else inp.policy.hot_topic_reserve_days
    if reserve > budget:
        raise PlanInputError("settings", "reserve", f"the reserve {reserve} exceeds the budget {budget}")
    if st.marketing_budget is not None and inp.policy.hot_topic_reserve_money > st.marketing_budget:
        raise PlanInputError("settings", "marketing_budget", f"the hot-topic reserve in money "
                             f"{inp.policy.hot_topic_reserve_money:,.0f} exceeds the marketing budget "
                             f"{st.marketing_budget:,.0f}")


def effective_policy(inp: PlanInput) -> Policy:
    """The policy with the settings' budget, reserve and thresholds applied (validated)."""
    st = inp.settings
    pol = inp.policy
    update: dict[str, Any] = {}
    if st.budget is not None:
        update["yearly_budget_days"] = st.budget
    if st.reserve is not None:
        update["hot_topic_reserve_days"] = st.reserve
    if st.marketing_budget is not None:
        update["marketing_budget"] = st.marketing_budget
    if st.thresholds is not None:
        if st.thresholds.base is not None:
            update["thresholds"] = st.thresholds.base
        raises = dict(pol.month_threshold_raises)
        for k, r in st.thresholds.raises.items():
            raises[_month_number(k, inp.year, "settings", f"thresholds.raises.{k}")] = r
        update["month_threshold_raises"] = raises
    if not update:
        return pol
    new = pol.model_copy(update=update)
    for m in range(1, 13):
        try:
            new.thresholds_for(m)
        except ValueError as err:
            raise PlanInputError("settings", "thresholds", f"month {month_key(inp.year, m)}: {err}") from None
    return new

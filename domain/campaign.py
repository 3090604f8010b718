"""What a business line asks for, and the phases a campaign runs through."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.festivals import unsupported_year_message
from domain.money import MAX_DEPTH, Mechanic, Money, money_of, total_depth
from domain.months import is_month, month_of_date, number_of, year_of
from domain.tiers import Tier

# Upper bounds far above any real campaign: a number past them is a typo, and keeping
# them finite and bounded keeps the revenue check and the log's JSON valid.
MAX_YUAN = 1e13
MAX_TRAFFIC = 10**11
MAX_ORDER_VALUE = 1e7
_SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# A business line's name holds no "-": ids are campaign-<line>-<request_id> (and intent-...),
# and a request id may hold "-", so only a line without one makes the id say which is which.
LINE_PATTERN = r"^[a-z0-9][a-z0-9_]{0,63}$"
LINE_RULE = "a business line name is 1-64 lowercase letters, digits and _ (no '-': it separates the line " \
            "from the request id in campaign ids)"


def check_line_name(v: str) -> str:
    if not re.fullmatch(LINE_PATTERN, v):
        raise ValueError(LINE_RULE)
    return v


BusinessLineName = Annotated[str, Field(json_schema_extra={"pattern": LINE_PATTERN}), AfterValidator(check_line_name)]


class Forecast(BaseModel):
    """sales = traffic x average order value x conversion rate (the planning note's formula)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    traffic: int = Field(ge=0, le=MAX_TRAFFIC, description="expected visitors during the campaign")
    avg_order_value: float = Field(ge=0, le=MAX_ORDER_VALUE, description="average order value, in yuan")
    conversion_rate: float = Field(ge=0, le=1, description="share of visitors who buy, 0..1")

    @property
    def sales(self) -> float:
        return self.traffic * self.avg_order_value * self.conversion_rate


class CampaignRequest(BaseModel):
    """The body of `POST /campaigns` (see shared/API.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)

    request_id: str = Field(min_length=1, max_length=128, description="the caller's idempotency key")
    name: str = Field(min_length=1, max_length=200)
    business_line: BusinessLineName
    category: str = Field(pattern=_SLUG)
    requested_tier: Tier | None = Field(
        default=None, description="an upper bound; the engine proposes one when omitted")
    month: str = Field(description="the burst month, YYYY-MM")
    burst_start: date | None = Field(default=None, description="first burst day; the engine picks one when omitted")
    revenue_target: float = Field(ge=0, le=MAX_YUAN, description="yuan")
    gross_margin: float = Field(ge=-1, le=1, description="share of revenue, -1..1")
    forecast: Forecast
    hot_topic: bool = False
    category_reason: str | None = Field(
        default=None, max_length=500,
        description="why this category runs twice in the month (category rotation rule)",
    )
    # Money (DOMAIN.md "Money"; domain/money.py): all optional
    mechanics: list[Mechanic] = Field(default=[], max_length=10,
                                      description="the gameplay: depth and platform share per mechanic")
    paid_traffic: float | None = Field(default=None, ge=0, le=MAX_YUAN,
                                       description="yuan of bought traffic, from the marketing budget")
    skus: int | None = Field(default=None, ge=0, le=10**9, description="SKUs in the campaign (entry standard)")
    inventory_value: float | None = Field(default=None, ge=0, le=MAX_YUAN,
                                          description="yuan of stock in the campaign (entry standard)")

    @field_validator("request_id")
    @classmethod
    def _request_id_chars(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9._:-]+", v):
            raise ValueError("request_id may hold only letters, digits and . _ : -")
        return v

    @field_validator("month")
    @classmethod
    def _month_format(cls, v: str) -> str:
        if not is_month(v):
            raise ValueError("month must be YYYY-MM, e.g. 2027-09")
        if problem := unsupported_year_message(year_of(v)):
            raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _burst_in_month(self) -> CampaignRequest:
        if self.burst_start is not None and month_of_date(self.burst_start) != self.month:
            raise ValueError(f"burst_start {self.burst_start} is not in month {self.month}")
        return self

    @model_validator(mode="after")
    def _hot_topic_never_s(self) -> CampaignRequest:
        if self.hot_topic and self.requested_tier == Tier.S:
            raise ValueError("a hot topic cannot be S: an S is planned by leadership at least 3 months ahead; "
                             "ask for A or lower, or drop hot_topic")
        return self

    @field_validator("mechanics")
    @classmethod
    def _depth_at_most(cls, v: list[Mechanic]) -> list[Mechanic]:
        if sum(m.depth for m in v) > MAX_DEPTH + 1e-12:
            raise ValueError(f"the mechanics' depths add up to {sum(m.depth for m in v):.3f}; "
                             f"at most {MAX_DEPTH} of list price may be given away")
        return v

    @property
    def money(self) -> Money:
        """The forecast's money (domain/money.py) at the asked forecast."""
        return money_of(self.forecast.sales, self.gross_margin, self.mechanics, self.paid_traffic)

    @property
    def depth(self) -> float | None:
        """D, or None when the request states no mechanics (its depth is not stated)."""
        return total_depth(self.mechanics) if self.mechanics else None

    @property
    def year(self) -> int:
        return year_of(self.month)

    @property
    def month_number(self) -> int:
        return number_of(self.month)


class PhaseName(StrEnum):
    WARMUP = "warmup"
    BURST = "burst"
    ENCORE = "encore"


class Phase(BaseModel):
    """One phase of a campaign; dates are start-inclusive, end-exclusive, policy time zone."""

    model_config = ConfigDict(frozen=True)

    phase: PhaseName
    start: date
    end: date


def campaign_id_for(business_line: str, request_id: str) -> str:
    """Deterministic id: the same request_id of the same line is the same campaign."""
    return f"campaign-{business_line}-{request_id}"

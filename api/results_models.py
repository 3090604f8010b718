"""Typed bodies of the results routes (shared/API.md "Results and forecasts"), kept apart
from api/models.py so the results work adds a file instead of editing a shared one."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.results.actuals import ActualRow
from services.results import ActualsResultBody, HistoryCampaign


class ActualsBody(BaseModel):
    rows: list[ActualRow] = Field(min_length=1, max_length=400)  # a campaign's window is weeks, not years


def _storable(v: str) -> str:
    """Text PostgreSQL can hold: no NUL, no lone surrogate (else the lookup fails as a 500)."""
    if "\x00" in v:
        raise ValueError("must not contain a NUL character")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (a lone surrogate is not)") from None
    return v


class BulkActualsItem(BaseModel):
    campaign_id: Annotated[str, AfterValidator(_storable)] = Field(min_length=1, max_length=300)
    rows: list[ActualRow] = Field(min_length=1, max_length=400)  # a campaign's window is weeks, not years


class BulkActualsBody(BaseModel):
    # at most 200 campaigns and the policy's row cap (results.max_rows) a call, else 413 (services/limits.py)
    campaigns: list[BulkActualsItem] = Field(min_length=1)


class BulkActualsResult(BaseModel):
    campaign_id: str
    status: Literal["stored", "invalid"]
    result: ActualsResultBody | None = None
    error: dict[str, Any] | None = None


class HistoryResult(BaseModel):
    request_id: str | None
    campaign_id: str | None
    status: Literal["created", "exists", "invalid"]
    error: dict[str, Any] | None = None


class Results(BaseModel):
    results: list[Any]


class RevenueEntry(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    date: date
    revenue: float = Field(ge=0, le=1e13)


class RevenueBody(BaseModel):
    entries: list[RevenueEntry] = Field(min_length=1, max_length=1_000)


__all__ = ["ActualsResultBody", "HistoryCampaign"]  # the use cases' types, in the routes' bodies

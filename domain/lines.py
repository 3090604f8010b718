"""A business line as the promotion team sees it when it reviews a request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.campaign import BusinessLineName


class BusinessLineContext(BaseModel):
    """What the promotion team knows about a line when it reviews a request."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    business_line: BusinessLineName
    strategic_weight: float = Field(ge=0, le=1)
    annual_target: float = Field(ge=0, description="yuan")
    annual_progress: float = Field(ge=0, description="revenue so far this year, yuan")
    month_revenue: float = Field(ge=0, description="revenue of the current month, yuan")
    month_revenue_norm: float = Field(ge=0, description="a typical month's revenue, to normalise")
    # where annual_progress and month_revenue came from: the seeded table, or recorded results
    source: str = Field(default="seeded", pattern="^(seeded|results)$")

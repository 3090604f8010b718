"""`GET /bookings`: resource bookings from the read model, for the promotion team and ops."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import READERS, require_role
from api.deps import AppDeps, CurrentActor
from api.models import BookingRow
from api.paging import Page
from store import reads

router = APIRouter(tags=["bookings"])


@router.get("/bookings", response_model=list[BookingRow])
async def bookings(
    actor: CurrentActor, d: AppDeps, page: Page,
    from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
    resource: str | None = None, include_released: bool = False,
) -> list[BookingRow]:
    require_role(actor, *READERS)
    rows = await reads.list_bookings(d.pool, start=from_, end=to, resource=resource, include_released=include_released,
                                    limit=page.limit, offset=page.offset)
    return [BookingRow.model_validate(r) for r in rows]

"""Exports (shared/API.md "Preparation, people and exports"): `GET /calendar/{year}.ics`
and `GET /campaigns.csv` (plus `GET /campaigns.xlsx`, the same rows as a workbook).

Included before the calendar router (api/app.py), so `/calendar/{year}` never sees
`2027.ics`. Every export respects the roles: a business line gets its own campaigns only
(the calendar file: their phases and milestones; the campaign files: the list's filters
and its role rule), every other role gets all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from api.auth import ROLES, require_role
from api.deps import AppDeps, Deps
from api.exports import campaigns_csv, campaigns_xlsx, ics
from api.web.session import DocumentActor  # bearer, or the web app's session
from domain.approvals.roles import Role
from domain.months import MONTH_PATTERN
from domain.status import Status
from domain.tiers import Tier
from services.errors import Code, Refused
from store import milestones, reads, reference

router = APIRouter(tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/calendar/{year}.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}})
async def calendar_ics(actor: DocumentActor, d: AppDeps,
                       year: Annotated[int, Path(ge=2000, le=2100)], team: str | None = None) -> Response:
    """Readers get every campaign of the year; a business line only its own."""
    require_role(actor, *ROLES)
    line = actor.business_line if actor.role == Role.BUSINESS_LINE else None
    if actor.role == Role.BUSINESS_LINE and not line:
        raise Refused(Code.FORBIDDEN, f"{actor.name} is a business line principal without a business line")
    policy = await reference.policy_for(d.pool, year)
    entries = [r for r in await reads.calendar_rows(d.pool, year)
               if (r["tier"] != Tier.C.value or team is None) and (line is None or r["business_line"] == line)]
    stamps = await reads.updated_at(d.pool, [e["campaign_id"] for e in entries])
    entries = [{**e, "updated_at": stamps.get(e["campaign_id"])} for e in entries]
    ms = [{**m, "updated_at": stamps.get(m["campaign_id"])}
          for m in await milestones.of_year(d.pool, year, team=team, business_line=line)]
    body = ics(year, policy, entries, ms, team, business_line=line)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="promoflow-{year}.ics"'})


async def _campaign_rows(d: Deps, actor, status: Status | None, tier: Tier | None, month: str | None,
                         business_line: str | None) -> list[dict[str, Any]]:
    if actor.role == Role.BUSINESS_LINE:
        if business_line not in (None, actor.business_line):
            raise Refused(Code.FORBIDDEN, f"{actor.name} may list only {actor.business_line} campaigns")
        business_line = actor.business_line
    out: list[dict[str, Any]] = []
    while True:  # every row, a page at a time
        rows, total = await reads.list_campaigns(
            d.pool, status=status.value if status else None, tier=tier.value if tier else None, month=month,
            business_line=business_line, limit=500, offset=len(out))
        out.extend(rows)
        if not rows or len(out) >= total:
            return out


Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]


@router.get("/campaigns.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "the campaign list, UTF-8, header row"}})
async def campaigns_as_csv(actor: DocumentActor, d: AppDeps, status: Status | None = None, tier: Tier | None = None,
                           month: Month = None, business_line: str | None = None) -> Response:
    rows = await _campaign_rows(d, actor, status, tier, month, business_line)
    return Response(campaigns_csv(rows).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="campaigns.csv"'})


@router.get("/campaigns.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "the campaign list as a workbook"}})
async def campaigns_as_xlsx(actor: DocumentActor, d: AppDeps, status: Status | None = None, tier: Tier | None = None,
                            month: Month = None, business_line: str | None = None) -> Response:
    rows = await _campaign_rows(d, actor, status, tier, month, business_line)
    return Response(campaigns_xlsx(rows), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="campaigns.xlsx"'})

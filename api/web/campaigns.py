"""`/app/campaigns` (every role; a business line sees its own): the read model's list
(store/reads.py `list_campaigns`, what `GET /campaigns` reads) with filters (status, tier,
month, line) and paging by limit/offset, the money columns (cost, margin after) where the
read model has them; a `New campaign` link for a line. Its router also carries the
campaign pages under /app/campaigns/ (the new-campaign form first, so `new` is never read as
an id; then the campaign's page and its actions)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.paging import MAX_LIMIT
from api.web import campaign_actions, campaign_page, new_campaign
from api.web.formats import install_filters
from api.web.render import WebError, render
from api.web.session import WebActor
from domain.approvals.roles import Role
from domain.months import MONTH_PATTERN
from domain.status import Status
from domain.tiers import Tier
from store import reads

router = APIRouter(include_in_schema=False)
PAGE = 50
install_filters()


@router.get("/app/campaigns", response_class=HTMLResponse)
async def campaigns_page(request: Request, actor: WebActor,
                         status: Annotated[Status | Literal[""] | None, Query()] = None,
                         tier: Annotated[Tier | Literal[""] | None, Query()] = None,
                         month: Annotated[str | None, Query(pattern=f"^$|{MONTH_PATTERN}")] = None,
                         business_line: Annotated[str | None, Query(max_length=100)] = None,
                         limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = PAGE,
                         offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> HTMLResponse:
    d = request.app.state.deps
    status, tier = status or None, tier or None  # an empty select of the filter form: any
    if actor.role == Role.BUSINESS_LINE:
        if business_line not in (None, "", actor.business_line):
            raise WebError(403, "Not allowed", f"{actor.name} may list only {actor.business_line} campaigns.")
        business_line = actor.business_line
    rows, total = await reads.list_campaigns(
        d.pool, status=status.value if status else None, tier=tier.value if tier else None, month=month or None,
        business_line=business_line or None, limit=limit, offset=offset)
    filters = {k: v for k, v in (("status", status.value if status else None), ("tier", tier.value if tier else None),
                                 ("month", month), ("business_line", None if actor.role == Role.BUSINESS_LINE
                                                    else business_line)) if v}

    def page_url(at: int) -> str:
        return "/app/campaigns?" + urlencode({**filters, "limit": limit, "offset": at})

    return render(request, "app/campaigns.html", title="Campaigns", rows=rows, total=total, limit=limit,
                  offset=offset, filters=filters, statuses=[s.value for s in Status], tiers=[t.value for t in Tier],
                  prev_url=page_url(max(0, offset - limit)) if offset > 0 else None,
                  next_url=page_url(offset + limit) if offset + limit < total else None,
                  export_url="/campaigns.csv" + (f"?{urlencode(filters)}" if filters else ""))


for _pages in (new_campaign.router, campaign_page.router, campaign_actions.router):
    router.include_router(_pages)

"""`/app/campaigns/new` (business_line): the `POST /campaigns` body as a form.

The form carries a hidden `request_id` made when it is drawn, so a double submit (a second
click, a resent POST) is the same request and makes one campaign (the route answers the
existing one). Submitting runs `POST /campaigns`'s own function
(services/campaigns.py `submit`): the same checks, the same workflow start, the
signed-in line as owner; then the campaign's page. A problem is shown beside its field
(api/web/campaign_form.py maps the models' and the route's problems to fields) and what was
typed is kept.

While typing, htmx asks `GET /app/campaigns/new/forecast` for the preview (forecast sales
against the target, cost, margin and gross profit after the promotion: domain/money.py's
formulas, computed here, never in the browser); with JavaScript off the preview is drawn
with the form and again on a redraw.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import require_role
from api.web import campaign_form
from api.web.campaign_form import Invalid
from api.web.formats import install_filters
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.render import render
from api.web.session import WebActor
from domain.approvals.roles import Role
from domain.campaign import CampaignRequest
from domain.tiers import Tier
from services import campaigns
from services.campaigns import RequestProblems

router = APIRouter(include_in_schema=False)
install_filters()
TEMPLATE = "app/campaign_new.html"


def new_request_id() -> str:
    return f"web-{secrets.token_hex(8)}"


def _page(values: dict[str, Any]) -> dict[str, Any]:
    return {"title": "New campaign", "tiers": [t.value for t in Tier], "mechanic_types": campaign_form.MECHANIC_TYPES,
            "mechanic_rows": range(campaign_form.MECHANIC_ROWS), "preview": campaign_form.preview(values)}


@router.get("/app/campaigns/new", response_class=HTMLResponse)
async def new_campaign_page(request: Request, actor: WebActor) -> HTMLResponse:
    require_role(actor, Role.BUSINESS_LINE)
    values = {"request_id": new_request_id()}
    return render(request, TEMPLATE, values=values, errors={}, **_page(values))


@router.get("/app/campaigns/new/forecast", response_class=HTMLResponse)
async def forecast_fragment(request: Request, actor: WebActor) -> HTMLResponse:
    """The preview for the figures in the query (htmx swaps it in while the person types)."""
    values = {k: v for k, v in request.query_params.items() if len(v) <= 100}
    return render(request, "app/forecast_preview.html", preview=campaign_form.preview(values))


async def _redraw(form: FormContext) -> dict[str, Any]:
    values = {k: v for k, v in form.form.items() if isinstance(v, str)}
    return _page(values)


@form_post(router, "/app/campaigns/new", roles=(Role.BUSINESS_LINE,), template=TEMPLATE, context=_redraw)
async def submit_new_campaign(form: FormContext) -> Response:
    values = {k: v for k, v in form.form.items() if isinstance(v, str)}
    try:
        request = campaign_form.parse(CampaignRequest, values, form.actor.business_line)
    except Invalid as err:
        raise FormInvalid(err.errors) from err
    assert isinstance(request, CampaignRequest)
    try:
        state = (await campaigns.submit(form.d, form.actor, request)).state
    except RequestProblems as err:
        raise FormInvalid(err.fields) from err
    return RedirectResponse(f"/app/campaigns/{state.campaign_id}", status_code=303)

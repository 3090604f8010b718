"""The campaign page's actions, each the use case the JSON route calls, with the signed-in
person as actor (so the same checks and events): approve / downgrade / reject
(services/decisions.py `decide`, as `POST /campaigns/{id}/approve` ...), choose a month,
cancel, mark a milestone done and amend (services/campaigns.py).

Every form posts the session's CSRF token (`@form_post`: a 403 page otherwise, nothing
changed). A missing reason or a bad amended figure redraws the campaign page with the
problem beside its field and what was typed kept (422); a refusal of the use case (403 not
yours, 409 not now, 422 invalid) is a page naming why. Success goes back to the campaign's
page (303), which says what was done.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.models import ChooseMonthBody
from api.routes.amend import AmendBody
from api.web import campaign_form
from api.web.campaign_form import Invalid
from api.web.campaign_page import TEMPLATE, campaign_context
from api.web.forms import FormContext, FormInvalid, form_post
from domain.amend import AMENDABLE
from domain.approvals.roles import DECIDERS, Role
from domain.tiers import Tier
from services import campaigns, decisions
from services.decisions import Decision

router = APIRouter(include_in_schema=False)
BASE = "/app/campaigns/{campaign_id}"


def _id(form: FormContext) -> str:
    return str(form.request.path_params["campaign_id"])


def _back(form: FormContext, done: str) -> RedirectResponse:
    return RedirectResponse(f"/app/campaigns/{_id(form)}?done={done}", status_code=303)


async def _redraw(form: FormContext) -> dict[str, Any]:
    """The page again, with the form that failed open (named by its action)."""
    path = form.request.url.path.rsplit("/", 1)[-1]
    failed = form.value("action") if path == "decide" else path
    return {**await campaign_context(form.d, form.actor, _id(form)), "failed": failed, "done": None}


def _reason(form: FormContext, what: str) -> str:
    reason = form.value("reason")
    if not reason:
        raise FormInvalid({"reason": f"A {what} needs a reason."})
    if len(reason) > 2000:
        raise FormInvalid({"reason": "A reason holds at most 2,000 characters."})
    return reason


@form_post(router, f"{BASE}/decide", roles=DECIDERS, template=TEMPLATE, context=_redraw)
async def decide_campaign(form: FormContext) -> Response:
    action = form.value("action")
    override = form.value("margin_override") == "1"
    if action == "approve":
        reason = _reason(form, "margin override") if override else None
        await decisions.decide(form.d, form.actor, Decision(_id(form), "approve", margin_override=override,
                                                             reason=reason))
    elif action == "downgrade":
        reason = _reason(form, "downgrade")
        if form.value("to_tier") not in ("A", "B", "C"):
            raise FormInvalid({"to_tier": "Choose the tier to downgrade to."})
        await decisions.decide(form.d, form.actor, Decision(_id(form), "downgrade", to_tier=Tier(form.value("to_tier")),
                                                            reason=reason, margin_override=override))
    elif action == "reject":
        await decisions.decide(form.d, form.actor, Decision(_id(form), "reject", reason=_reason(form, "rejection")))
    else:
        raise FormInvalid({"action": "Choose approve, downgrade or reject."})
    return _back(form, action)


@form_post(router, f"{BASE}/choose-month", roles=(Role.BUSINESS_LINE,), template=TEMPLATE, context=_redraw)
async def choose_month(form: FormContext) -> Response:
    try:
        body = ChooseMonthBody(month=form.value("month"))
    except ValidationError as err:
        raise FormInvalid({"month": "Choose one of the months offered."}) from err
    await campaigns.choose_month(form.d, form.actor, _id(form), body.month)
    return _back(form, "choose")


@form_post(router, f"{BASE}/cancel", roles=(Role.BUSINESS_LINE, Role.OPS), template=TEMPLATE, context=_redraw)
async def cancel_campaign(form: FormContext) -> Response:
    await campaigns.cancel(form.d, form.actor, _id(form), _reason(form, "cancellation"))
    return _back(form, "cancel")


@form_post(router, BASE + "/milestones/{key}/done", roles=(Role.BUSINESS_LINE, Role.OPS), template=TEMPLATE,
           context=_redraw)
async def milestone_done(form: FormContext) -> Response:
    key = str(form.request.path_params["key"])
    comment = form.value("comment") or None
    await campaigns.milestone_done(form.d, form.actor, _id(form), key, comment[:1000] if comment else None)
    return _back(form, "milestone")


def _changes(values: dict[str, str], current: dict[str, Any], business_line: str | None) -> dict[str, Any]:
    """The amendable fields whose value in the form differs from the request as it stands."""
    body, where = campaign_form.request_body(values, business_line)
    changes: dict[str, Any] = {}
    for key in AMENDABLE:
        new = body.get(key)
        old = current.get(key)
        if key == "forecast":
            if new and set(new) == set(campaign_form.FORECAST) and new != old:
                changes[key] = new
        elif key == "mechanics":
            was = [{"type": m["type"], "depth": m["depth"], "platform_share": m["platform_share"]} for m in old or []]
            if new != was:
                changes[key] = new
        elif key in ("requested_tier", "burst_start", "paid_traffic") and new is None:
            continue
        elif new is not None and new != old and str(new) != str(old):
            changes[key] = new
    try:
        AmendBody.model_validate({"changes": changes, "reason": values.get("reason") or "-"})
    except ValidationError as err:
        raise Invalid(campaign_form.pydantic_errors(err, where)) from err
    return changes


@form_post(router, f"{BASE}/amend", roles=(Role.BUSINESS_LINE,), template=TEMPLATE, context=_redraw)
async def amend_campaign(form: FormContext) -> Response:
    values = {k: v for k, v in form.form.items() if isinstance(v, str)}
    current = (await campaign_context(form.d, form.actor, _id(form)))["req"]
    try:
        changes = _changes(values, current, form.actor.business_line)
    except Invalid as err:
        raise FormInvalid(err.errors) from err
    if not changes:
        raise FormInvalid({"name": "Nothing was changed: change a field, then amend."})
    reason = _reason(form, "change")
    body = AmendBody.model_validate({"changes": changes, "reason": reason})
    await campaigns.amend(form.d, form.actor, _id(form), body.changes, body.reason)
    return _back(form, "amend")

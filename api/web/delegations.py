"""`/app/delegations` (approvers and leaders; ops see and revoke them all): the delegations
the person gave and received, a form to grant one (`to`, `from`, `until`) and a `Revoke`
button on each they may revoke (their own; ops any).

Each action is the JSON route's own function (api/routes/delegations.py: `create`,
`list_delegations`, `revoke`), the signed-in person as actor: the same policy rule (who may
delegate to whom, how long), the same events. A refused grant is drawn beside its field
with what was typed kept; nothing is recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.auth import DECIDERS
from api.routes.delegations import DelegationBody, create, list_delegations, revoke
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.render import NAV, NavItem, render
from api.web.session import WebActor
from domain.approvals.roles import Role
from services.errors import Code, Refused
from workflows.messages import Actor

router = APIRouter(include_in_schema=False)
VIEWERS = (*DECIDERS, "ops")
NAV.append(NavItem("Delegations", "/app/delegations", VIEWERS))


async def delegations_context(request: Request, actor: Actor) -> dict[str, Any]:
    listed = await list_delegations(actor, request.app.state.deps)
    given = [g for g in listed.items if g.from_id == actor.actor_id]
    received = [g for g in listed.items if g.to == actor.actor_id]
    others = [g for g in listed.items if g not in given and g not in received]
    return {"title": "Delegations", "given": given, "received": received, "others": others,
            "may_grant": actor.role in DECIDERS, "may_revoke_all": actor.role == Role.OPS}


@router.get("/app/delegations", response_class=HTMLResponse)
async def delegations_page(request: Request, actor: WebActor) -> HTMLResponse:
    if actor.role not in VIEWERS:
        raise Refused(Code.FORBIDDEN, f"{actor.name} ({actor.role}) has no delegations: they are for "
                                         f"{' and '.join(VIEWERS)}")
    return render(request, "app/delegations.html", **await delegations_context(request, actor),
                  done=request.query_params.get("done"))


async def _context(form: FormContext) -> dict[str, Any]:
    return await delegations_context(form.request, form.actor)


@form_post(router, "/app/delegations", roles=DECIDERS, template="app/delegations.html", context=_context)
async def grant(form: FormContext) -> Response:
    to, starts, until = form.value("to"), form.value("from"), form.value("until")
    errors: dict[str, str] = {}
    if not to:
        errors["to"] = "Name the person who acts for you."
    for key, raw in (("from", starts), ("until", until)):
        try:
            date.fromisoformat(raw)
        except ValueError:
            errors[key] = "A day as YYYY-MM-DD."
    if errors:
        raise FormInvalid(errors)
    try:
        body = DelegationBody.model_validate({"to": to, "from": starts, "until": until})
    except ValidationError as err:
        raise FormInvalid({str(e["loc"][0]).rstrip("_"): e["msg"] for e in err.errors(include_url=False)}) from None
    try:
        g = await create(body, form.actor, form.d)
    except Refused as err:
        field = "until" if "until" in err.message or "lasts" in err.message else "to"
        raise FormInvalid({field: err.message}, "The delegation was refused.") from None
    return RedirectResponse(f"/app/delegations?done=granted-{g.id}", status_code=303)


@form_post(router, "/app/delegations/{delegation_id}/revoke", roles=VIEWERS)
async def revoke_one(form: FormContext) -> Response:
    delegation_id = str(form.request.path_params["delegation_id"])
    await revoke(delegation_id, form.actor, form.d)
    return RedirectResponse(f"/app/delegations?done=revoked-{delegation_id}", status_code=303)

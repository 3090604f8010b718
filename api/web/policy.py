"""`/app/policy/{year}` (every role reads; ops and leaders change): the year's policy in force,
what differs from the defaults, its history (who changed what and why), and for ops and
leaders a form for `PATCH /policy/{year}`: the changes as JSON (a merge patch of the year's
overrides, the contract's flat keys) and a reason.

Reads are `GET /policy/{year}` and `/history`'s own functions (api/routes/policy.py, over
services/policy.py); a change is `change_policy`, the PATCH route's function: the same
validation and the same `PolicyOverridden` event, the signed-in person as actor. A refused
change (422 naming the key and why) is drawn beside the changes field with what was typed
kept; nothing is recorded.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.auth import ROLES
from api.routes.policy import PolicyChange, change_policy, get_policy, policy_history
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.render import NAV, NavItem, WebError, render
from api.web.render import _this_year as this_year
from api.web.session import WebActor
from domain.festivals import supported_years
from services.errors import Code, Refused
from workflows.messages import Actor

router = APIRouter(include_in_schema=False)
NAV.append(NavItem("Policy", lambda: f"/app/policy/{this_year()}", ROLES))
CHANGERS = ("ops", "leader")


def _year(request: Request) -> int:
    raw = str(request.path_params.get("year", ""))
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise WebError(404, "Not found", f"{raw!r} is not a year")
    return int(raw)


def _refused_page(err: Refused) -> WebError:
    status = {Code.INVALID.value: 422, Code.NOT_FOUND.value: 404, Code.CONFLICT.value: 409}.get(err.code, 503)
    return WebError(status, "Refused", err.message)


async def policy_context(request: Request, actor: Actor, year: int) -> dict[str, Any]:
    d = request.app.state.deps
    try:
        view = await get_policy(year, actor, d)
        history = await policy_history(year, actor, d)
    except Refused as err:
        raise _refused_page(err) from None
    return {"title": f"Policy {year}", "year": year, "years": supported_years(), "view": view,
            "history": list(reversed(history.items)), "may_change": actor.role in CHANGERS,
            "effective": [(k, json.dumps(v, ensure_ascii=False)) for k, v in view.effective.items()],
            "overrides": json.dumps(view.overrides, indent=1, ensure_ascii=False),
            "dumps": lambda v: json.dumps(v, ensure_ascii=False)}


@router.get("/app/policy/{year}", response_class=HTMLResponse)
async def policy_page(request: Request, actor: WebActor) -> HTMLResponse:
    year = _year(request)
    return render(request, "app/policy.html", **await policy_context(request, actor, year),
                  changed=request.query_params.get("changed"))


async def _context(form: FormContext) -> dict[str, Any]:
    return await policy_context(form.request, form.actor, _year(form.request))


@form_post(router, "/app/policy/{year}", roles=CHANGERS, template="app/policy.html", context=_context)
async def change(form: FormContext) -> Response:
    year = _year(form.request)
    raw, reason = form.value("changes"), form.value("reason")
    errors: dict[str, str] = {}
    changes: Any = None
    try:
        changes = json.loads(raw) if raw else None
    except json.JSONDecodeError as err:
        errors["changes"] = f"Not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})."
    if not errors and not isinstance(changes, dict):
        errors["changes"] = 'The changes are a JSON object of policy keys, e.g. {"yearly_budget_days": 140}.'
    if not reason:
        errors["reason"] = "Say why the policy changes (it is kept in the history)."
    if errors:
        raise FormInvalid(errors)
    try:
        body = PolicyChange(changes=changes, reason=reason)
    except ValidationError as err:
        raise FormInvalid({str(e["loc"][0]): e["msg"] for e in err.errors(include_url=False)}) from None
    try:
        view = await change_policy(year, body, form.actor, form.d)
    except Refused as err:
        if err.code == Code.INVALID:
            keys = [str(x.get("field")) for x in err.details or [] if isinstance(x, dict) and x.get("field")]
            raise FormInvalid({"changes": err.message}, "The policy refused the change"
                              + (f" ({', '.join(keys)})." if keys else ".")) from None
        raise _refused_page(err) from None
    return RedirectResponse(f"/app/policy/{year}?changed={view.version}", status_code=303)

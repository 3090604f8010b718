"""`/app/business-lines` (every role reads; ops change): each line's strategic weight, annual
target, progress and this month's revenue as the review reads them, and for ops a form to
change a line's `strategic_weight` and/or `annual_target` with a reason.

The read is `GET /business-lines`'s own function and a change is `change_line`, the PATCH
route's function (api/routes/lines.py over services/lines.py): the same validation and the
same `BusinessLineChanged` event, the signed-in person as actor. A refused change is drawn
beside its field with what was typed kept; nothing is recorded.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.auth import ROLES
from api.routes.lines import LineChange, change_line, list_lines
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.render import NAV, NavItem, WebError, render
from api.web.session import WebActor
from services.errors import Code, Refused
from workflows.messages import Actor

router = APIRouter(include_in_schema=False)
NAV.append(NavItem("Lines", "/app/business-lines", ROLES))
CHANGERS = ("ops",)
FIELDS = ("strategic_weight", "annual_target")


def refused_page(err: Refused) -> WebError:
    """A use case's refusal as a page (under /app the JSON handler does not draw it)."""
    status = {Code.INVALID.value: 422, Code.NOT_FOUND.value: 404, Code.CONFLICT.value: 409,
              Code.NOT_CONFIGURED.value: 503}.get(err.code, 422)
    return WebError(status, "Refused", err.message)


async def lines_context(request: Request, actor: Actor) -> dict[str, Any]:
    listed = await list_lines(actor, request.app.state.deps)
    return {"title": "Business lines", "lines": listed.items, "may_change": actor.role in CHANGERS}


@router.get("/app/business-lines", response_class=HTMLResponse)
async def lines_page(request: Request, actor: WebActor) -> HTMLResponse:
    return render(request, "app/lines.html", **await lines_context(request, actor),
                  changed=request.query_params.get("changed"))


async def _context(form: FormContext) -> dict[str, Any]:
    return await lines_context(form.request, form.actor)


@form_post(router, "/app/business-lines", roles=CHANGERS, template="app/lines.html", context=_context)
async def change(form: FormContext) -> Response:
    line, reason = form.value("line"), form.value("reason")
    errors: dict[str, str] = {}
    changes: dict[str, float] = {}
    for key in FIELDS:
        raw = form.value(key)
        if raw:
            try:
                changes[key] = float(raw)
            except ValueError:
                errors[key] = f"{raw!r} is not a number."
    if not line:
        errors["line"] = "Choose a business line."
    if not reason:
        errors["reason"] = "Say why the line changes (it is kept with the change)."
    if not changes and not errors:
        errors["strategic_weight"] = "Give a new strategic weight or annual target (or both)."
    if errors:
        raise FormInvalid(errors)
    try:
        await change_line(line, LineChange(changes=changes, reason=reason), form.actor, form.d)
    except Refused as err:
        if err.code == Code.INVALID:
            bad = [k for k in FIELDS if k in err.message] or ["strategic_weight"]
            raise FormInvalid({k: err.message for k in bad}, "The change was refused.") from None
        raise refused_page(err) from None
    return RedirectResponse(f"/app/business-lines?changed={line}", status_code=303)

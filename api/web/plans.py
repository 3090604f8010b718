"""`/app/plans/{year}` (every role; a business line sees its own intents): the planning season
in the browser (shared/API.md "The planning season", "The web app"). With no season open the
page says so and ops get `Open season`; else the plan (the plan page's months x intents, from
its view model) and, per role: the intents by form and by file for a line (ops upload files
too), the S for the leader, settings, pins, `Solve` and `Close intake` for ops, scenarios
side by side for ops and the leader, `Publish` for the leader with its progress (a fragment
that htmx polls; a `Refresh` link without JavaScript).

Every action calls the plan route's own function (api/routes/plans.py: `open_plan`,
`submit_intents`, `fix_s`, `set_settings`, `pin`, `unpin`, `solve`, `run_scenario`,
`publish`, `close_intake`) with the signed-in person as actor: the same checks, the same
updates and events. A 422 of the use case is drawn beside the field it names; a 403 or 409
becomes the app's error page. Files are read by the command line's reader
(cli/plan.py `parse_intents`: a JSON list or CSV, as `starter.py plan import` reads them).
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.auth import ROLES
from api.errors import STATUS, status_of
from api.models import FixSBody, IntentResult, IntentsBody, OpenPlanBody, PinBody, ScenarioBody
from api.routes import plans as uc
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.plan_view import OPTIONAL_SETTINGS, plan_context, season
from api.web.render import NAV, NavItem, WebError, render
from api.web.render import _this_year as this_year
from api.web.session import WebActor
from cli.errors import CliError
from cli.parsing import RowError, row_to_body
from cli.plan import parse_intents
from domain.approvals.roles import Role
from domain.months import months_of_year
from services.errors import Code, Refused
from services.limits import INTENTS_PER_CALL

router = APIRouter(include_in_schema=False)
NAV.append(NavItem("Season", lambda: f"/app/plans/{this_year()}", ROLES))
TEMPLATE = "app/plan.html"
MAX_FILE_BYTES = 5 * 1024 * 1024
_FORM_FIELDS = ("name", "category", "requested_tier", "revenue_target", "gross_margin", "traffic", "avg_order_value",
                "conversion_rate", "months")


def _year(request: Request) -> int:
    raw = str(request.path_params.get("year", ""))
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise WebError(404, "Not found", f"{raw!r} is not a year")
    return int(raw)


def _page(year: int) -> str:
    return f"/app/plans/{year}"


async def _context(form: FormContext) -> dict[str, Any]:
    return await plan_context(form.request, form.actor, _year(form.request))


def _field_of(path: str) -> str:
    """A use case's error location (`forecast.traffic`, `months.0`, `month_caps.2031-05.A`) as a form field."""
    parts = [p for p in path.split(".") if p]
    if not parts:
        return "form"
    if parts[0] == "forecast" and len(parts) > 1:
        return parts[1]
    if parts[0] == "month_caps" and len(parts) > 2:
        return f"cap-{parts[2]}-{parts[1]}"
    if parts[0] == "month_caps" and len(parts) == 2:
        return f"cap-A-{parts[1]}"
    if parts[0] == "targets" and len(parts) > 1:
        return f"target_{parts[1].lower()}"
    return parts[0]


def _unprocessable(err: Refused, default: str) -> FormInvalid:
    """A use case's 422 as the form's errors: beside the field its details name."""
    details = err.details if isinstance(err.details, dict) else {}
    field = details.get("field") or default
    return FormInvalid({_field_of(str(field)): err.message}, err.message)


@router.get("/app/plans/{year}", response_class=HTMLResponse)
async def plan_page(request: Request, actor: WebActor) -> HTMLResponse:
    year = _year(request)
    return render(request, TEMPLATE, **await plan_context(request, actor, year),
                  intent_request_id=f"web-{uuid.uuid4().hex[:12]}")


@router.get("/app/plans/{year}/progress", response_class=HTMLResponse)
async def progress(request: Request, actor: WebActor) -> HTMLResponse:
    """The publish progress alone (htmx polls it while the plan publishes)."""
    year = _year(request)
    v = await season(request, actor, year)
    if v is None:
        raise WebError(404, "Not found", f"No planning season is open for {year}.")
    return render(request, "app/plan_progress.html", year=year, v=v)


# ---------------------------------------------------------------------- the season
@form_post(router, "/app/plans/{year}/open", roles=(Role.OPS,), template=TEMPLATE, context=_context)
async def open_season(form: FormContext) -> Response:
    year = _year(form.request)
    raw = form.value("intake_closes")
    try:
        closes = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise FormInvalid({"intake_closes": f"{raw!r} is not a date (YYYY-MM-DD)"}) from None
    try:
        await uc.open_plan(year, form.actor, form.d, Response(), OpenPlanBody(intake_closes=closes))
    except Refused as err:
        if status_of(err) == STATUS[Code.INVALID]:
            raise _unprocessable(err, "intake_closes") from None
        raise
    return RedirectResponse(_page(year), status_code=303)


@form_post(router, "/app/plans/{year}/close-intake", roles=(Role.OPS,))
async def close_intake(form: FormContext) -> Response:
    year = _year(form.request)
    await uc.close_intake(year, form.actor, form.d)
    return RedirectResponse(_page(year), status_code=303)


# ---------------------------------------------------------------------- intents
def _row_errors(err: RowError) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in str(err).split("; "):
        if part.startswith("missing "):
            for name in part.removeprefix("missing ").split(", "):
                out[name] = "This is needed."
        elif ": " in part:
            key, msg = part.split(": ", 1)
            out[key] = msg
        else:
            out["form"] = part
    return out


async def _results_page(form: FormContext, year: int, results: list[IntentResult]) -> HTMLResponse:
    return render(form.request, TEMPLATE, **await plan_context(form.request, form.actor, year), results=results,
                  intent_request_id=f"web-{uuid.uuid4().hex[:12]}")


@form_post(router, "/app/plans/{year}/intent", roles=(Role.BUSINESS_LINE,), template=TEMPLATE, context=_context)
async def submit_intent(form: FormContext) -> Response:
    """One intent by the form (the line's own; a hidden request id made when the form was drawn)."""
    year = _year(form.request)
    months = [m for m in (form.value(f"months_{i}") for i in (1, 2, 3)) if m]
    flat = {k: form.value(k) for k in _FORM_FIELDS if k != "months"}
    flat.update(request_id=form.value("request_id"), business_line=form.actor.business_line or "",
                month=months[0] if months else "")
    errors: dict[str, str] = {}
    if not months:
        errors["months"] = "Give at least the first-choice month."
    try:
        body = row_to_body(flat)
    except RowError as err:
        errors.update({("months" if k == "month" else k): v for k, v in _row_errors(err).items()})
    if errors:
        raise FormInvalid(errors)
    body["months"] = months
    answer = await uc.submit_intents(year, IntentsBody(intents=[body]), form.actor, form.d)
    result = answer.results[0]
    if result.status == "invalid":
        error = result.error or {}
        details = error.get("details")
        if isinstance(details, list) and details:
            raise FormInvalid({_field_of(str(p.get("field", ""))): p.get("message", "") for p in details})
        raise FormInvalid({"form": str(error.get("message", "refused"))}, str(error.get("message", "refused")))
    return await _results_page(form, year, answer.results)


@form_post(router, "/app/plans/{year}/intents-file", roles=(Role.BUSINESS_LINE, Role.OPS), template=TEMPLATE,
           context=_context)
async def upload_intents(form: FormContext) -> Response:
    """A file of intents (JSON list or CSV, as `starter.py plan import` reads it); one result per row."""
    year = _year(form.request)
    upload = form.form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormInvalid({"file": "Choose a .json or .csv file."})
    suffix = "." + upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    raw = await upload.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise FormInvalid({"file": f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."})
    try:
        rows = parse_intents(raw.decode("utf-8-sig"), suffix)
    except UnicodeDecodeError:
        raise FormInvalid({"file": "The file is not UTF-8 text."}) from None
    except json.JSONDecodeError as err:
        raise FormInvalid({"file": f"{upload.filename}: not valid JSON ({err})"}) from None
    except CliError as err:
        raise FormInvalid({"file": f"{upload.filename}: {err}"}) from None
    if not rows:
        raise FormInvalid({"file": f"{upload.filename} holds no intents."})
    if len(rows) > INTENTS_PER_CALL:
        raise FormInvalid({"file": f"At most {INTENTS_PER_CALL} intents a file (this one holds {len(rows)})."})
    bodies = [r.body for r in rows if r.body is not None]
    answered = iter((await uc.submit_intents(year, IntentsBody(intents=bodies), form.actor, form.d)).results
                    if bodies else [])
    results = [next(answered) if r.body is not None else IntentResult(
        request_id=r.request_id, intent_id=None, status="invalid",
        error={"code": "invalid_request", "message": f"row {r.number}: {r.error}", "details": None}) for r in rows]
    return await _results_page(form, year, results)


# ---------------------------------------------------------------------- S, settings, pins
@form_post(router, "/app/plans/{year}/s", roles=(Role.LEADER,), template=TEMPLATE, context=_context)
async def fix_s(form: FormContext) -> Response:
    year = _year(form.request)
    chosen = form.values("s")
    try:
        body = FixSBody(campaigns=[{"intent_id": i, "month": form.value(f"month-{i}")} for i in chosen])
    except ValidationError as err:
        raise FormInvalid({"s": "; ".join(e["msg"] for e in err.errors(include_url=False))}) from None
    try:
        await uc.fix_s(year, body, form.actor, form.d)
    except Refused as err:
        if status_of(err) == STATUS[Code.INVALID]:
            raise _unprocessable(err, "s") from None
        raise
    return RedirectResponse(_page(year) + "#s", status_code=303)


def _int(form: FormContext, name: str, errors: dict[str, str]) -> int | None:
    raw = form.value(name)
    if not raw:
        return None
    if not raw.isdigit():
        errors[name] = f"{raw!r} is not a whole number of 0 or more."
        return None
    return int(raw)


def settings_body(form: FormContext, year: int) -> dict[str, Any]:
    """The settings form as `PUT /plans/{year}/settings`'s body (blank fields: the policy's numbers)."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    for key in ("budget", "reserve"):
        if (n := _int(form, key, errors)) is not None:
            body[key] = n
    caps: dict[str, dict[str, int]] = {}
    for m in months_of_year(year):
        for tier in ("A", "B"):
            if (n := _int(form, f"cap-{tier}-{m}", errors)) is not None:
                caps.setdefault(m, {})[tier] = n
    if caps:
        body["month_caps"] = caps
    targets = {t: n for t in ("A", "B") if (n := _int(form, f"target_{t.lower()}", errors)) is not None}
    if targets:
        body["targets"] = targets
    body["merge"] = form.value("merge") == "on"
    for key in OPTIONAL_SETTINGS:
        raw = form.value(key)
        if raw:
            body[key] = raw if key == "objective" else _int(form, key, errors)
    if errors:
        raise FormInvalid(errors)
    return body


@form_post(router, "/app/plans/{year}/settings", roles=(Role.OPS,), template=TEMPLATE, context=_context)
async def set_settings(form: FormContext) -> Response:
    year = _year(form.request)
    try:
        await uc.set_settings(year, settings_body(form, year), form.actor, form.d)
    except Refused as err:
        if status_of(err) == STATUS[Code.INVALID]:
            raise _unprocessable(err, "settings") from None
        raise
    return RedirectResponse(_page(year) + "#settings", status_code=303)


@form_post(router, "/app/plans/{year}/pin", roles=(Role.OPS,), template=TEMPLATE, context=_context)
async def pin(form: FormContext) -> Response:
    year = _year(form.request)
    try:
        body = PinBody(intent_id=form.value("intent_id"), month=form.value("month") or None,
                       tier=form.value("tier") or None, cut=form.value("cut") == "on")
    except ValidationError as err:
        raise FormInvalid({_field_of(str(e["loc"][-1])): e["msg"] for e in err.errors(include_url=False)}) from None
    try:
        await uc.pin(year, body, form.actor, form.d)
    except Refused as err:
        if status_of(err) == STATUS[Code.INVALID]:
            raise _unprocessable(err, "pin") from None
        raise
    return RedirectResponse(_page(year) + "#pins", status_code=303)


@form_post(router, "/app/plans/{year}/unpin", roles=(Role.OPS,))
async def unpin(form: FormContext) -> Response:
    year = _year(form.request)
    try:
        body = PinBody(intent_id=form.value("intent_id"))
    except ValidationError as err:
        raise WebError(422, "Not valid", "Which intent to unpin?") from err
    await uc.unpin(year, body, form.actor, form.d)
    return RedirectResponse(_page(year) + "#pins", status_code=303)


# ---------------------------------------------------------------------- solve, scenarios, publish
@form_post(router, "/app/plans/{year}/solve", roles=(Role.OPS,))
async def solve(form: FormContext) -> Response:
    year = _year(form.request)
    await uc.solve(year, form.actor, form.d)
    return RedirectResponse(_page(year), status_code=303)


@form_post(router, "/app/plans/{year}/scenario", roles=(Role.OPS, Role.LEADER), template=TEMPLATE, context=_context)
async def scenario(form: FormContext) -> Response:
    year = _year(form.request)
    errors: dict[str, str] = {}
    settings = {k: n for k in ("budget", "reserve") if (n := _int(form, f"sc_{k}", errors)) is not None}
    if errors:
        raise FormInvalid(errors)
    try:
        body = ScenarioBody(name=form.value("name"), settings=settings or None)
    except ValidationError as err:
        raise FormInvalid({"name": "A name of letters, digits, spaces and . : - (at most 100)."}) from err
    try:
        await uc.run_scenario(year, body, form.actor, form.d)
    except Refused as err:
        if status_of(err) == STATUS[Code.INVALID]:
            bad = _unprocessable(err, "name")
            raise FormInvalid({(f"sc_{k}" if k in ("budget", "reserve") else k): m for k, m in bad.errors.items()},
                              bad.message) from None
        raise
    return RedirectResponse(_page(year) + "#scenarios", status_code=303)


@form_post(router, "/app/plans/{year}/publish", roles=(Role.LEADER,))
async def publish(form: FormContext) -> Response:
    year = _year(form.request)
    await uc.publish(year, form.actor, form.d)
    return RedirectResponse(_page(year) + "#publish", status_code=303)

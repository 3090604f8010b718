"""Results in the browser: a campaign's daily actuals uploaded as a CSV from its page (the
owner and ops), and `/app/history` (ops) to import campaigns that already ran from a JSON file.

The CSV is read by the CLI's own reader (`cli.results.csv_actuals`: the columns of
`starter.py actuals import`, the header row 1) and sent through `POST
/campaigns/{id}/actuals`' use case (services/results.py `record_actuals`: the owner check, the live workflow or
the store, the same events), the signed-in person as actor. Every refused row is listed
with its file row and why (rows of another campaign, fields that are no numbers, the
domain's checks); a refused upload records nothing. The history file is what `starter.py
history import` sends, passed to `POST /history`'s function (`import_history`); one line per
campaign: created, already there, or why not.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.results_models import ActualsBody
from api.routes.results import import_history
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.render import NAV, NavItem, render
from api.web.session import WebActor
from cli.errors import CliError
from cli.results import csv_actuals
from services import results
from services.errors import Code, Refused

router = APIRouter(include_in_schema=False)
UPLOADERS = ("business_line", "ops")
OPS = ("ops",)
MAX_BYTES = 5_000_000
NAV.append(NavItem("History", "/app/history", OPS))


async def _file_text(form: FormContext, field: str) -> str:
    upload = form.form.get(field)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormInvalid({field: "Choose a file."})
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FormInvalid({field: f"The file is over {MAX_BYTES // 1_000_000} MB."})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormInvalid({field: "The file is not UTF-8 text."}) from None


def _rows_of(campaign_id: str, text: str) -> tuple[list[int], list[dict[str, Any]], list[str]]:
    """The file's rows of this campaign (file row numbers, rows) and the problems of the others."""
    try:
        read = csv_actuals("the file", text)
    except CliError as err:
        raise FormInvalid({"file": err.message}) from None
    numbers, rows, problems = [], [], []
    for n, row in read:
        cid = row.pop("campaign_id")
        if cid != campaign_id:
            problems.append(f"row {n}: campaign_id {cid!r} is not this campaign ({campaign_id})")
        else:
            numbers.append(n)
            rows.append(row)
    if not read:
        raise FormInvalid({"file": "The file has no rows under its header."})
    return numbers, rows, problems


@form_post(router, "/app/campaigns/{campaign_id}/actuals", roles=UPLOADERS)
async def upload_actuals(form: FormContext) -> Response:
    campaign_id = str(form.request.path_params["campaign_id"])
    try:
        numbers, rows, problems = _rows_of(campaign_id, await _file_text(form, "file"))
    except FormInvalid as err:
        return _actuals_page(form, campaign_id, problems=list(err.errors.values()), status=422)
    body: ActualsBody | None = None
    if rows:  # every row's problems at once, this campaign's and the others'
        try:
            body = ActualsBody.model_validate({"rows": rows})
        except ValidationError as err:
            for e in err.errors(include_url=False):
                loc = e["loc"]
                where = f"row {numbers[int(loc[1])]}" if len(loc) > 1 and isinstance(loc[1], int) else "the file"
                field = ".".join(str(p) for p in loc[2:])
                problems.append(f"{where}: {field + ': ' if field else ''}{e['msg']}")
    if body is None or problems:
        return _actuals_page(form, campaign_id, problems=problems, status=422)
    try:
        result = await results.record_actuals(form.d, form.actor, campaign_id, body.rows)
    except Refused as err:
        if err.code != "invalid_actuals":
            raise
        named = [x for x in err.details or [] if isinstance(x, dict) and isinstance(x.get("row"), int)]
        problems = [f"row {numbers[x['row']]}: {x.get('message')}" for x in named if x["row"] < len(numbers)]
        return _actuals_page(form, campaign_id, problems=problems or [err.message], status=422)
    return _actuals_page(form, campaign_id, result=result.model_dump())


def _actuals_page(form: FormContext, campaign_id: str, *, problems: list[str] | None = None,
                  result: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    return render(form.request, "app/actuals.html", status=status, title="Actuals", campaign_id=campaign_id,
                  problems=problems or [], result=result)


@router.get("/app/history", response_class=HTMLResponse)
async def history_page(request: Request, actor: WebActor) -> HTMLResponse:
    if actor.role not in OPS:
        raise Refused(Code.FORBIDDEN, f"{actor.name} ({actor.role}) may not import history: it is for ops")
    return render(request, "app/history.html", title="Import history", results=None)


async def _history_context(form: FormContext) -> dict[str, Any]:
    return {"title": "Import history", "results": None}


@form_post(router, "/app/history", roles=OPS, template="app/history.html", context=_history_context)
async def import_file(form: FormContext) -> Response:
    text = await _file_text(form, "file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise FormInvalid({"file": f"Not JSON: {err.msg} (line {err.lineno}, column {err.colno})."}) from None
    items = data.get("campaigns") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise FormInvalid({"file": 'Expected {"campaigns": [...]} or a list of campaigns.'})
    answer = await import_history({"campaigns": items}, form.actor, form.d)
    results = [r.model_dump() for r in answer.results]
    counts = {k: sum(r["status"] == k for r in results) for k in ("created", "exists", "invalid")}
    return render(form.request, "app/history.html", title="Import history", results=results, counts=counts)

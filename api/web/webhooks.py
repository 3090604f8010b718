"""`/app/webhooks` (ops): the subscriptions (never their secrets) with their pending and dead
deliveries, a form to subscribe a URL (event types ticked, a secret), `Delete` on each, and
`/app/webhooks/{id}` with that subscription's deliveries (paged) and `Redrive` for the dead.

Each is the JSON route's own function (api/routes/webhooks.py over services/webhooks.py:
`subscribe`, `listed`, `unsubscribe`, `deliveries`, `redrive`), the signed-in person as
actor: the same allow-list, the same sealing of the secret (503 page without the key), the
same `WebhookSubscribed`/`WebhookUnsubscribed` events. A refused subscription is drawn
beside its field with what was typed kept; nothing is recorded.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.paging import Page
from api.routes.webhooks import WebhookBody, deliveries, listed, redrive, subscribe, unsubscribe
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.lines import refused_page
from api.web.render import NAV, NavItem, render
from api.web.session import WebActor
from services.errors import Code, Refused
from services.webhooks import EVENT_TYPES
from workflows.messages import Actor

router = APIRouter(include_in_schema=False)
OPS = ("ops",)
NAV.append(NavItem("Webhooks", "/app/webhooks", OPS))


def _ops(actor: Actor) -> None:
    if actor.role not in OPS:
        raise Refused(Code.FORBIDDEN, f"{actor.name} ({actor.role}) may not see webhooks: they are for ops")


async def webhooks_context(request: Request, actor: Actor) -> dict[str, Any]:
    subs = await listed(actor, request.app.state.deps)
    return {"title": "Webhooks", "subscriptions": subs.items, "event_types": EVENT_TYPES}


@router.get("/app/webhooks", response_class=HTMLResponse)
async def webhooks_page(request: Request, actor: WebActor) -> HTMLResponse:
    _ops(actor)
    return render(request, "app/webhooks.html", **await webhooks_context(request, actor),
                  done=request.query_params.get("done"))


@router.get("/app/webhooks/{webhook_id}", response_class=HTMLResponse)
async def deliveries_page(webhook_id: str, request: Request, actor: WebActor, page: Page) -> HTMLResponse:
    _ops(actor)
    d = request.app.state.deps
    found = await deliveries(webhook_id, actor, d, page)
    sub = next(s for s in (await listed(actor, d)).items if s.id == webhook_id)
    return render(request, "app/webhook.html", title=f"Webhook {webhook_id}", sub=sub, found=found,
                  redriven=request.query_params.get("redriven"))


async def _context(form: FormContext) -> dict[str, Any]:
    return await webhooks_context(form.request, form.actor)


@form_post(router, "/app/webhooks", roles=OPS, template="app/webhooks.html", context=_context)
async def subscribe_one(form: FormContext) -> Response:
    try:
        body = WebhookBody(url=form.value("url"), events=form.values("events"), secret=form.value("secret"))
    except ValidationError as err:
        raise FormInvalid({str(e["loc"][0]): e["msg"] for e in err.errors(include_url=False)}) from None
    try:
        done = await subscribe(body, form.actor, form.d)
    except Refused as err:
        if err.code == Code.NOT_CONFIGURED:
            raise refused_page(err) from None
        raise FormInvalid({"events" if "event types" in err.message else "url": err.message},
                          "The subscription was refused.") from None
    return RedirectResponse(f"/app/webhooks?done=subscribed-{done.id}", status_code=303)


@form_post(router, "/app/webhooks/{webhook_id}/delete", roles=OPS)
async def delete_one(form: FormContext) -> Response:
    webhook_id = str(form.request.path_params["webhook_id"])
    try:
        await unsubscribe(webhook_id, form.actor, form.d)
    except Refused as err:
        raise refused_page(err) from None
    return RedirectResponse(f"/app/webhooks?done=deleted-{webhook_id}", status_code=303)


@form_post(router, "/app/webhooks/{webhook_id}/redrive", roles=OPS)
async def redrive_one(form: FormContext) -> Response:
    webhook_id = str(form.request.path_params["webhook_id"])
    answer = await redrive(webhook_id, form.actor, form.d)
    return RedirectResponse(f"/app/webhooks/{webhook_id}?redriven={answer['redriven']}", status_code=303)

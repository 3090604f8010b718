"""Webhooks (ops): subscribe a URL (one httpx can send to, its host and port in
PROMOFLOW_WEBHOOK_ALLOW: infra/webhook_allow.py) to event types with a secret, kept sealed
under PROMOFLOW_SECRET_KEY (infra/secret_box.py; without the key: 503 `not_configured`);
each matching event is delivered through the outbox (store/outbox.py, activities/webhooks.py).
Subscriptions are listed (never their secrets) and deleted (no more deliveries; the history
stays in the database); deliveries are listed per subscription and dead ones re-driven."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, get_args

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.auth import require_role
from api.deps import AppDeps, CurrentActor
from api.errors import ApiError
from api.paging import Page, Paged
from domain.events import EventBody
from infra.secret_box import SECRET_KEY_VAR
from infra.webhook_allow import UrlRefused
from store import outbox

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
EVENT_TYPES = sorted(t.model_fields["type"].default for t in get_args(get_args(EventBody)[0]))


class WebhookBody(BaseModel):
    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=50)
    secret: str = Field(min_length=8, max_length=500)


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: datetime


class WebhookListed(WebhookOut):
    created_by: str
    pending: int
    dead: int


class WebhookList(BaseModel):
    items: list[WebhookListed]
    total: int


class DeliveryList(Paged):
    items: list[dict[str, Any]]


@router.post("", status_code=201, response_model=WebhookOut)
async def subscribe(body: WebhookBody, actor: CurrentActor, d: AppDeps) -> WebhookOut:
    require_role(actor, "ops")
    box = d.settings.secret_box
    if box is None:
        raise ApiError(503, "not_configured", f"webhooks need {SECRET_KEY_VAR} (the key sealing their secrets); "
                                              "it is not set", {"variable": SECRET_KEY_VAR})
    try:
        d.settings.webhook_allow_list.check_url(body.url)
    except UrlRefused as err:
        raise ApiError(422, err.code, str(err)) from err
    unknown = sorted(set(body.events) - set(EVENT_TYPES))
    if unknown:
        raise ApiError(422, "invalid_request", f"unknown event types {unknown}", EVENT_TYPES)
    wid, now = uuid.uuid4().hex[:12], datetime.now(UTC)
    await outbox.subscribe(d.pool, subscription_id=wid, url=body.url, events=body.events,
                           secret_enc=box.seal(body.secret), created_by=actor.name, now=now)
    return WebhookOut(id=wid, url=body.url, events=body.events, created_at=now)


@router.get("", response_model=WebhookList)
async def listed(actor: CurrentActor, d: AppDeps) -> WebhookList:
    require_role(actor, "ops")
    items = [WebhookListed(**row) for row in await outbox.subscriptions(d.pool)]
    return WebhookList(items=items, total=len(items))


@router.delete("/{webhook_id}", status_code=204, response_class=Response,
               responses={204: {"description": "unsubscribed: nothing more is delivered to it"}})
async def unsubscribe(webhook_id: str, actor: CurrentActor, d: AppDeps) -> Response:
    require_role(actor, "ops")
    if not await outbox.unsubscribe(d.pool, webhook_id):
        raise ApiError(404, "not_found", f"no webhook {webhook_id}")
    return Response(status_code=204)


async def _exists(d: AppDeps, webhook_id: str) -> None:
    if not await outbox.subscriptions(d.pool, webhook_id):
        raise ApiError(404, "not_found", f"no webhook {webhook_id}")


@router.get("/{webhook_id}/deliveries", response_model=DeliveryList)
async def deliveries(webhook_id: str, actor: CurrentActor, d: AppDeps, page: Page) -> DeliveryList:
    require_role(actor, "ops")
    await _exists(d, webhook_id)
    items, total = await outbox.deliveries(d.pool, webhook_id, limit=page.limit, offset=page.offset)
    return DeliveryList(items=items, **page.of(total))


@router.post("/{webhook_id}/redrive", response_model=dict[str, int])
async def redrive(webhook_id: str, actor: CurrentActor, d: AppDeps) -> dict[str, int]:
    require_role(actor, "ops")
    await _exists(d, webhook_id)
    return {"redriven": await outbox.redrive(d.pool, webhook_id, datetime.now(UTC))}

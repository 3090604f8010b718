"""Webhooks (ops): subscribe a URL (one httpx can send to, its host and port in
PROMOFLOW_WEBHOOK_ALLOW: infra/webhook_allow.py) to event types with a secret, kept sealed
under PROMOFLOW_SECRET_KEY (infra/secret_box.py; without the key: 503 `not_configured`);
each matching event is delivered through the outbox (store/outbox.py, activities/webhooks.py).
Subscriptions are listed (never their secrets) and deleted (no more deliveries; the history
stays in the database); deliveries are listed per subscription and dead ones re-driven.
Subscribing and deleting are use cases (services/webhooks.py): each an event of stream
`webhook-<id>`, the table their projection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.auth import require_role
from api.deps import AppDeps, CurrentActor
from api.paging import Page, Paged
from domain.approvals.roles import Role
from services import webhooks
from services.errors import Code, Refused
from store import outbox

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


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
    require_role(actor, Role.OPS)
    done = await webhooks.subscribe(d.pool, box=d.settings.secret_box, allow=d.settings.webhook_allow_list,
                                    url=body.url, events=body.events, secret=body.secret, actor=actor.name,
                                    actor_id=actor.actor_id or None)
    return WebhookOut(**done.model_dump())


@router.get("", response_model=WebhookList)
async def listed(actor: CurrentActor, d: AppDeps) -> WebhookList:
    require_role(actor, Role.OPS)
    items = [WebhookListed(**row) for row in await outbox.subscriptions(d.pool)]
    return WebhookList(items=items, total=len(items))


@router.delete("/{webhook_id}", status_code=204, response_class=Response,
               responses={204: {"description": "unsubscribed: nothing more is delivered to it"}})
async def unsubscribe(webhook_id: str, actor: CurrentActor, d: AppDeps) -> Response:
    require_role(actor, Role.OPS)
    await webhooks.unsubscribe(d.pool, webhook_id, actor=actor.name, actor_id=actor.actor_id or None)
    return Response(status_code=204)


async def _exists(d: AppDeps, webhook_id: str) -> None:
    if not await outbox.subscriptions(d.pool, webhook_id):
        raise Refused(Code.NOT_FOUND, f"no webhook {webhook_id}")


@router.get("/{webhook_id}/deliveries", response_model=DeliveryList)
async def deliveries(webhook_id: str, actor: CurrentActor, d: AppDeps, page: Page) -> DeliveryList:
    require_role(actor, Role.OPS)
    await _exists(d, webhook_id)
    items, total = await outbox.deliveries(d.pool, webhook_id, limit=page.limit, offset=page.offset)
    return DeliveryList(items=items, **page.of(total))


@router.post("/{webhook_id}/redrive", response_model=dict[str, int])
async def redrive(webhook_id: str, actor: CurrentActor, d: AppDeps) -> dict[str, int]:
    require_role(actor, Role.OPS)
    return {"redriven": await webhooks.redrive(d.pool, webhook_id)}

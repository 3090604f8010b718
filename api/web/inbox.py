"""`/app/inbox` (approver, leader): `GET /inbox`'s items (api/routes/inbox.py's own function)
as a table, each row with the decisions the person may take on it (the policy's approver
roles of the row's tier: an approver sees no `Approve` on an S), and several rows decided
at once. Every decision is `POST /decisions`'s function (api/routes/bulk.py `decide_many`,
which calls `run_decision` per item): the same checks and events, the signed-in person as
actor, one result per item; the page shows them above the table, and the rows still
waiting say why they were refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.auth import DECIDERS, require_role
from api.paging import DEFAULT_LIMIT, MAX_LIMIT, PageQuery
from api.routes.bulk import DecisionItem, DecisionsBody, decide_many
from api.routes.inbox import InboxItem, my_inbox
from api.web.forms import FormContext, FormInvalid, form_post
from api.web.render import render
from api.web.session import WebActor
from domain.policy import Policy
from domain.tiers import Tier
from services.limits import DECISIONS_PER_CALL
from store import reference
from workflows.messages import Actor

router = APIRouter(include_in_schema=False)
TIERS = [Tier.S, Tier.A, Tier.B, Tier.C]


def actions(policy: Policy, actor: Actor, item: InboxItem) -> dict[str, Any]:
    """What the person may do on this row (the workflow's validators judge again)."""
    role = actor.role
    tier = item.decision_tier
    decide = item.on_behalf_of is not None or role in policy.rule(tier).approver_roles
    lower = [t.value for t in TIERS if t.is_below(tier)]
    down = bool(lower) and (item.on_behalf_of is not None
                            or role in policy.rule(Tier.A if tier == Tier.S else tier).approver_roles)
    return {"approve": decide, "reject": decide, "downgrade": down, "lower": lower}


async def inbox_context(request: Request, actor: Actor, limit: int = DEFAULT_LIMIT, offset: int = 0
                        ) -> dict[str, Any]:
    """The inbox page's data: `GET /inbox`'s page of items, each with what the person may do."""
    d = request.app.state.deps
    box = await my_inbox(actor, d, PageQuery(limit=limit, offset=offset))
    policies = {y: await reference.policy_for(d.pool, y) for y in sorted({int(i.month[:4]) for i in box.items})}
    rows = [{"item": i, "may": actions(policies[int(i.month[:4])], actor, i)} for i in box.items]
    lower = sorted({t for r in rows for t in r["may"]["lower"]}, key="SABC".index)  # type: ignore[index]
    return {"title": "Inbox", "rows": rows, "total": box.total, "limit": limit, "offset": offset,
            "any_lower": lower}


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/app/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request, actor: WebActor, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
                     ) -> HTMLResponse:
    require_role(actor, *DECIDERS)
    return render(request, "app/inbox.html", **await inbox_context(request, actor, limit, offset))


async def _form_context(form: FormContext) -> dict[str, Any]:
    return await inbox_context(form.request, form.actor)


@form_post(router, "/app/inbox/decide", roles=DECIDERS, template="app/inbox.html", context=_form_context)
async def decide(form: FormContext) -> HTMLResponse:
    ids = form.values("campaign_id")
    action = form.value("action")
    if not ids:
        raise FormInvalid({"campaign_id": "Tick at least one campaign."})
    if len(ids) > DECISIONS_PER_CALL:
        raise FormInvalid({"campaign_id": f"At most {DECISIONS_PER_CALL} campaigns at once."})
    errors: dict[str, str] = {}
    if action not in ("approve", "downgrade", "reject"):
        errors["action"] = "Choose approve, downgrade or reject."
    if action in ("downgrade", "reject") and not form.value("reason"):
        errors["reason"] = f"A {'downgrade' if action == 'downgrade' else 'rejection'} needs a reason."
    if action == "downgrade" and form.value("to_tier") not in ("A", "B", "C"):
        errors["to_tier"] = "Choose the tier to downgrade to."
    if errors:
        raise FormInvalid(errors)
    try:
        body = DecisionsBody(decisions=[DecisionItem(
            campaign_id=cid, action=action, comment=form.value("comment") or None,
            to_tier=form.value("to_tier") or None if action == "downgrade" else None,
            reason=form.value("reason") or None) for cid in ids])
    except ValidationError as err:
        raise FormInvalid({str(e["loc"][-1]): e["msg"] for e in err.errors()}) from err
    before = await inbox_context(form.request, form.actor, MAX_LIMIT, 0)
    names = {r["item"].campaign_id: r["item"].name for r in before["rows"]}
    answer = await decide_many(body, form.actor, form.d)
    refused = {r.campaign_id: r.error["message"] for r in answer.results if r.error}
    return render(form.request, "app/inbox.html", **await inbox_context(form.request, form.actor),
                  results=answer.results, refused=refused, names=names)

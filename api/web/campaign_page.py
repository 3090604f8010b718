"""`/app/campaigns/{id}` (as `GET /campaigns/{id}`: the owner, approvers, leaders, ops): one
campaign on one page, and what the signed-in person may do with it.

It reads what the JSON API answers, through the same functions: the state (`GET
/campaigns/{id}`'s `get_campaign`, which also refuses another line's campaign: a 403 page
naming why), the events (`GET /campaigns/{id}/events`' read), and the outcome (`GET
/campaigns/{id}/outcome`'s use case, services/results.py `outcome`) once there is one. The score's six factors are the
latest `ReviewScored` event's; the request the amend form starts from is the latest
`CampaignSubmitted` / `CampaignAmended` request. The number of SQL statements does not grow
with the events shown (tests/api/web/test_web_statements.py).

`offers` decides which actions the page draws (never one the person may not take: a
decider's tier and line, the owner's own campaign, the status); the forms post to
api/web/campaign_actions.py, where the JSON routes' functions judge them again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import Deps
from api.errors import status_of
from api.routes.campaigns import get_campaign
from api.web.campaign_form import MECHANIC_ROWS, MECHANIC_TYPES
from api.web.formats import install_filters
from api.web.render import render
from api.web.session import WebActor
from domain import review as review_rules
from domain.approvals.roles import DECIDERS, Role, owner_or_ops, owns
from domain.money_review import MARGIN_BELOW_FLOOR
from domain.policy import Policy
from domain.status import Status
from domain.tiers import Tier
from services import results
from services.errors import Refused
from store import reads, reference
from workflows.messages import Actor, CampaignState

router = APIRouter(include_in_schema=False)
install_filters()
TEMPLATE = "app/campaign.html"
TIERS = [Tier.S, Tier.A, Tier.B, Tier.C]
FACTORS = ("strategic_weight", "annual_progress_gap", "month_revenue_gap", "revenue_target", "gross_margin",
           "seasonality")
AMENDABLE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_MONTH_CHOICE, Status.SCHEDULED)
EVENTS_SHOWN = 1000
DONE = {"approve": "Approved", "downgrade": "Downgraded", "reject": "Rejected", "choose": "Month chosen",
        "cancel": "Cancelled", "milestone": "Milestone marked done", "amend": "Amended", "created": "Submitted"}


def _latest(events: list[dict[str, Any]], *types: str) -> dict[str, Any] | None:
    return next((e for e in reversed(events) if e["type"] in types), None)


def decision_tier(state: CampaignState) -> Tier | None:
    """The tier an approval gives (domain/review.py: an S request is leadership's)."""
    return review_rules.decision_tier(state.requested_tier, state.proposed_tier)


def offers(actor: Actor, state: CampaignState, policy: Policy, review: dict[str, Any] | None) -> dict[str, Any]:
    """The actions the page draws for this person (the use cases judge them again)."""
    role = actor.role
    owner = owns(actor, state.business_line)
    live = not state.status.is_final
    margin_flag = any(f.startswith(MARGIN_BELOW_FLOOR) for f in state.flags)
    tier = decision_tier(state)
    deciding = (role in DECIDERS and state.status == Status.IN_REVIEW and tier is not None
                and actor.business_line != state.business_line)
    decide = deciding and tier is not None and role in policy.rule(tier).approver_roles
    approve = decide and (not margin_flag or role == Role.LEADER)
    lower: list[str] = []
    if deciding and tier is not None and role in policy.rule(Tier.A if tier == Tier.S else tier).approver_roles:
        lower = [t.value for t in TIERS if t.is_below(tier) and (not margin_flag or role == Role.LEADER or t == Tier.C)]
    return {
        "approve": approve, "reject": decide, "downgrade": bool(lower), "lower": lower,
        "margin_override": margin_flag and role == Role.LEADER,
        "choose": owner and state.status == Status.AWAITING_MONTH_CHOICE and bool(state.alternatives),
        "amend": owner and state.status in AMENDABLE_STATUSES,
        "cancel": live and owner_or_ops(actor, state.business_line),
        "mark_done": owner_or_ops(actor, state.business_line),
        "actuals": owner_or_ops(actor, state.business_line),
    }


def timeline(state: CampaignState) -> dict[str, Any] | None:
    """The phases as bars across the campaign's span (percent offsets and widths)."""
    if not state.phases:
        return None
    start, end = min(p.start for p in state.phases), max(p.end for p in state.phases)
    span = max(1, (end - start).days)
    bars = [{"phase": p.phase.value, "start": p.start, "end": p.end, "days": (p.end - p.start).days,
             "left": round(100 * (p.start - start).days / span, 2),
             "width": round(100 * max(1, (p.end - p.start).days) / span, 2)} for p in state.phases]
    return {"start": start, "end": end, "bars": bars}


async def _outcome(d: Deps, actor: Actor, state: CampaignState) -> dict[str, Any] | None:
    if not state.outcome_recorded and state.status not in (Status.WARMUP, Status.BURST, Status.ENCORE,
                                                          Status.COMPLETED):
        return None
    try:
        return await results.outcome(d, actor, state.campaign_id)
    except Refused as err:
        if status_of(err) == 409:  # no phases: no outcome yet
            return None
        raise


def _request(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The request as it stands (the latest submitted or amended one), flat for the amend form."""
    last = _latest(events, "CampaignAmended", "CampaignSubmitted")
    req = dict(last["data"]["request"]) if last else {}
    values = {k: req.get(k) for k in ("name", "requested_tier", "month", "burst_start", "revenue_target",
                                      "gross_margin", "paid_traffic")}
    values.update(req.get("forecast") or {})
    for i, m in enumerate((req.get("mechanics") or [])[:MECHANIC_ROWS]):
        values.update({f"mechanic-{i}-type": m["type"], f"mechanic-{i}-depth": m["depth"],
                       f"mechanic-{i}-share": m["platform_share"]})
    return {"request": req, "values": {k: ("" if v is None else str(v)) for k, v in values.items()}}


async def campaign_context(d: Deps, actor: Actor, campaign_id: str) -> dict[str, Any]:
    """Everything the page shows; 403 (another line's) and 404 as `GET /campaigns/{id}`."""
    state = await get_campaign(campaign_id, actor, d)
    events = await reads.campaign_events(d.pool, campaign_id, limit=EVENTS_SHOWN)
    policy = await reference.policy_for(d.pool, int(state.month[:4]))
    review = _latest(events, "ReviewScored")
    factors = review["data"].get("factors", {}) if review else {}
    current = _request(events)
    return {
        "title": state.name, "c": state, "events": events, "review": review,
        "factors": sorted(factors.items(), key=lambda kv: (FACTORS.index(kv[0]) if kv[0] in FACTORS else 99, kv[0])),
        "may": offers(actor, state, policy, review), "decision_tier": decision_tier(state),
        "timeline": timeline(state), "outcome": await _outcome(d, actor, state),
        "req": current["request"], "amend_values": current["values"],
        "tiers": [t.value for t in TIERS], "mechanic_types": MECHANIC_TYPES, "mechanic_rows": range(MECHANIC_ROWS),
    }


@router.get("/app/campaigns/{campaign_id}", response_class=HTMLResponse)
async def campaign_page(request: Request, campaign_id: str, actor: WebActor, done: str | None = None
                        ) -> HTMLResponse:
    d = request.app.state.deps
    ctx = await campaign_context(d, actor, campaign_id)
    return render(request, TEMPLATE, done=DONE.get(done or ""), errors={}, failed=None, values={}, **ctx)

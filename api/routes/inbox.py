"""`GET /inbox`: what waits for my decision, nearest SLA deadline first. Assignment is the
policy's (domain/approvals/assignment.py): an A/B waits for the line's named approvers, else any
approver; an S for the leaders; an escalated one also for the escalation roles; plus what
I hold as a delegate today. Never my own line (separation of duties). Each item carries
the deadline (escalation, or expiry once escalated), score, proposed tier, the revenue
check and the month's load, so a decider can judge from the list. Assignments and
delegations match the caller's identity (`Actor.actor_id`), not its name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import DECIDERS, require_role
from api.deps import AppDeps, CurrentActor
from api.paging import Page, Paged
from domain.approvals.assignment import is_assignee
from domain.dates import local_date
from domain.policy import Policy
from domain.tiers import Tier
from store import delegations, inbox, reference

router = APIRouter(tags=["decisions"])


class RevenueCheck(BaseModel):
    forecast_sales: float
    revenue_target: float
    reachable: bool


class InboxItem(BaseModel):
    campaign_id: str
    name: str
    business_line: str
    category: str
    month: str
    deadline: datetime = Field(description="escalation, or expiry once escalated")
    escalated: bool
    score: float | None
    proposed_tier: Tier | None
    decision_tier: Tier = Field(description="the tier an approval gives (S: leadership's)")
    hot_topic: bool
    on_behalf_of: str | None = Field(description="waits for me as this principal's delegate")
    revenue_check: RevenueCheck
    month_load: dict[str, Any] = Field(description='{"campaigns", "counted_days", "tiers": {"S","A","B","C"}}')


class Inbox(Paged):
    items: list[InboxItem]


def _deadline(policy: Policy, row: dict[str, Any], tier: Tier) -> datetime:
    sla = timedelta(hours=policy.hot_topic_sla_hours if row["hot_topic"] else policy.rule(tier).approval_sla_hours)
    return (row["escalated_at"] or row["scored_at"]) + sla


@router.get("/inbox", response_model=Inbox)
async def my_inbox(actor: CurrentActor, d: AppDeps, page: Page) -> Inbox:
    require_role(actor, *DECIDERS)
    now = datetime.now(UTC)
    rows = await inbox.in_review(d.pool)
    policies: dict[int, Policy] = {}
    held_on: dict[date, list[Any]] = {}
    items: list[InboxItem] = []
    for row in rows:
        year = int(row["month"][:4])
        if year not in policies:
            policies[year] = await reference.policy_for(d.pool, year)
        policy = policies[year]
        if actor.business_line == row["business_line"]:
            continue
        review = row["review"]
        tier = Tier.S if row["requested_tier"] == "S" and review.get("leadership_decides") else \
            Tier(review["proposed_tier"])
        mine = is_assignee(policy, tier, row["business_line"], actor.actor_id, actor.role) or (
            row["escalated_at"] is not None and actor.role in policy.assignment.escalation_roles)
        principal = None
        if not mine:  # what I hold as a delegate today: read once per day, not once per row
            day = local_date(policy, now)
            if day not in held_on:
                held_on[day] = await delegations.active(d.pool, day, to=actor.actor_id)
            held = held_on[day]
            principal = next((g.from_name for g in held if g.from_line != row["business_line"]
                              and is_assignee(policy, tier, row["business_line"], g.from_id, g.from_role)), None)
            if principal is None:
                continue
        items.append(InboxItem(
            campaign_id=row["campaign_id"], name=row["name"], business_line=row["business_line"],
            category=row["category"], month=row["month"], deadline=_deadline(policy, row, tier),
            escalated=row["escalated_at"] is not None, score=row["score"],
            proposed_tier=row["proposed_tier"], decision_tier=tier, hot_topic=row["hot_topic"],
            on_behalf_of=principal, month_load={},
            revenue_check=RevenueCheck(forecast_sales=review["forecast_sales"],
                                       revenue_target=review["revenue_target"],
                                       reachable=review["target_reachable"])))
    items.sort(key=lambda i: (i.deadline, i.campaign_id))
    shown = page.slice(items)
    load = await inbox.month_load(d.pool, sorted({i.month for i in shown}))
    for i in shown:
        i.month_load = load[i.month]
    return Inbox(items=shown, **page.of(len(items)))

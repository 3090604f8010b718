"""Activities of the approvals features: who an escalation goes to (reads the delegations
active that day, in the policy time zone). Reads only; the event is the workflow's."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from activities.messages import EscalationQuery
from domain.approvals.assignment import escalation_targets
from domain.dates import local_date
from domain.policy import Policy
from store import delegations, reference


class ApprovalActivities:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    @activity.defn
    async def escalation_targets(self, q: EscalationQuery) -> list[str]:
        async with self.pool.acquire() as conn:
            policy = Policy.for_year(q.overrides_year, await reference.overrides_for(conn, q.overrides_year))
            day = local_date(policy, q.at)
            active = await delegations.active(conn, day)
        return escalation_targets(policy, q.tier, q.business_line, active, day)

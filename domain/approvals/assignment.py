"""Who a campaign in review waits for (the inbox) and who an escalation goes to, from the
policy's assignment rules and the delegations active that day. Pure: the API's inbox and
the workflow's escalation (through an activity that reads the delegations) share it."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from domain.policy import Policy
from domain.tiers import Tier


class Delegation(BaseModel):
    """`from_id` and `to` are identities (`Actor.actor_id`: a tokens-file name, or an SSO
    `<issuer>|<sub>`), what is matched; `from_name` is the delegator's name as people read it."""

    model_config = ConfigDict(frozen=True)

    id: str
    from_name: str
    from_role: str
    from_line: str | None = None
    to: str
    starts: date
    ends: date
    revoked: bool = False
    from_id: str = ""

    @model_validator(mode="before")
    @classmethod
    def _id_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("from_id") and isinstance(data.get("from_name"), str):
            return {**data, "from_id": data["from_name"]}
        return data

    def active_on(self, day: date) -> bool:
        """Both days included (policy time zone)."""
        return not self.revoked and self.starts <= day <= self.ends


def assigned_names(policy: Policy, business_line: str) -> list[str]:
    """Named approvers of the line (empty: any approver of the assignment's roles), by
    identity (`Actor.actor_id`: a tokens-file name, or an SSO `<issuer>|<sub>`)."""
    return list(policy.assignment.approvers_by_line.get(business_line, []))


def is_assignee(policy: Policy, tier: Tier, business_line: str, actor_id: str, role: str) -> bool:
    """Waits for this principal (by identity) by the assignment itself (no delegation)."""
    a = policy.assignment
    if tier == Tier.S:
        return role in a.s_roles
    named = assigned_names(policy, business_line)
    return actor_id in named if named else role in a.ab_roles


def escalation_targets(policy: Policy, tier: Tier, business_line: str, delegations: list[Delegation],
                       day: date) -> list[str]:
    """An escalation goes to the delegates (identities) of the campaign's named assignees (an
    S: the leaders) who are away that day, or else to the escalation roles ("role:<role>"). A line
    assigned to any approver has others present: it goes to the escalation roles."""
    named = assigned_names(policy, business_line) if tier != Tier.S else []
    delegates = [d.to for d in delegations
                 if d.active_on(day) and d.from_line != business_line
                 and (d.from_id in named if tier != Tier.S else d.from_role in policy.assignment.s_roles)]
    return sorted(set(delegates)) or [f"role:{r}" for r in policy.assignment.escalation_roles]

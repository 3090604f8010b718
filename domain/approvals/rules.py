"""The approval rules a team lives by, as policy numbers: what makes an amendment material,
who a waiting campaign is assigned to, and who may delegate to whom. Kept apart from
`domain/policy.py` (which embeds them as fields) so the playbook's tier rules and these team rules
can change independently. (How hard a webhook delivery is retried is transport, not a
rule: configuration, infra/webhook_retry.py.)"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class AmendRule(_Frozen):
    """A change after submission is material (back to review) when it raises the tier,
    moves the month or the burst date, or moves a target or forecast figure by more than
    `material_share` of its old value."""

    material_share: float = Field(default=0.20, ge=0, le=10, description="relative move of a target or forecast")
    material_fields: list[str] = Field(
        default=["revenue_target", "gross_margin", "forecast.traffic", "forecast.avg_order_value",
                 "forecast.conversion_rate"],
        description="figures judged by the share")


class Assignment(_Frozen):
    """Who a campaign in review waits for (the inbox): named approvers of a business line,
    else any approver; an S waits for the leaders."""

    approvers_by_line: dict[str, list[str]] = Field(default={}, description="line -> approver names")
    s_roles: list[str] = Field(default=["leader"])
    ab_roles: list[str] = Field(default=["approver"], description="roles an A/B waits for when the line names nobody")
    escalation_roles: list[str] = Field(default=["leader"], description="an escalated campaign also waits for them")


class DelegationRule(_Frozen):
    """Who may hand their authority to whom (by the delegate's role), and for how long."""

    may_delegate_to: dict[str, list[str]] = Field(
        default={"leader": ["business_line", "approver", "leader", "ops"], "approver": ["approver"]})
    max_days: int = Field(default=92, ge=1)

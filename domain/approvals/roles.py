"""Who may do what, by role: the four roles as an enum, the groups the rules name (readers,
deciders) and the one spelling of "the owning business line or ops". Pure: the API, the
use cases, the workflows' validators and the web pages all ask these functions."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    BUSINESS_LINE = "business_line"  # submits, amends, chooses months, records its actuals
    APPROVER = "approver"            # decides A and B campaigns
    LEADER = "leader"                # decides S, fixes the plan's S, publishes it
    OPS = "ops"                      # runs the calendar, the planning season and the reference data


ROLES: tuple[Role, ...] = tuple(Role)
READERS: tuple[Role, ...] = (Role.APPROVER, Role.LEADER, Role.OPS)  # see every line
DECIDERS: tuple[Role, ...] = (Role.APPROVER, Role.LEADER)  # decide campaigns (or delegate it)


class Principal(Protocol):
    """What the rules read of an actor (workflows.messages.Actor has it)."""

    @property
    def role(self) -> str: ...

    @property
    def business_line(self) -> str | None: ...


def owns(actor: Principal, business_line: str) -> bool:
    """The owning business line of a campaign of `business_line`."""
    return actor.role == Role.BUSINESS_LINE and actor.business_line == business_line


def owner_or_ops(actor: Principal, business_line: str) -> bool:
    """The owning business line or ops: who cancels, records actuals, marks milestones done."""
    return actor.role == Role.OPS or owns(actor, business_line)


def sees_line(actor: Principal, business_line: str) -> bool:
    """May `actor` see a campaign of this line (its status, that it exists)? A business line
    sees its own only; every other role sees all."""
    return actor.role != Role.BUSINESS_LINE or actor.business_line == business_line

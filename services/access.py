"""The role rules every use case applies first (domain/approvals/roles.py names the roles): refused as
`forbidden` before anything is read or written."""

from __future__ import annotations

from typing import Protocol

from domain.approvals.roles import Principal, Role, sees_line
from services.errors import Code, Refused


class Named(Principal, Protocol):
    @property
    def name(self) -> str: ...


def require_role(actor: Named, *roles: Role | str) -> None:
    if actor.role not in roles:
        raise Refused(Code.FORBIDDEN, f"{actor.name} ({actor.role}) may not do this: it needs the role "
                                      f"{' or '.join(roles)}")


def may_see(actor: Named, business_line: str) -> None:
    """A business line sees only its own campaigns; every other role sees all."""
    if not sees_line(actor, business_line):
        raise Refused(Code.FORBIDDEN, f"{actor.name} may see only {actor.business_line} campaigns")

"""Events of delegations: a principal's authority handed to another for some days, and its
revocation (stream `delegation-<id>` in the same log as the campaigns).

The store's union of every event type is built in `domain/events.py` from this module. Type
names and JSON are the log's: never rename.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict


class _ApprovalsBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DelegationGranted(_ApprovalsBody):
    """A principal hands their authority to `to` for [starts, ends] (policy time zone, both
    days included). Its stream is `delegation-<id>`, not a campaign's."""

    type: Literal["DelegationGranted"] = "DelegationGranted"
    delegation_id: str
    from_name: str  # the delegator's name, as people read it
    from_role: str
    from_line: str | None = None
    to: str  # the delegate's identity: a tokens-file name or an SSO `<issuer>|<sub>`
    starts: date
    ends: date
    from_id: str | None = None  # the delegator's identity (None in events before it: the name)


class DelegationRevoked(_ApprovalsBody):
    """At seq 2 of the delegation's stream: the append's conflict on (stream, seq) is what
    lets exactly one revoke win. `revocation_id` is new for each revoke asked for, so two
    revokes (even by one principal) are never the same event, which the log would take
    for a retry of one already done. Events recorded before have none."""

    type: Literal["DelegationRevoked"] = "DelegationRevoked"
    delegation_id: str
    revocation_id: str | None = None
    by_id: str | None = None  # the revoker's identity (the envelope's actor is their name)


APPROVALS_BODIES = (DelegationGranted, DelegationRevoked)

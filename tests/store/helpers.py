"""Builders for storage tests."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.messages import EventSlot
from domain import events as ev
from tests.workflows.helpers import request

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def slot(campaign_id: str, seq: int, actor: str = "tester") -> EventSlot:
    return EventSlot(campaign_id=campaign_id, seq=seq, at=AT, actor=actor)


def submitted(campaign_id: str, seq: int = 1, **kw) -> ev.Event:
    return ev.Event(campaign_id=campaign_id, seq=seq, at=AT, actor="lin.food",
                    body=ev.CampaignSubmitted(request=request(**kw), owner="lin.food"))


def event(campaign_id: str, seq: int, body: ev.EventBody, actor: str = "promoflow", reason: str | None = None) -> ev.Event:
    return ev.Event(campaign_id=campaign_id, seq=seq, at=AT, actor=actor, reason=reason, body=body)

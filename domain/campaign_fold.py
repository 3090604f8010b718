"""The campaign stream folded once: `apply(state, event) -> state` and `fold(events)`.

A campaign's events are the truth; everything that shows a campaign is a fold of them.
This is the one fold in code: the read of a campaign whose workflow is gone
(api/campaign_read.py) and the results code (store/results.py) use it, and the SQL
projections (store/projections.py) are checked against it on real workflow runs and on
generated streams (tests/store/test_campaign_fold.py).

It is pure and reads only what the events recorded: a decision's tier, forecast and
money, the review's flags and checks, the reservation's phases and cost. It never asks
today's policy what a past decision would have been (a replay of an old stream gives
the same state whatever the policy says now); old payloads are lifted by
`domain.events.upcast` when they are read from the store.

The state (`CampaignFold`) extends the API's `CampaignState` (domain/campaign_state.py; its
fields by name: `api_fields()`) with what the projections and the results need
beyond it: the request as last amended, the calendar place, the booking rows with their
status, the milestones, the actuals and the latest outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain import events as ev
from domain.approvals.people import Milestone, MilestoneStatus
from domain.campaign import CampaignRequest, Forecast, Phase, PhaseName
from domain.campaign_state import CampaignState, HistoryItem
from domain.dates import burst_span
from domain.events import Booking, Event
from domain.months import year_of
from domain.results import events as results_ev
from domain.results.actuals import ActualRow
from domain.results.outcome import Outcome
from domain.status import Status
from domain.tiers import Tier

BookingStatus = Literal["held", "active", "released"]
# The event types that shape a campaign's request, tier, phases and counted days: a fold of
# these alone gives those fields as the whole stream's fold does (results read only them).
SHAPING = frozenset({"CampaignSubmitted", "CampaignAmended", "CampaignApproved", "CampaignDowngraded", "MonthReserved",
                     "PlaceReleased", "DisplacedBySCampaign", "CampaignRejected", "RequestExpired"})


class Place(BaseModel):
    """The campaign's place in a month (the calendar's row), as MonthReserved recorded it."""

    model_config = ConfigDict(frozen=True)

    year: int
    month: str
    tier: Tier
    category: str
    counted_days: int
    hot_topic: bool
    phases: list[Phase]
    cost: float


class BookingRow(Booking):
    """One unit of one resource for one phase, and where it stands."""

    status: BookingStatus


class DayActuals(BaseModel):
    """A day's current figures and the seq of the event that set them."""

    model_config = ConfigDict(frozen=True)

    row: ActualRow
    business_line: str
    seq: int


class RecordedOutcome(BaseModel):
    """The latest CampaignOutcome, with the campaign's name, tier and month when it was recorded."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    days: int
    seq: int
    name: str
    business_line: str
    tier: Tier  # C when the campaign never had one
    month: str


class CampaignFold(CampaignState):
    """A campaign as its events say: `CampaignState`'s fields (the API's, inherited) and what
    the projections and the results need beyond them."""

    model_config = ConfigDict(frozen=True)

    # beyond the API's state
    request: CampaignRequest  # as last amended
    submitted_at: datetime
    updated_at: datetime
    last_seq: int
    place: Place | None = None  # the calendar's row: held from MonthReserved until released
    counted_days: int = 0  # of the last reservation (kept after the place is given back)
    booking_rows: dict[str, BookingRow] = {}  # by `booking_key`
    milestone_comments: dict[str, str | None] = {}  # MilestoneDone's reason, by key
    actuals: dict[date, DayActuals] = {}
    outcome: RecordedOutcome | None = None

    def api_fields(self) -> dict[str, Any]:
        """The fields `CampaignState` (workflows/messages.py) has, by name, as plain data
        (nested models as dicts) that `CampaignState.model_validate` takes."""
        return self.model_dump(include=set(CampaignState.model_fields))


def booking_key(resource: str, unit: int, phase: str) -> str:
    return f"{resource}|{unit}|{phase}"


def _pending_for(status: Status) -> str | None:
    """What the campaign waits for in this status (as the workflow's state says)."""
    return {Status.IN_REVIEW: "approval", Status.AWAITING_MONTH_CHOICE: "month_choice"}.get(status)


def initial(event: Event) -> CampaignFold:
    """The state from a stream's CampaignSubmitted."""
    body = event.body
    assert isinstance(body, ev.CampaignSubmitted), f"a campaign stream starts with CampaignSubmitted, not {body.type}"
    r = body.request
    return CampaignFold(
        campaign_id=event.campaign_id, request_id=r.request_id, name=r.name, business_line=r.business_line,
        category=r.category, owner=body.owner, status=Status.SUBMITTED, requested_tier=r.requested_tier,
        month=r.month, burst_start=r.burst_start, hot_topic=r.hot_topic, forecast_asked=r.forecast,
        forecast=r.forecast, money=r.money, request=r, submitted_at=event.at, updated_at=event.at,
        last_seq=event.seq, history=[_entry(event)])


def _entry(event: Event) -> HistoryItem:
    return HistoryItem(seq=event.seq, type=event.type, at=event.at, actor=event.actor, reason=event.reason)


def _released(s: CampaignFold) -> dict[str, Any]:
    """Give back the calendar place and every booking row (the rows stay, released)."""
    return {"place": None, "booking_rows": {k: b.model_copy(update={"status": "released"}) if b.status != "released"
                                            else b for k, b in s.booking_rows.items()}}


def _phase_rows(s: CampaignFold, phase: PhaseName, frm: tuple[str, ...], to: BookingStatus) -> dict[str, BookingRow]:
    return {k: b.model_copy(update={"status": to}) if b.phase == phase and b.status in frm else b
            for k, b in s.booking_rows.items()}


def _milestones_closed(s: CampaignFold) -> list[Milestone]:
    return [m.model_copy(update={"status": MilestoneStatus.CLOSED}) if m.is_pending else m for m in s.milestones]


def _scaled_forecast(s: CampaignFold, request: CampaignRequest) -> Forecast:
    """The new request's forecast at the campaign's tier: its traffic scaled as the last
    decision's recorded forecast was scaled against the request it decided (the factor the
    decision recorded, never today's policy); unscaled when nothing was scaled."""
    asked, at_tier = s.forecast_asked, s.forecast
    if asked is None or at_tier is None or asked.traffic == 0 or at_tier.traffic == asked.traffic:
        return request.forecast
    ratio = at_tier.traffic / asked.traffic
    return request.forecast.model_copy(update={"traffic": round(request.forecast.traffic * ratio)})


def apply(state: CampaignFold | None, event: Event) -> CampaignFold:
    """The state after `event`. `state` None: the stream's first event (CampaignSubmitted)."""
    if state is None or isinstance(event.body, ev.CampaignSubmitted):
        return initial(event)
    s, body = state, event.body
    u: dict[str, Any] = {"updated_at": event.at, "last_seq": event.seq, "history": [*s.history, _entry(event)]}
    match body:
        case ev.ReviewScored():
            c_on_its_way = body.proposed_tier == Tier.C and not body.leadership_decides
            u |= {"score": body.score, "proposed_tier": body.proposed_tier, "forecast_check": body.forecast_check,
                  "score_source": body.source, "flags": list(body.flags), "standards": body.standards,
                  "revenue_flag": None if body.target_reachable else event.reason}
            if not c_on_its_way:  # C skips review: it goes straight on to its month
                u["status"] = Status.IN_REVIEW
        case ev.ApprovalEscalated():
            u["escalated"] = True
        case ev.CampaignApproved(tier=tier, forecast=forecast, money=money) | ev.CampaignDowngraded(
                to_tier=tier, forecast=forecast, money=money):
            u["tier"] = tier
            if forecast is not None:  # recorded with the decision (None: recorded before money)
                u["forecast"] = forecast
            if money is not None:
                u["money"] = money
        case ev.CampaignRejected():
            u |= _released(s) | {"status": Status.REJECTED, "bookings": [], "phases": []}
        case ev.RequestExpired():
            u |= _released(s) | {"status": Status.EXPIRED, "bookings": [], "phases": [],
                                 "milestones": _milestones_closed(s)}
        case ev.MonthReserved():
            burst = burst_span(body.phases)
            u |= {"month": body.month, "tier": body.tier, "phases": list(body.phases),
                  "burst_start": burst[0] if burst else None, "alternatives": [], "reasons": [],
                  "counted_days": body.counted_days,
                  "place": Place(year=year_of(body.month), month=body.month, tier=body.tier, category=body.category,
                                 counted_days=body.counted_days, hot_topic=body.hot_topic, phases=list(body.phases),
                                 cost=body.cost)}
            if body.tier == Tier.C:  # C books nothing: reserved is scheduled
                u["status"] = Status.SCHEDULED
        case ev.MonthAlternativesOffered():
            u |= {"status": Status.AWAITING_MONTH_CHOICE, "month": body.month,
                  "alternatives": list(body.alternatives), "reasons": list(body.reasons)}
        case ev.MonthChosen(month=month):
            u |= {"month": month, "burst_start": None}
        case ev.DisplacedBySCampaign():
            u |= _released(s) | {"status": Status.AWAITING_MONTH_CHOICE, "bookings": [], "phases": []}
        case ev.ResourcesAllocated():
            rows = dict(s.booking_rows)
            for b in body.bookings:
                key = booking_key(b.resource, b.unit, b.phase.value)
                if key not in rows or rows[key].status == "released":  # a held or active unit stays as it is
                    rows[key] = BookingRow(resource=b.resource, unit=b.unit, phase=b.phase, start=b.start,
                                           end=b.end, status="held")
            u |= {"status": Status.SCHEDULED, "bookings": list(body.bookings), "shortfall": list(body.shortfall),
                  "booking_rows": rows}
        case ev.PhaseStarted(phase=phase):
            u |= {"status": Status(phase.value), "booking_rows": _phase_rows(s, phase, ("held",), "active")}
        case ev.PhaseEnded(phase=phase):
            u["booking_rows"] = _phase_rows(s, phase, ("held", "active"), "released")
        case ev.CampaignCompleted():
            u["status"] = Status.COMPLETED
        case ev.CampaignCancelled():
            u |= _released(s) | {"status": Status.CANCELLED, "bookings": [], "milestones": _milestones_closed(s)}
        case ev.CampaignAmended(request=r):
            u |= {"request": r, "name": r.name, "requested_tier": r.requested_tier, "month": body.month,
                  "forecast_asked": r.forecast, "forecast": _scaled_forecast(s, r)}
            if body.money is not None:
                u["money"] = body.money
            if body.material:  # back to review: nothing escalated yet; a campaign without a place wants the new month
                u["escalated"] = False
                if s.status != Status.SCHEDULED:
                    u |= {"burst_start": r.burst_start, "alternatives": [], "reasons": []}
        case ev.PlaceReleased():
            u |= _released(s) | {"bookings": [], "phases": [], "shortfall": [], "month": s.request.month,
                                 "burst_start": None}
        case ev.MilestonesPlanned(milestones=planned):
            by_key = {m.key: m for m in s.milestones}
            by_key.update({m.key: m.model_copy(update={"status": MilestoneStatus.OPEN, "done_by": None,
                                                       "done_at": None}) for m in planned})
            u |= {"milestones": sorted(by_key.values(), key=lambda m: (m.due, m.key)),
                  "milestone_comments": {k: c for k, c in s.milestone_comments.items()
                                         if k not in {m.key for m in planned}}}
        case ev.MilestonesMoved(moves=moves):
            to = {mv.key: mv.to_due for mv in moves}
            u["milestones"] = [m.model_copy(update={"due": to[m.key]}) if m.key in to else m for m in s.milestones]
        case ev.MilestoneDone(key=key):
            u |= {"milestones": [m.model_copy(update={"status": MilestoneStatus.DONE, "done_by": event.actor,
                                                      "done_at": event.at}) if m.key == key else m
                                 for m in s.milestones],
                  "milestone_comments": {**s.milestone_comments, key: event.reason}}
        case ev.MilestoneOverdue(key=key):
            u["milestones"] = [m.model_copy(update={"status": MilestoneStatus.OVERDUE})
                               if m.key == key and m.status == MilestoneStatus.OPEN else m for m in s.milestones]
        case results_ev.ActualsRecorded() | results_ev.ActualsCorrected():
            days = body.rows if isinstance(body, results_ev.ActualsRecorded) else [c.new for c in body.corrections]
            u["actuals"] = {**s.actuals, **{r.date: DayActuals(row=r, business_line=s.business_line, seq=event.seq)
                                            for r in days}}
        case results_ev.CampaignOutcome():
            first = s.outcome
            u |= {"outcome_recorded": True, "outcome": RecordedOutcome(
                outcome=body.outcome, days=body.days, seq=event.seq, name=first.name if first else s.name,
                business_line=first.business_line if first else s.business_line, tier=s.tier or Tier.C,
                month=s.month)}
    status = u.get("status", s.status)
    u["pending"] = _pending_for(status)
    return s.model_copy(update=u)


def fold(events: Iterable[Event]) -> CampaignFold | None:
    """The state after every event of one campaign's stream, in seq order (None: no events)."""
    state: CampaignFold | None = None
    for event in events:
        state = apply(state, event)
    return state

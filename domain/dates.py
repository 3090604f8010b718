"""Burst dates and phases: ride weekday traffic, avoid days off, respect the lead time.

Weekday traffic is Tue > Wed ~ Mon > Thu > ..., so bursts go on `policy.burst_weekdays`
(Tue, Wed, Mon); festival-pinned dates (Double 11, 618, Black Friday, Double 12) are
allowed whatever the weekday, because the festival itself brings the traffic.
Dates are calendar days in the policy time zone; ranges are start-inclusive, end-exclusive.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

from domain.campaign import Phase, PhaseName
from domain.policy import Policy, festival_dates
from domain.tiers import Tier

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class DateChoice(BaseModel):
    """burst_start None means no date is possible; `reasons` say why (or what was chosen and why)."""

    model_config = ConfigDict(frozen=True)

    burst_start: date | None
    phases: list[Phase]
    reasons: list[str] = []


def month_days(month: str) -> list[date]:
    """Every day of `month` (YYYY-MM)."""
    y, m = int(month[:4]), int(month[5:7])
    d = date(y, m, 1)
    out = []
    while d.month == m:
        out.append(d)
        d += timedelta(days=1)
    return out


def add_months(d: date, months: int) -> date:
    """Same day `months` later, clamped to the month's last day (Nov 30 + 3 months = Feb 28/29)."""
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    m += 1
    last = month_days(f"{y:04d}-{m:02d}")[-1].day
    return date(y, m, min(d.day, last))


def is_day_off(policy: Policy, d: date) -> bool:
    """Weekend or a public holiday / substituted day off of the policy."""
    return d.weekday() >= 5 or d in policy.holidays


def plan_phases(policy: Policy, tier: Tier, burst_start: date) -> list[Phase]:
    """warm-up [b - w, b), burst [b, b + n), encore [b + n, b + n + e); empty phases omitted (C -> [])."""
    r = policy.rule(tier)
    burst_end = burst_start + timedelta(days=r.burst_days)
    spans = (
        (PhaseName.WARMUP, burst_start - timedelta(days=r.warmup_days), burst_start),
        (PhaseName.BURST, burst_start, burst_end),
        (PhaseName.ENCORE, burst_end, burst_end + timedelta(days=r.encore_days)),
    )
    if r.burst_days == 0:  # no burst, no campaign on company resources (C)
        return []
    return [Phase(phase=p, start=s, end=e) for p, s, e in spans if e > s]


def earliest_warmup(policy: Policy, tier: Tier, today: date, hot_topic: bool = False) -> date:
    """The first day a warm-up may start: today + the tier's lead (hot topics: the short fast-track lead)."""
    if hot_topic:
        return today + timedelta(days=policy.hot_topic_min_lead_days)
    r = policy.rule(tier)
    return max(today + timedelta(days=r.min_lead_days), add_months(today, r.min_lead_months))


def _warmup_start(policy: Policy, tier: Tier, burst_start: date) -> date:
    return burst_start - timedelta(days=policy.rule(tier).warmup_days)


def _burst_days(policy: Policy, tier: Tier, burst_start: date) -> list[date]:
    n = max(1, policy.rule(tier).burst_days)
    return [burst_start + timedelta(days=i) for i in range(n)]


def pinned_festival(policy: Policy, d: date) -> str | None:
    """The festival `d` is pinned to, if any."""
    return next((name for name, day in festival_dates(d.year).items() if day == d), None)


def _lead_text(policy: Policy, tier: Tier, hot_topic: bool) -> str:
    if hot_topic:
        return f"a hot topic needs {policy.hot_topic_min_lead_days} day(s) of lead"
    r = policy.rule(tier)
    months = f" and {r.min_lead_months} month(s)" if r.min_lead_months else ""
    return f"tier {tier} needs {r.min_lead_days} days{months} of lead before its warm-up"


def _check_requested(
    policy: Policy, tier: Tier, month: str, d: date, today: date, hot_topic: bool
) -> list[str]:
    """Why a requested burst start is not acceptable ([] when it is)."""
    problems = []
    if d.strftime("%Y-%m") != month:
        return [f"burst start {d} is not in month {month}"]
    festival = pinned_festival(policy, d)
    if tier != Tier.C and festival is None:
        allowed = "/".join(_WEEKDAY_NAMES[w] for w in policy.burst_weekdays)
        if d.weekday() not in policy.burst_weekdays:
            problems.append(f"burst start {d} is a {_WEEKDAY_NAMES[d.weekday()]}: bursts go on {allowed} "
                            "unless pinned to a festival (618, Double 11, Black Friday, Double 12)")
        elif is_day_off(policy, d):
            problems.append(f"burst start {d} is a public holiday or day off")
    first = earliest_warmup(policy, tier, today, hot_topic)
    if _warmup_start(policy, tier, d) < first:
        problems.append(f"warm-up would start {_warmup_start(policy, tier, d)}, before {first}: "
                        f"{_lead_text(policy, tier, hot_topic)}")
    return problems


def candidate_days(policy: Policy, tier: Tier, month: str) -> list[date]:
    """Days of the month in preference order: all preferred weekdays first, each earliest first.

    C runs whenever the line decides: any working day, earliest first.
    """
    days = month_days(month)
    if tier == Tier.C:
        return [d for d in days if not is_day_off(policy, d)]
    return [d for w in policy.burst_weekdays for d in days if d.weekday() == w]


def choose_burst_start(
    policy: Policy,
    tier: Tier,
    month: str,
    requested: date | None,
    today: date,
    hot_topic: bool = False,
) -> DateChoice:
    """Validate a requested burst start, or pick the best one in `month`.

    A picked date has no burst day on a day off; a requested one is only checked on its
    first day (the owner may ride a holiday such as Mid-Autumn on purpose). C campaigns
    get a date but no phases: they book nothing and run no timers.
    """
    if requested is not None:
        problems = _check_requested(policy, tier, month, requested, today, hot_topic)
        if problems:
            return DateChoice(burst_start=None, phases=[], reasons=problems)
        festival = pinned_festival(policy, requested)
        why = [f"requested burst start {requested} accepted" + (f" (pinned to {festival})" if festival else "")]
        return DateChoice(burst_start=requested, phases=plan_phases(policy, tier, requested), reasons=why)

    first = earliest_warmup(policy, tier, today, hot_topic)
    for d in candidate_days(policy, tier, month):
        if _warmup_start(policy, tier, d) < first:
            continue
        if any(is_day_off(policy, x) for x in _burst_days(policy, tier, d)):
            continue
        why = [f"picked {d} ({_WEEKDAY_NAMES[d.weekday()]}), the first working day meeting the lead" if tier == Tier.C
               else f"picked {d} ({_WEEKDAY_NAMES[d.weekday()]}), the first preferred weekday whose burst avoids days off"]
        return DateChoice(burst_start=d, phases=plan_phases(policy, tier, d), reasons=why)

    allowed = "/".join(_WEEKDAY_NAMES[w] for w in policy.burst_weekdays)
    return DateChoice(
        burst_start=None,
        phases=[],
        reasons=[f"no {allowed} in {month} has a burst free of weekends and holidays with its warm-up "
                 f"on or after {first} ({_lead_text(policy, tier, hot_topic)})"],
    )


def phase_start_instant(policy: Policy, d: date) -> datetime:
    """Midnight of `d` in the policy time zone, as an aware UTC datetime (for workflow timers)."""
    tz = timezone(timedelta(hours=policy.utc_offset_hours))
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(timezone.utc)


def local_date(policy: Policy, instant: datetime) -> date:
    """The day `instant` (an aware datetime) falls on in the policy time zone: "today" for
    the workflow (workflow.now()), the activities (the event's time) and the API."""
    return instant.astimezone(timezone(timedelta(hours=policy.utc_offset_hours))).date()

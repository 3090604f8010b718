"""Burst dates and phases: ride weekday traffic, avoid days off, respect the lead time.

Weekday traffic is Tue > Wed ~ Mon > Thu > ..., so bursts go on `policy.burst_weekdays`
(Tue, Wed, Mon); festival-pinned dates (Double 11, 618, Black Friday, Double 12) are
allowed whatever the weekday, because the festival itself brings the traffic.
One campaign reaching a million people beats four reaching half a million: a month's
bursts do not share a day while another allowed day is free, and never overlap an A or S
burst (`taken`, the month's bursts already reserved). An engine-chosen S burst in the
month of 618 or Double 11 covers the festival day when the date rules allow.
Dates are calendar days in the policy time zone; ranges are start-inclusive, end-exclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

from domain.campaign import Phase, PhaseName
from domain.festivals import festival_dates
from domain.months import first_day, month_key, month_of_date
from domain.policy import Policy
from domain.tiers import Tier

# Festivals whose month an S burst should cover (the day itself), when the rules allow.
S_FESTIVALS = ("618", "double_11")

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Burst(BaseModel):
    """A reserved campaign's burst, [start, end) in the policy time zone."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    tier: Tier
    start: date
    end: date

    @property
    def days(self) -> set[date]:
        return {self.start + timedelta(days=i) for i in range((self.end - self.start).days)}

    def meets(self, start: date, end: date) -> bool:
        """Whether it shares a day with [start, end): interval overlap, no day sets built
        (balancing and the date choice ask it for every reserved burst of a month)."""
        return start < end and self.start < self.end and start < self.end and self.start < end

    @property
    def exclusive(self) -> bool:
        """A or S: no other burst may share its days."""
        return self.tier in (Tier.S, Tier.A)


class DateChoice(BaseModel):
    """burst_start None means no date is possible; `reasons` say why (or what was chosen and why)."""

    model_config = ConfigDict(frozen=True)

    burst_start: date | None
    phases: list[Phase]
    reasons: list[str] = []


def month_days(month: str) -> list[date]:
    """Every day of `month` (YYYY-MM)."""
    d = first_day(month)
    m = d.month
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
    last = month_days(month_key(y, m))[-1].day
    return date(y, m, min(d.day, last))


def burst_span(phases: Sequence[Phase]) -> tuple[date, date] | None:
    """[start, end) of the burst among `phases`, None when there is none (C)."""
    return next(((p.start, p.end) for p in phases if p.phase == PhaseName.BURST), None)


def months_touched(start: date, end: date) -> list[str]:
    """The months (YYYY-MM) that the days [start, end) fall in, in order."""
    out: list[str] = []
    d = start
    while d < end:
        key = month_of_date(d)
        if key not in out:
            out.append(key)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out or [month_of_date(start)]


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


def meets_lead(policy: Policy, tier: Tier, burst_start: date, today: date, hot_topic: bool = False) -> bool:
    """Whether a burst on `burst_start` leaves its warm-up the tier's lead after `today`."""
    return _warmup_start(policy, tier, burst_start) >= earliest_warmup(policy, tier, today, hot_topic)


def _warmup_start(policy: Policy, tier: Tier, burst_start: date) -> date:
    return burst_start - timedelta(days=policy.rule(tier).warmup_days)


def _burst_length(policy: Policy, tier: Tier) -> int:
    return max(1, policy.rule(tier).burst_days)


def _burst_days(policy: Policy, tier: Tier, burst_start: date) -> list[date]:
    return [burst_start + timedelta(days=i) for i in range(_burst_length(policy, tier))]


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
    """Why a requested burst start is not acceptable ([] when it is). The start goes on a
    preferred weekday and is no day off, unless it is pinned to a festival (then it is
    allowed whatever its weekday and days). An S, the company's whole stage for five days,
    is judged by the rule the picker applies (`_usable`): no burst day on a weekend or a
    public holiday, the festival it rides (618, Double 11) excepted. A and B are judged on
    their first day only: their owner may ride a holiday such as Mid-Autumn on purpose
    (the API's example request does)."""
    problems = []
    if d.strftime("%Y-%m") != month:
        return [f"burst start {d} is not in month {month}"]
    festival = pinned_festival(policy, d)
    if tier != Tier.C and festival is None:
        allowed = "/".join(_WEEKDAY_NAMES[w] for w in policy.burst_weekdays)
        off = _days_off_in_burst(policy, tier, d, _ridden_festivals(tier, month)) if tier == Tier.S else []
        if d.weekday() not in policy.burst_weekdays:
            problems.append(f"burst start {d} is a {_WEEKDAY_NAMES[d.weekday()]}: bursts go on {allowed} "
                            "unless pinned to a festival (618, Double 11, Black Friday, Double 12)")
        elif off:
            days = ", ".join(f"{x} ({_WEEKDAY_NAMES[x.weekday()]})" for x in off)
            problems.append(f"the {_burst_length(policy, tier)}-day S burst from {d} runs over a weekend or a "
                            f"public holiday ({days}): every burst day must be a working day")
        elif is_day_off(policy, d):
            problems.append(f"burst start {d} is a public holiday or day off")
    first = earliest_warmup(policy, tier, today, hot_topic)
    if _warmup_start(policy, tier, d) < first:
        problems.append(f"warm-up would start {_warmup_start(policy, tier, d)}, before {first}: "
                        f"{_lead_text(policy, tier, hot_topic)}")
    return problems


def _ridden_festivals(tier: Tier, month: str) -> list[date]:
    """The festival days an S burst of `month` rides (618, Double 11 in their month), else []."""
    if tier != Tier.S:
        return []
    return [day for name, day in festival_dates(first_day(month).year).items()
            if name in S_FESTIVALS and month_of_date(day) == month]


def _days_off_in_burst(policy: Policy, tier: Tier, d: date, pardoned: Sequence[date] = ()) -> list[date]:
    """The burst's days that are weekends or public holidays, but the festival days it rides."""
    return [x for x in _burst_days(policy, tier, d) if is_day_off(policy, x) and x not in pardoned]


def candidate_days(policy: Policy, tier: Tier, month: str, festival_first: bool = True) -> list[date]:
    """Days of the month in preference order: all preferred weekdays first, each earliest first.

    C runs whenever the line decides: any working day, earliest first. An S in the month
    of 618 or Double 11 tries the starts whose burst covers the festival day first, the
    festival day itself among them (a pinned day is allowed whatever its weekday).
    """
    days = month_days(month)
    if tier == Tier.C:
        return [d for d in days if not is_day_off(policy, d)]
    ordered = [d for w in policy.burst_weekdays for d in days if d.weekday() == w]
    fests = _ridden_festivals(tier, month) if festival_first else []
    if fests:
        covers = [d for d in ordered + sorted(set(fests) - set(ordered))
                  if any(f in _burst_days(policy, tier, d) for f in fests)]
        ordered = covers + [d for d in ordered if d not in covers]
    return ordered


def _clashes(policy: Policy, tier: Tier, d: date, taken: Sequence[Burst]) -> tuple[list[Burst], list[Burst]]:
    """(hard, soft) clashes of a burst starting `d`: hard when it overlaps an A or S burst
    or is itself A or S over another burst; soft when it only shares a day with a B burst."""
    end = d + timedelta(days=_burst_length(policy, tier))  # [d, end): _burst_days as an interval
    hard: list[Burst] = []
    soft: list[Burst] = []
    for b in taken:
        if b.meets(d, end):
            (hard if b.exclusive or tier in (Tier.S, Tier.A) else soft).append(b)
    return hard, soft


def _clash_text(policy: Policy, tier: Tier, d: date, hard: list[Burst], soft: list[Burst], free: list[date]) -> str:
    if hard:
        b = hard[0]
        return (f"burst from {d} overlaps the {b.tier.value} burst of {b.campaign_id} ({b.start} to "
                f"{b.end - timedelta(days=1)}): an A or S burst never shares its days")
    b = soft[0]
    return (f"burst on {d} shares the day with the burst of {b.campaign_id} while other days are free "
            f"({', '.join(map(str, free))}): one campaign reaching a million beats four reaching half a million")


def _usable(policy: Policy, tier: Tier, month: str, today: date, hot_topic: bool,
            festival_first: bool = True) -> list[date]:
    """Engine-pickable starts of `month`, best first: preferred weekday, lead met, burst free of days off.

    An S in the month of 618 or Double 11 rides the festival whenever the lead allows it
    (the playbook's S months are the festivals'): the festival day never counts against its
    burst, and when no start covering it is free of other days off either, the covering
    start with the fewest comes first, before any start that misses the festival.
    """
    first = earliest_warmup(policy, tier, today, hot_topic)
    fests = _ridden_festivals(tier, month) if festival_first else []
    met = [d for d in candidate_days(policy, tier, month, festival_first) if _warmup_start(policy, tier, d) >= first]
    usable = [d for d in met if not _days_off_in_burst(policy, tier, d, fests)]
    covering = [d for d in met if any(f in _burst_days(policy, tier, d) for f in fests)]
    if covering and not any(d in covering for d in usable):
        best = min(covering, key=lambda d: len(_days_off_in_burst(policy, tier, d, fests)))
        usable.insert(0, best)
    return usable


def free_days(policy: Policy, tier: Tier, month: str, today: date, hot_topic: bool = False,
              taken: Sequence[Burst] = ()) -> list[date]:
    """Starts the engine could pick that clash with no other burst, best first."""
    return [d for d in _usable(policy, tier, month, today, hot_topic) if _clashes(policy, tier, d, taken) == ([], [])]


def choose_burst_start(
    policy: Policy,
    tier: Tier,
    month: str,
    requested: date | None,
    today: date,
    hot_topic: bool = False,
    taken: Sequence[Burst] = (),
    festival_first: bool = True,
) -> DateChoice:
    """Validate a requested burst start, or pick the best one in `month`.

    A picked date, and a requested S date, has no burst day on a day off (the festival an
    S rides excepted: `_usable`); a requested A or B date is checked on its first day (the
    owner may ride a holiday such as Mid-Autumn on purpose). C campaigns
    get a date but no phases: they book nothing and run no timers. `taken` holds the
    bursts already reserved around this month: a picked date shares no day with them
    while a free one exists, and never overlaps an A or S burst; a requested date that
    would is refused with the free days named. `festival_first=False` replays campaigns
    started before S bursts were made to cover 618 / Double 11.
    """
    taken = [] if tier == Tier.C else list(taken)
    if requested is not None:
        problems = _check_requested(policy, tier, month, requested, today, hot_topic)
        if not problems and taken:
            hard, soft = _clashes(policy, tier, requested, taken)
            free = free_days(policy, tier, month, today, hot_topic, taken)[: max(1, policy.max_alternatives)]
            if hard or (soft and free):
                problems.append(_clash_text(policy, tier, requested, hard, soft, free))
                if free:
                    problems.append(f"free burst days in {month}: {', '.join(map(str, free))}")
        if problems:
            return DateChoice(burst_start=None, phases=[], reasons=problems)
        festival = pinned_festival(policy, requested)
        why = [f"requested burst start {requested} accepted" + (f" (pinned to {festival})" if festival else "")]
        return DateChoice(burst_start=requested, phases=plan_phases(policy, tier, requested), reasons=why)

    usable = _usable(policy, tier, month, today, hot_topic, festival_first)
    # no clash first; else share only with B bursts, as few as possible; never an A or S burst
    ranked = sorted(
        ((len(soft), i, d) for i, d in enumerate(usable)
         for hard, soft in [_clashes(policy, tier, d, taken)] if not hard))
    if ranked:
        shared, _, d = ranked[0]
        if tier == Tier.C:
            text = f"picked {d} ({_WEEKDAY_NAMES[d.weekday()]}), the first working day meeting the lead"
        else:
            text = (f"picked {d} ({_WEEKDAY_NAMES[d.weekday()]}), "
                    "the first preferred weekday whose burst avoids days off")
            if taken:
                text += (" and the month's other bursts" if shared == 0 else
                        f"; it shares a day with {shared} B burst(s): no free day is left")
            fests = [n for n, day in festival_dates(d.year).items()
                     if n in S_FESTIVALS and tier == Tier.S and day in _burst_days(policy, tier, d)]
            if fests:
                text += f", covering {fests[0]}"
        return DateChoice(burst_start=d, phases=plan_phases(policy, tier, d), reasons=[text])

    allowed = "/".join(_WEEKDAY_NAMES[w] for w in policy.burst_weekdays)
    first = earliest_warmup(policy, tier, today, hot_topic)
    if usable:
        return DateChoice(burst_start=None, phases=[], reasons=[
            f"every allowed burst day of {month} overlaps an A or S burst "
            f"({', '.join(sorted({b.campaign_id for b in taken if b.exclusive}))})"])
    return DateChoice(
        burst_start=None,
        phases=[],
        reasons=[f"no {allowed} in {month} has a burst free of weekends and holidays with its warm-up "
                 f"on or after {first} ({_lead_text(policy, tier, hot_topic)})"],
    )


def phase_start_instant(policy: Policy, d: date) -> datetime:
    """Midnight of `d` in the policy time zone, as an aware UTC datetime (for workflow timers)."""
    tz = timezone(timedelta(hours=policy.utc_offset_hours))
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)


def local_date(policy: Policy, instant: datetime) -> date:
    """The day `instant` (an aware datetime) falls on in the policy time zone: "today" for
    the workflow (workflow.now()), the activities (the event's time) and the API."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        # a naive datetime would be read in the host's zone (TZ): never guess, refuse
        raise ValueError(f"{instant.isoformat()} has no time zone: give an offset (e.g. +08:00 or Z)")
    return instant.astimezone(timezone(timedelta(hours=policy.utc_offset_hours))).date()


# A request judged before its review has proposed a tier: its requested tier, else a B (the
# middle tier: an A's or S's stricter rules are judged again when the month is reserved,
# with the tier decided then).
TIER_BEFORE_REVIEW = Tier.B


def requested_burst_problems(policy: Policy, tier: Tier | None, month: str, requested: date, today: date,
                             hot_topic: bool = False) -> list[str]:
    """Why a burst start asked for at submission cannot be had ([] when it can): judged as
    `tier`, or `TIER_BEFORE_REVIEW` when none is requested."""
    choice = choose_burst_start(policy, tier or TIER_BEFORE_REVIEW, month, requested, today, hot_topic)
    return list(choice.reasons) if choice.burst_start is None else []

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.campaign import PhaseName
from domain.dates import (
    Burst,
    add_months,
    choose_burst_start,
    earliest_warmup,
    free_days,
    is_day_off,
    month_days,
    phase_start_instant,
    pinned_festival,
    plan_phases,
)
from domain.holiday_data import CHINA_DAYS_OFF
from domain.policy import Policy
from domain.tiers import Tier

POLICY = Policy.for_year(2027)
D = date.fromisoformat


def spans(phases):
    return [(p.phase, p.start, p.end) for p in phases]


# --- phases --------------------------------------------------------------------------------

def test_s_phases(policy):
    assert spans(plan_phases(policy, Tier.S, D("2027-11-08"))) == [
        (PhaseName.WARMUP, D("2027-10-23"), D("2027-11-08")),   # 16 days
        (PhaseName.BURST, D("2027-11-08"), D("2027-11-13")),    # 5 days
        (PhaseName.ENCORE, D("2027-11-13"), D("2027-11-16")),   # 3 days
    ]


def test_a_and_b_phases(policy):
    assert spans(plan_phases(policy, Tier.A, D("2027-09-07"))) == [
        (PhaseName.WARMUP, D("2027-09-03"), D("2027-09-07")),
        (PhaseName.BURST, D("2027-09-07"), D("2027-09-10")),
    ]
    assert spans(plan_phases(policy, Tier.B, D("2027-09-07"))) == [
        (PhaseName.WARMUP, D("2027-09-04"), D("2027-09-07")),   # on the category's own resources
        (PhaseName.BURST, D("2027-09-07"), D("2027-09-08")),
    ]
    assert plan_phases(policy, Tier.C, D("2027-09-07")) == []


def test_phases_follow_policy_overrides():
    p = Policy.for_year(2027, {"tiers": {"A": {"warmup_days": 5, "burst_days": 2, "encore_days": 1, "counted_days": 7}}})
    assert [(x.end - x.start).days for x in plan_phases(p, Tier.A, D("2027-09-07"))] == [5, 2, 1]


# --- days off --------------------------------------------------------------------------------

def test_is_day_off(policy):
    assert is_day_off(policy, D("2027-09-11"))   # Saturday
    assert is_day_off(policy, D("2027-10-05"))   # National Day holiday, a Tuesday
    assert is_day_off(policy, D("2027-09-15"))   # Mid-Autumn, a Wednesday
    assert not is_day_off(policy, D("2027-09-14"))


# --- choosing a burst start -----------------------------------------------------------------

def test_picks_the_first_tuesday_meeting_the_lead(policy):
    c = choose_burst_start(policy, Tier.A, "2027-09", None, today=D("2027-06-01"))
    assert c.burst_start == D("2027-09-07") and c.burst_start.weekday() == 1
    assert spans(c.phases) == spans(plan_phases(policy, Tier.A, D("2027-09-07")))


def test_skips_tuesdays_whose_burst_hits_a_holiday(policy):
    # 2027-10-05 is a National Day holiday; 2027-09-14's A burst would cover Mid-Autumn (09-15)
    assert choose_burst_start(policy, Tier.A, "2027-10", None, D("2027-06-01")).burst_start == D("2027-10-12")
    assert choose_burst_start(policy, Tier.A, "2027-09", None, D("2027-08-30")).burst_start == D("2027-09-21")
    assert choose_burst_start(policy, Tier.B, "2027-09", None, D("2027-09-01")).burst_start == D("2027-09-07")


def test_falls_back_to_wednesday_then_monday():
    only_late = Policy.for_year(2027, {"holidays": [D(f"2027-09-{d:02d}") for d in (7, 14, 21, 28)]})
    c = choose_burst_start(only_late, Tier.B, "2027-09", None, D("2027-06-01"))
    assert c.burst_start == D("2027-09-01")  # first Wednesday once every Tuesday is off
    no_tue_wed = Policy.for_year(2027, {"holidays": [D(f"2027-09-{d:02d}") for d in (1, 7, 8, 14, 15, 21, 22, 28, 29)]})
    assert choose_burst_start(no_tue_wed, Tier.B, "2027-09", None, D("2027-06-01")).burst_start == D("2027-09-06")


def test_s_burst_is_five_working_days_so_it_starts_on_monday(policy):
    c = choose_burst_start(policy, Tier.S, "2027-10", None, D("2027-06-01"))
    assert c.burst_start == D("2027-10-11") and c.burst_start.weekday() == 0  # Oct 1-7 National Day
    burst = next(p for p in c.phases if p.phase == PhaseName.BURST)
    assert all(not is_day_off(policy, burst.start + timedelta(days=i)) for i in range((burst.end - burst.start).days))


def test_s_needs_three_months_of_lead(policy):
    c = choose_burst_start(policy, Tier.S, "2027-11", None, D("2027-08-20"))
    assert c.burst_start is None and c.phases == [] and "92 days and 3 month(s)" in c.reasons[0]
    ok = choose_burst_start(policy, Tier.S, "2027-11", None, D("2027-07-01"))
    assert ok.phases[0].start >= add_months(D("2027-07-01"), 3)
    # the same month is fine for a hot topic (1 day of lead)
    hot = choose_burst_start(policy, Tier.S, "2027-11", None, D("2027-08-20"), hot_topic=True)
    assert hot.burst_start is not None


def test_hot_topic_lead(policy):
    today = D("2027-09-06")
    assert choose_burst_start(policy, Tier.B, "2027-09", None, today).burst_start == D("2027-09-14")
    # B warm-up 3 days, fast track 1 day of lead: warm-up from 09-07 -> burst from 09-10 -> Tue 09-14
    assert choose_burst_start(policy, Tier.B, "2027-09", None, today, hot_topic=True).burst_start == D("2027-09-14")
    assert choose_burst_start(policy, Tier.B, "2027-09", None, D("2027-09-02"), hot_topic=True).burst_start == D("2027-09-07")
    # planned B needs 3 days: burst from 09-08; a later Tuesday beats the earlier Wednesday 09-08
    assert choose_burst_start(policy, Tier.B, "2027-09", None, D("2027-09-02")).burst_start == D("2027-09-14")


def test_requested_date_accepted_on_mon_to_wed(policy):
    c = choose_burst_start(policy, Tier.A, "2027-09", D("2027-09-14"), D("2027-06-01"))
    assert c.burst_start == D("2027-09-14")  # the API example: the owner rides Mid-Autumn on purpose


@pytest.mark.parametrize("day,why", [
    ("2027-09-16", "Thu"),
    ("2027-09-18", "Sat"),
    ("2027-10-05", "holiday"),
    ("2027-10-12", "not in month"),
])
def test_requested_date_refused(policy, day, why):
    c = choose_burst_start(policy, Tier.A, "2027-09" if why != "holiday" else "2027-10",
                           D(day), D("2027-06-01"))
    assert c.burst_start is None and c.phases == []
    assert why in c.reasons[0]


@pytest.mark.parametrize("day", ["2027-11-11", "2027-06-18", "2027-12-12", "2027-11-26"])
def test_festival_pinned_dates_allowed_any_weekday(policy, day):
    d = D(day)
    c = choose_burst_start(policy, Tier.A, day[:7], d, D("2027-01-04"))
    assert c.burst_start == d and d.weekday() not in policy.burst_weekdays
    assert "pinned" in c.reasons[0]


def test_requested_date_checked_against_the_lead(policy):
    c = choose_burst_start(policy, Tier.S, "2027-11", D("2027-11-11"), D("2027-09-01"))
    assert c.burst_start is None and any("before" in r for r in c.reasons)
    assert choose_burst_start(policy, Tier.S, "2027-11", D("2027-11-11"), D("2027-07-01")).burst_start == D("2027-11-11")
    late = choose_burst_start(policy, Tier.A, "2027-09", D("2027-09-07"), D("2027-09-01"))
    assert late.burst_start is None


def test_c_runs_when_the_line_decides(policy):
    assert choose_burst_start(policy, Tier.C, "2027-09", D("2027-09-18"), D("2027-09-01")).burst_start == D("2027-09-18")
    c = choose_burst_start(policy, Tier.C, "2027-09", None, D("2027-09-03"))
    assert c.burst_start == D("2027-09-03") and c.phases == []  # no lead, any working day: today, a Friday
    assert choose_burst_start(policy, Tier.C, "2027-09", None, D("2027-09-04")).burst_start == D("2027-09-06")


def test_month_with_no_possible_date_says_why(policy):
    c = choose_burst_start(policy, Tier.A, "2027-09", None, D("2027-09-25"))
    assert c.burst_start is None and "Tue/Wed/Mon" in c.reasons[0] and "2027-09" in c.reasons[0]


@settings(max_examples=300, deadline=None)
@given(
    tier=st.sampled_from([Tier.S, Tier.A, Tier.B]),
    month=st.integers(1, 12),
    today=st.dates(date(2026, 6, 1), date(2027, 12, 31)),
    hot=st.booleans(),
)
def test_picked_bursts_respect_every_rule(tier, month, today, hot):
    m = f"2027-{month:02d}"
    c = choose_burst_start(POLICY, tier, m, None, today, hot_topic=hot)
    if c.burst_start is None:
        assert c.reasons and c.phases == []
        return
    b = c.burst_start
    rule = POLICY.rule(tier)
    assert b.strftime("%Y-%m") == m and b.weekday() in (0, 1, 2)
    assert all(not is_day_off(POLICY, b + timedelta(days=i)) for i in range(rule.burst_days))
    warm = b - timedelta(days=rule.warmup_days)
    assert warm >= earliest_warmup(POLICY, tier, today, hot)
    if tier == Tier.S and not hot:
        assert warm >= add_months(today, 3) and (warm - today).days >= rule.min_lead_days
    # preference: no earlier-preferred weekday in the month would also have worked
    pref = POLICY.burst_weekdays
    for w in pref[: pref.index(b.weekday())]:
        d = date(2027, month, 1)
        while d.month == month:
            if d.weekday() == w and d - timedelta(days=rule.warmup_days) >= earliest_warmup(POLICY, tier, today, hot):
                assert any(is_day_off(POLICY, d + timedelta(days=i)) for i in range(rule.burst_days))
            d += timedelta(days=1)


# --- instants ------------------------------------------------------------------------------------

def test_phase_start_instant_is_policy_midnight_in_utc(policy):
    t = phase_start_instant(policy, D("2027-09-14"))
    assert t == datetime(2027, 9, 13, 16, 0, tzinfo=UTC) and t.tzinfo == UTC
    utc = Policy.for_year(2027, {"utc_offset_hours": 0})
    assert phase_start_instant(utc, D("2027-09-14")) == datetime(2027, 9, 14, tzinfo=UTC)


def test_add_months_clamps():
    assert add_months(D("2027-11-30"), 3) == D("2028-02-29")
    assert add_months(D("2027-01-31"), 1) == D("2027-02-28")
    assert add_months(D("2027-06-15"), 0) == D("2027-06-15")


def test_lead_in_calendar_months_counts_on_its_own():
    p = Policy.for_year(2027, {"tiers": {"S": {"min_lead_days": 0, "min_lead_months": 3}}})
    c = choose_burst_start(p, Tier.S, "2027-11", None, D("2027-08-10"))
    assert c.phases[0].start >= D("2027-11-10") and c.burst_start == D("2027-11-29")


def test_local_date_is_the_day_in_the_policy_time_zone(policy):
    from datetime import datetime

    from domain.dates import local_date, phase_start_instant

    late_utc = datetime(2027, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in UTC+8
    assert local_date(policy, late_utc) == date(2027, 3, 2)
    assert local_date(policy, phase_start_instant(policy, date(2027, 5, 4))) == date(2027, 5, 4)


# --- S bursts cover 618 and Double 11 ----------------------------------------------------------

SUPPORTED_YEARS = sorted(CHINA_DAYS_OFF)  # the years the policy knows the days off of


@pytest.mark.parametrize("year", SUPPORTED_YEARS)
@pytest.mark.parametrize("month,day", [(11, 11), (6, 18)])
def test_engine_chosen_s_burst_rides_the_festival_every_year(year, month, day):
    """The playbook's S months ride their festival: an S picked in the month of Double 11 or
    618 covers the day whenever the lead allows it, whatever weekday the festival falls on
    (2028-11-11 is a Saturday: a start of 11-06 used to miss it)."""
    policy = Policy.for_year(year)
    c = choose_burst_start(policy, Tier.S, f"{year}-{month:02d}", None, D(f"{year - 1}-12-01"))
    assert c.burst_start is not None
    burst = next(p for p in c.phases if p.phase == PhaseName.BURST)
    festival = date(year, month, day)
    assert burst.start <= festival < burst.end, (c.burst_start, c.reasons)
    # and it keeps what it can of the date rules: a preferred weekday or the festival itself
    assert c.burst_start.weekday() in policy.burst_weekdays or c.burst_start == festival
    # no other choice covering the festival has fewer days off beside the festival day
    off = [x for x in (burst.start + timedelta(days=i) for i in range(5)) if is_day_off(policy, x) and x != festival]
    for k in range(5):
        other = festival - timedelta(days=k)
        if other.month == month and (other.weekday() in policy.burst_weekdays or other == festival):
            other_off = [x for x in (other + timedelta(days=i) for i in range(5))
                         if is_day_off(policy, x) and x != festival]
            assert len(off) <= len(other_off), (c.burst_start, other)


def test_2028_double_11_on_a_saturday_is_ridden():
    c = choose_burst_start(Policy.for_year(2028), Tier.S, "2028-11", None, D("2027-12-01"))
    assert c.burst_start == D("2028-11-07")  # Tue-Sat, the Saturday being Double 11 itself
    assert "covering double_11" in c.reasons[0]


def test_s_festival_ridden_only_when_the_lead_allows(policy):
    # too late for any start covering Double 11 2027 (Thu): the engine says no date, not a random one
    c = choose_burst_start(policy, Tier.S, "2027-11", None, D("2027-09-01"))
    assert c.burst_start is None


# --- a requested S burst is judged on every day, as the picker judges ----------------------------

@pytest.mark.parametrize("day", ["2027-09-07", "2027-09-08", "2027-09-14", "2027-09-13", "2027-09-21", "2027-09-27", "2027-09-28"])
def test_requested_s_burst_over_a_weekend_or_holiday_refused(policy, day):
    """Tue/Wed starts run the 5-day S burst into a weekend; Mon 09-13 into Mid-Autumn (Wed 09-15), Mon 09-27 into National Day (Fri 10-01)."""
    c = choose_burst_start(policy, Tier.S, "2027-09", D(day), D("2027-01-04"))
    assert c.burst_start is None
    assert "runs over a weekend or a public holiday" in c.reasons[0]


@pytest.mark.parametrize("day", ["2027-09-06", "2027-09-20"])
def test_requested_s_burst_on_working_days_accepted(policy, day):
    c = choose_burst_start(policy, Tier.S, "2027-09", D(day), D("2027-01-04"))
    assert c.burst_start == D(day)


def test_requested_s_start_is_what_the_picker_would_accept(policy):
    """Every start of every month of the year: a requested S start is accepted exactly when
    it is a start the picker could pick (lead met, no clash)."""
    today = D("2026-06-01")
    for m in range(1, 13):
        month = f"2027-{m:02d}"
        pickable = set(free_days(policy, Tier.S, month, today))
        for d in month_days(month):
            if pinned_festival(policy, d):
                continue  # a start pinned to a festival is allowed whatever its weekday and days
            accepted = choose_burst_start(policy, Tier.S, month, d, today).burst_start is not None
            assert accepted == (d in pickable), (d, accepted)


# --- bursts spread within a month -------------------------------------------------------------

def _b(cid, tier, start, days):
    return Burst(campaign_id=cid, tier=tier, start=D(start), end=D(start) + timedelta(days=days))


def test_a_b_burst_avoids_the_days_already_taken(policy):
    today = D("2027-06-01")
    taken = [_b("a-1", Tier.A, "2027-09-07", 3)]
    c = choose_burst_start(policy, Tier.B, "2027-09", None, today, taken=taken)
    assert c.burst_start not in taken[0].days and c.burst_start == D("2027-09-14")
    taken.append(_b("b-1", Tier.B, "2027-09-14", 1))
    assert choose_burst_start(policy, Tier.B, "2027-09", None, today, taken=taken).burst_start == D("2027-09-21")


def test_the_example_four_bursts_of_a_month_get_four_days(policy):
    today = D("2027-06-01")
    taken: list[Burst] = []
    for i, tier in enumerate([Tier.A, Tier.B, Tier.B, Tier.B]):
        c = choose_burst_start(policy, tier, "2027-09", None, today, taken=taken)
        taken.append(_b(f"c-{i}", tier, str(c.burst_start), policy.rule(tier).burst_days))
    days = [d for b in taken for d in b.days]
    assert len(days) == len(set(days)), taken


def test_b_bursts_share_only_when_no_day_is_free_and_never_an_a_burst():
    # only two allowed days in the month: Sep 7 (Tue) and Sep 14 (Tue)
    off = [D(f"2027-09-{d:02d}") for d in range(1, 31) if d not in (7, 14)]
    p = Policy.for_year(2027, {"holidays": off})
    today = D("2027-06-01")
    taken = [_b("a-1", Tier.A, "2027-09-07", 1), _b("b-1", Tier.B, "2027-09-14", 1)]
    c = choose_burst_start(p, Tier.B, "2027-09", None, today, taken=taken)
    assert c.burst_start == D("2027-09-14") and "no free day" in c.reasons[0]
    a = choose_burst_start(p, Tier.A, "2027-09", None, today, taken=[_b("a-1", Tier.A, "2027-09-07", 1)])
    assert a.burst_start is None or a.burst_start not in (D("2027-09-07"),)


def test_a_requested_date_that_clashes_is_refused_with_the_free_days(policy):
    today = D("2027-06-01")
    taken = [_b("a-1", Tier.A, "2027-09-07", 3)]
    c = choose_burst_start(policy, Tier.B, "2027-09", D("2027-09-08"), today, taken=taken)
    assert c.burst_start is None
    assert "a-1" in c.reasons[0] and "never shares" in c.reasons[0]
    assert "free burst days in 2027-09: 2027-09-14" in c.reasons[1]
    b = choose_burst_start(policy, Tier.B, "2027-09", D("2027-09-14"), today, taken=[*taken, _b("b", Tier.B, "2027-09-14", 1)])
    assert b.burst_start is None and "shares the day" in b.reasons[0]


def test_c_ignores_other_bursts(policy):
    taken = [_b("a-1", Tier.A, "2027-09-01", 3)]
    assert choose_burst_start(policy, Tier.C, "2027-09", None, D("2027-06-01"), taken=taken).burst_start == D("2027-09-01")


@settings(max_examples=60, deadline=None)
@given(year=st.integers(2025, 2030), m=st.integers(1, 12), n=st.integers(1, 6))
def test_picked_bursts_never_share_a_day_while_one_is_free(year, m, n):
    p = Policy.for_year(year)
    month = f"{year}-{m:02d}"
    today = D(f"{year - 1}-06-01")
    taken: list[Burst] = []
    tiers = [Tier.A] + [Tier.B] * (n - 1)
    for i, tier in enumerate(tiers):
        free_before = free_days(p, tier, month, today, taken=taken)
        c = choose_burst_start(p, tier, month, None, today, taken=taken)
        if c.burst_start is None:
            continue
        days = {c.burst_start + timedelta(days=k) for k in range(p.rule(tier).burst_days)}
        clash = [b for b in taken if b.days & days]
        assert not any(b.exclusive for b in clash) and not (tier == Tier.A and clash)
        if free_before:
            assert not clash
        taken.append(Burst(campaign_id=f"c{i}", tier=tier, start=c.burst_start,
                           end=c.burst_start + timedelta(days=p.rule(tier).burst_days)))

import pytest

from domain.balancing import (
    BalancingRequest,
    CalendarEntry,
    YearCalendar,
    apply,
    balance,
    budget,
    month_load,
)
from domain.policy import Policy
from domain.tiers import Tier

YEAR = 2027


def entry(cid, month, tier, category="x", hot_topic=False, policy=None):
    days = (policy or Policy.for_year(YEAR)).rule(Tier(tier)).counted_days
    return CalendarEntry(campaign_id=cid, month=month, tier=tier, category=category, counted_days=days,
                         hot_topic=hot_topic)


def cal(*entries):
    return YearCalendar(year=YEAR, entries=list(entries))


def req(cid, month, tier, category="food", **kw):
    return BalancingRequest(campaign_id=cid, month=month, tier=tier, category=category, **kw)


# --- C -----------------------------------------------------------------------------------

def test_c_is_always_accepted_and_counts_nothing(policy):
    s_month = cal(entry("s1", "2027-09", "S", "x"), entry("c0", "2027-09", "C", "x"))
    d = balance(policy, s_month, req("c1", "2027-09", "C", category="x"))
    assert d.accepted and d.counted_days == 0 and d.displaced == []
    tight = Policy.for_year(YEAR, {"yearly_budget_days": 0, "hot_topic_reserve_days": 0})
    assert balance(tight, cal(), req("c2", "2027-02", "C")).accepted


# --- S -----------------------------------------------------------------------------------

def test_s_at_most_max_per_year(policy):
    c = cal(entry("s1", "2027-06", "S"), entry("s2", "2027-09", "S"), entry("s3", "2027-11", "S"))
    d = balance(policy, c, req("s4", "2027-03", "S", s_half_override=True))
    assert not d.accepted
    assert any("3 S campaigns (cap 3 a year)" in r for r in d.reasons)
    assert d.alternatives == []  # no month of the year can take a 4th S
    assert balance(policy, cal(*c.entries[:2]), req("s4", "2027-11", "S")).accepted


# --- S per half-year: "twice a year: one in each half; three times: add one in the second half"

def test_a_second_s_in_the_first_half_is_refused_naming_the_rule(policy):
    c = cal(entry("s1", "2027-03", "S"))
    d = balance(policy, c, req("s2", "2027-06", "S"))
    assert not d.accepted
    assert any(r.startswith("s_half_year: the first half of 2027 already holds 1 S campaign (at most 1") for r in d.reasons)
    assert all(m[5:] > "06" for m in d.alternatives)  # the months offered are in the second half


def test_a_third_s_may_go_in_the_second_half_only(policy):
    c = cal(entry("s1", "2027-03", "S"), entry("s2", "2027-09", "S"))
    assert balance(policy, c, req("s3", "2027-11", "S")).accepted
    assert not balance(policy, c, req("s3", "2027-05", "S")).accepted
    c3 = cal(entry("s1", "2027-09", "S"), entry("s2", "2027-11", "S"))
    d = balance(policy, c3, req("s3", "2027-07", "S"))
    assert not d.accepted and any("second half of 2027 already holds 2 S campaigns (at most 2" in r for r in d.reasons)


def test_a_leaders_override_lets_an_s_past_its_half(policy):
    c = cal(entry("s1", "2027-03", "S"))
    assert balance(policy, c, req("s2", "2027-06", "S", s_half_override=True)).accepted


def test_s_per_half_comes_from_the_policy():
    p = Policy.for_year(YEAR, {"s_per_half": {"first": 2}})
    assert balance(p, cal(entry("s1", "2027-03", "S")), req("s2", "2027-06", "S")).accepted


def test_s_per_half_judged_on_the_year_totals_of_a_window(policy):
    """Under the lock the reservation sees three months and the year's totals: the half's
    count comes from the totals, not from the window's entries."""
    window = cal().with_totals(21, 1, (1, 0))
    d = balance(policy, window, req("s2", "2027-06", "S"), with_alternatives=False)
    assert not d.accepted and any(r.startswith("s_half_year") for r in d.reasons)


def test_one_s_per_month(policy):
    d = balance(policy, cal(entry("s1", "2027-11", "S")), req("s2", "2027-11", "S", category="cross_border"))
    assert not d.accepted and any("1 S campaign (cap 1 a month)" in r for r in d.reasons)
    assert d.alternatives and "2027-11" not in d.alternatives


def test_s_displaces_a_and_b_but_not_c(policy):
    c = cal(entry("a1", "2027-11", "A", "apparel"), entry("b1", "2027-11", "B", "beauty"),
            entry("c1", "2027-11", "C", "toys"), entry("a2", "2027-10", "A", "food"))
    d = balance(policy, c, req("s1", "2027-11", "S", category="cross_border"))
    assert d.accepted and sorted(d.displaced) == ["a1", "b1"] and d.counted_days == 21
    after = apply(c, req("s1", "2027-11", "S", category="cross_border"), d)
    assert month_load(after, "2027-11") == {Tier.S: 1, Tier.A: 0, Tier.B: 0, Tier.C: 1}
    assert "a2" in {e.campaign_id for e in after.entries}


def test_s_budget_counts_without_the_displaced(policy):
    # planned limit 150 - 12 = 138; 115 other days + 8 in November: 123 + 21 > 138, but 115 + 21 <= 138
    filler = [entry(f"f{i}", "2027-05", "B", f"c{i}") for i in range(115)]  # a given calendar, caps aside
    c = cal(*filler, entry("a1", "2027-11", "A", "apparel"), entry("b1", "2027-11", "B", "beauty"))
    assert budget(policy, c).used == 123
    d = balance(policy, c, req("s1", "2027-11", "S"))
    assert d.accepted and sorted(d.displaced) == ["a1", "b1"]
    # the same S in a month without anything to displace does not fit
    d2 = balance(policy, c, req("s1", "2027-12", "S"))
    assert not d2.accepted and any("123 of 150" in r and "needs 21" in r for r in d2.reasons)
    assert d2.alternatives == ["2027-05", "2027-11"]  # both free their days by displacement; May is in season


# --- S-month exclusivity, A, B ---------------------------------------------------------

@pytest.mark.parametrize("tier", ["A", "B"])
@pytest.mark.parametrize("hot", [False, True])
def test_no_a_or_b_beside_an_s(policy, tier, hot):
    d = balance(policy, cal(entry("s1", "2027-06", "S")), req("x", "2027-06", tier, hot_topic=hot))
    assert not d.accepted
    assert any("S-month exclusivity" in r and "s1" in r for r in d.reasons)


def test_a_cap_per_month_and_override(policy):
    c = cal(entry("a1", "2027-09", "A", "apparel"))
    d = balance(policy, c, req("a2", "2027-09", "A"))
    assert not d.accepted and "2027-09 already holds 1 A campaign (cap 1)" in d.reasons
    d = balance(policy, c, req("a2", "2027-09", "A", a_override=True))
    assert d.accepted
    c2 = cal(*c.entries, entry("a2", "2027-09", "A", "beauty"))
    d = balance(policy, c2, req("a3", "2027-09", "A", a_override=True))
    assert not d.accepted and "2027-09 already holds 2 A campaigns (cap 2)" in d.reasons


def test_no_a_in_spring_festival_month(policy):
    assert policy.is_spring_festival_month("2027-02")
    d = balance(policy, cal(), req("a1", "2027-02", "A", category="fmcg"))
    assert not d.accepted and any("Spring Festival month" in r for r in d.reasons)
    assert "2027-02" not in d.alternatives
    assert balance(policy, cal(), req("b1", "2027-02", "B", category="fmcg")).accepted
    # 2028's Spring Festival is in January
    p28 = Policy.for_year(2028)
    cal28 = YearCalendar(year=2028)
    assert not balance(p28, cal28, req("a1", "2028-01", "A")).accepted
    assert balance(p28, cal28, req("a1", "2028-02", "A")).accepted


def test_b_cap_per_month(policy):
    c = cal(*(entry(f"b{i}", "2027-04", "B", f"c{i}") for i in range(3)))
    d = balance(policy, c, req("b9", "2027-04", "B"))
    assert not d.accepted and "2027-04 already holds 3 B campaigns (cap 3)" in d.reasons
    assert balance(policy, cal(*c.entries[:2]), req("b9", "2027-04", "B")).accepted


def test_category_rotation(policy):
    c = cal(entry("b1", "2027-05", "B", "food"), entry("c1", "2027-05", "C", "beauty"))
    d = balance(policy, c, req("a1", "2027-05", "A", category="food"))
    assert not d.accepted and any("category food already runs in 2027-05 (b1)" in r for r in d.reasons)
    assert balance(policy, c, req("a1", "2027-05", "A", category="food", category_reason="517 food festival")).accepted
    assert balance(policy, c, req("a1", "2027-05", "A", category="beauty")).accepted  # C does not count


def test_request_already_in_the_calendar_is_ignored(policy):
    c = cal(entry("a1", "2027-09", "A", "food"))
    d = balance(policy, c, req("a1", "2027-09", "A", category="food"))
    assert d.accepted  # its own reservation does not fill the cap nor clash with its category
    assert apply(c, req("a1", "2027-09", "A", category="food"), d).entries == c.entries


def test_month_outside_the_calendar_year(policy):
    d = balance(policy, cal(), req("a1", "2028-03", "A"))
    assert not d.accepted and "2028-03 is not in the calendar year 2027" in d.reasons


# --- budget ------------------------------------------------------------------------------

def _place(policy, c, r):
    d = balance(policy, c, r)
    return apply(c, r, d), d


def _playbook_requests():
    """3 S + 9 A + 27 B spread over the year (one A month uses the override), categories rotated."""
    s_months = [6, 9, 11]  # one in the first half, two in the second (policy s_per_half)
    other = [m for m in range(1, 13) if m not in s_months]
    a_months = [m for m in other if m != 2] + [10]  # 8 months + a second A in October
    out = [req(f"s{m}", f"2027-{m:02d}", "S", category="all") for m in s_months]
    out += [req(f"a{i}", f"2027-{m:02d}", "A", category=f"a-cat{i}", a_override=True) for i, m in enumerate(a_months)]
    out += [req(f"b{m}-{k}", f"2027-{m:02d}", "B", category=f"b-cat{k}") for m in other for k in range(3)]
    return out


def test_playbook_153_days_are_refused_past_150():
    p = Policy.for_year(YEAR, {"hot_topic_reserve_days": 0})
    c = cal()
    refused = []
    for r in _playbook_requests():
        c, d = _place(p, c, r)
        if not d.accepted:
            refused.append((r.campaign_id, d))
    assert budget(p, c).used == 150  # 63 + 63 + 24
    assert len(refused) == 3 and all(x[0].startswith("b") for x in refused)
    assert all(any("150 of 150" in s for s in d.reasons) for _, d in refused)


def test_planned_stop_at_budget_minus_reserve_hot_topics_use_the_reserve(policy):
    c = cal()
    for r in _playbook_requests():
        c, _ = _place(policy, c, r)
    b = budget(policy, c)
    assert b.used == 138 and b.left_for_planned == 0 and b.left == 12 and b.reserve == 12
    planned = balance(policy, c, req("late", "2027-12", "C"))
    assert planned.accepted  # C never counts
    d = balance(policy, c, req("late-b", "2027-04", "B", category="new"))
    assert not d.accepted and any("planned campaigns may use 138" in r for r in d.reasons)
    # a hot topic may draw on the reserve (if the month has room) ...
    c = c.without({"b4-0"})
    c, d = _place(policy, c, req("heat-wave", "2027-04", "B", category="summer", hot_topic=True))
    assert d.accepted and budget(policy, c).used == 138
    # ... up to the whole budget
    hot = Policy.for_year(YEAR, {"tiers": {"B": {"max_per_month": 20}}})
    for i in range(12):
        c, d = _place(hot, c, req(f"hot{i}", "2027-05", "B", category=f"h{i}", hot_topic=True))
        assert d.accepted
    assert budget(hot, c).used == 150
    c, d = _place(hot, c, req("hot-x", "2027-05", "B", category="hx", hot_topic=True))
    assert not d.accepted and any("150 of 150" in r for r in d.reasons)


def test_budget_summary(policy):
    c = cal(entry("s1", "2027-11", "S"), entry("a1", "2027-09", "A"), entry("b1", "2027-04", "B"),
            entry("c1", "2027-04", "C"))
    assert budget(policy, c).model_dump() == dict(year=2027, cap=150, used=29, reserve=12, left=121,
                                                  left_for_planned=109)


# --- alternatives ------------------------------------------------------------------------

def test_alternatives_in_season_first_then_nearest_earlier_on_ties():
    p = Policy.for_year(YEAR, {"max_alternatives": 6})
    assert set(p.category_seasons["food"]) == {5, 6, 9}
    c = cal(entry("a-sep", "2027-09", "A", "apparel"), entry("s-nov", "2027-11", "S"))
    d = balance(p, c, req("a1", "2027-09", "A", category="food"))
    assert not d.accepted
    # season: 06 (3 away), 05 (4 away); then 08 and 10 (1 away, earlier first), 07 (2 away); 11 holds an S
    assert d.alternatives == ["2027-06", "2027-05", "2027-08", "2027-10", "2027-07", "2027-12"]


def test_alternatives_capped_by_policy(policy):
    d = balance(policy, cal(entry("a-sep", "2027-09", "A", "apparel")), req("a1", "2027-09", "A"))
    assert len(d.alternatives) == policy.max_alternatives == 3
    assert d.alternatives == ["2027-06", "2027-05", "2027-08"]


def test_alternatives_respect_earliest_month(policy):
    d = balance(policy, cal(entry("a-sep", "2027-09", "A", "apparel")), req("a1", "2027-09", "A"),
                earliest_month="2027-08")
    assert d.alternatives == ["2027-08", "2027-10", "2027-11"]


def test_alternatives_would_each_be_accepted(policy):
    c = cal(entry("a-sep", "2027-09", "A", "apparel"), entry("s-jun", "2027-06", "S"))
    r = req("a1", "2027-09", "A", category="food")
    d = balance(policy, c, r)
    assert "2027-06" not in d.alternatives and "2027-02" not in d.alternatives
    for m in d.alternatives:
        assert balance(policy, c, r.model_copy(update={"month": m})).accepted


def test_month_load_counts_every_tier():
    c = cal(entry("a1", "2027-09", "A"), entry("b1", "2027-09", "B"), entry("b2", "2027-09", "B"),
            entry("b3", "2027-10", "B"))
    assert month_load(c, "2027-09") == {Tier.S: 0, Tier.A: 1, Tier.B: 2, Tier.C: 0}


def test_alternatives_leave_out_months_where_the_dates_cannot_fit(policy):
    from domain.balancing import BalancingRequest, CalendarEntry, YearCalendar, balance
    from domain.tiers import Tier

    cal = YearCalendar(year=2027, entries=[
        CalendarEntry(campaign_id="a1", month="2027-05", tier=Tier.A, category="food", counted_days=7)])
    req = BalancingRequest(campaign_id="a2", month="2027-05", tier=Tier.A, category="beauty")
    every = balance(policy, cal, req).alternatives
    assert every
    fitting = balance(policy, cal, req, month_fits=lambda m: m != every[0]).alternatives
    assert every[0] not in fitting and fitting


def test_an_s_cannot_displace_a_campaign_already_running(policy):
    from domain.balancing import BalancingRequest, CalendarEntry, YearCalendar, balance
    from domain.tiers import Tier

    def cal(started: bool) -> YearCalendar:
        return YearCalendar(year=2027, entries=[CalendarEntry(
            campaign_id="b1", month="2027-07", tier=Tier.B, category="food", counted_days=1, started=started)])
    s = BalancingRequest(campaign_id="s1", month="2027-07", tier=Tier.S, category="apparel")
    assert balance(policy, cal(False), s).displaced == ["b1"]
    refused = balance(policy, cal(True), s)
    assert not refused.accepted and any("already running" in r for r in refused.reasons)


# --- S months are the months its burst days touch ----------------------------------------------
from datetime import date  # noqa: E402


def s_entry(cid, month, start, end):
    return CalendarEntry(campaign_id=cid, month=month, tier=Tier.S, category="x", counted_days=21,
                         burst_start=date.fromisoformat(start), burst_end=date.fromisoformat(end))


def test_an_s_burst_running_into_the_next_month_closes_it(policy):
    late_nov = s_entry("s1", "2027-11", "2027-11-29", "2027-12-04")  # Mon 29 Nov .. Fri 3 Dec
    assert late_nov.months == ["2027-11", "2027-12"]
    d = balance(policy, cal(late_nov), req("a1", "2027-12", "A", category="apparel"))
    assert not d.accepted and any("S month of s1" in r and "2027-12" in r for r in d.reasons)
    b = balance(policy, cal(late_nov), req("b1", "2027-12", "B", category="apparel"))
    assert not b.accepted
    # an S within November leaves December open
    assert balance(policy, cal(s_entry("s2", "2027-11", "2027-11-08", "2027-11-13")),
                   req("a1", "2027-12", "A", category="apparel")).accepted


def test_an_s_whose_burst_runs_into_the_next_month_displaces_that_months_a_and_b(policy):
    c = cal(entry("a-dec", "2027-12", "A", "apparel"), entry("b-nov", "2027-11", "B", "beauty"),
            entry("a-oct", "2027-10", "A", "food"))
    r = req("s1", "2027-11", "S", category="cross_border",
            burst_start=date(2027, 11, 29), burst_end=date(2027, 12, 4))
    d = balance(policy, c, r)
    assert d.accepted and sorted(d.displaced) == ["a-dec", "b-nov"]
    after = apply(c, r, d)
    assert not balance(policy, after, req("b2", "2027-12", "B", category="toys")).accepted


def test_a_second_s_may_not_take_a_month_an_s_burst_already_touches(policy):
    late_nov = s_entry("s1", "2027-11", "2027-11-29", "2027-12-04")
    d = balance(policy, cal(late_nov), req("s2", "2027-12", "S", category="food",
                                           burst_start=date(2027, 12, 13), burst_end=date(2027, 12, 18)))
    assert not d.accepted and any("2027-12 already holds 1 S campaign" in r for r in d.reasons)


def test_a_december_s_whose_burst_crosses_the_year_counts_once(policy):
    dec = s_entry("s-dec", "2027-12", "2027-12-27", "2028-01-01")
    assert dec.months == ["2027-12"]  # Dec 27..31: still December
    crossing = s_entry("s-x", "2027-12", "2027-12-30", "2028-01-04")
    assert crossing.months == ["2027-12", "2028-01"]
    assert budget(policy, cal(crossing)).used == 21


def test_alternatives_judge_an_s_on_the_months_its_burst_would_touch(policy):
    c = cal(entry("a-dec", "2027-12", "A", "apparel", policy=policy))
    c = YearCalendar(year=YEAR, entries=[*c.entries, CalendarEntry(
        campaign_id="a-dec-run", month="2027-12", tier=Tier.A, category="toys", counted_days=7, started=True)])
    blocked = cal(s_entry("s0", "2027-09", "2027-09-06", "2027-09-11"))
    r = req("s1", "2027-09", "S", category="cross_border")

    def burst_for(m):  # November's burst would run into December, where an A already runs
        return (date(2027, 11, 29), date(2027, 12, 4)) if m == "2027-11" else (
            date.fromisoformat(f"{m}-06"), date.fromisoformat(f"{m}-11"))

    cal2 = YearCalendar(year=YEAR, entries=[*blocked.entries, *c.entries])
    d = balance(policy, cal2, r, burst_for=burst_for)
    assert not d.accepted and "2027-11" not in d.alternatives


def test_an_accepted_s_says_which_half_year_rule_held(policy):
    d = balance(policy, cal(entry("s1", "2027-09", "S")), req("s2", "2027-11", "S"))
    assert d.accepted and "s_half_year held: the second half of 2027 holds 2 S with this one (at most 2)" in d.reasons
    o = balance(policy, cal(entry("s1", "2027-03", "S")), req("s2", "2027-06", "S", s_half_override=True))
    assert o.accepted and any(r.startswith("s_half_year overridden by a leader") for r in o.reasons)

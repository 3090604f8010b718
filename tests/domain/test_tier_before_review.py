"""A burst day asked for at submission, before the review proposes a tier, is judged as the
requested tier, else as `TIER_BEFORE_REVIEW` (a B): the rule stated once in domain/dates.py,
not a default hidden in a route."""

from __future__ import annotations

from datetime import date

from domain.dates import TIER_BEFORE_REVIEW, choose_burst_start, requested_burst_problems
from domain.policy import Policy
from domain.tiers import Tier

POLICY = Policy.for_year(2027)
TODAY = date(2027, 1, 4)
SATURDAY = date(2027, 3, 13)
TUESDAY = date(2027, 3, 9)


def test_no_requested_tier_is_judged_as_a_b():
    assert TIER_BEFORE_REVIEW == Tier.B
    as_b = choose_burst_start(POLICY, Tier.B, "2027-03", SATURDAY, TODAY).reasons
    assert requested_burst_problems(POLICY, None, "2027-03", SATURDAY, TODAY) == list(as_b)
    assert any("is a Sat" in p for p in as_b)


def test_a_requested_tier_is_judged_as_itself():
    # a C books nothing and may start on a Saturday; the same day without a tier is refused
    assert requested_burst_problems(POLICY, Tier.C, "2027-03", SATURDAY, TODAY) == []
    assert requested_burst_problems(POLICY, None, "2027-03", SATURDAY, TODAY) != []
    assert requested_burst_problems(POLICY, None, "2027-03", TUESDAY, TODAY) == []

"""The marketing budget in the balancing rules (DOMAIN.md "Money"): a campaign's promotion
cost is judged against the year's budget like its counted days (planned campaigns leave the
hot-topic reserve, a hot topic may use it, what an S displaces frees its money, C is not
checked); the calendar's money summary; an amendment that raises the cost is material; the
plan's settings carry the marketing budget into the policy overrides."""

from __future__ import annotations

import pytest

from domain.amend import AmendChanges, amend_request
from domain.balancing import (
    MARKETING_BUDGET,
    BalancingRequest,
    CalendarEntry,
    YearCalendar,
    apply,
    balance,
    money_summary,
)
from domain.money import Mechanic
from domain.planning.model import PlanInput, PlanInputError, Settings, check_input
from domain.planning.season import policy_overrides
from domain.policy import Policy
from domain.tiers import Tier
from tests.domain.domain_helpers import make_request

YEAR = 2027
M = 1_000_000
# days and caps out of the way: only the money decides
ROOMY = {"yearly_budget_days": 10_000, "hot_topic_reserve_days": 0, "tiers": {"B": {"max_per_month": 1000}}}
MONEY = Policy.for_year(YEAR, {**ROOMY, "marketing_budget": 10 * M, "hot_topic_reserve_money": 2 * M})


def entry(cid: str, month: str, tier: str, cost: float, category: str = "x") -> CalendarEntry:
    return CalendarEntry(campaign_id=cid, month=month, tier=Tier(tier), category=category,
                         counted_days=MONEY.rule(Tier(tier)).counted_days, cost=cost)


def req(cid: str, month: str, tier: str, cost: float, **kw) -> BalancingRequest:
    return BalancingRequest(campaign_id=cid, month=month, tier=Tier(tier), category=kw.pop("category", cid),
                            cost=cost, **kw)


def test_a_cost_that_does_not_fit_is_refused_marketing_budget_naming_used_budget_and_cost():
    cal = YearCalendar(year=YEAR, entries=[entry("b1", "2027-03", "B", 4 * M), entry("b2", "2027-05", "B", 3 * M)])
    d = balance(MONEY, cal, req("b3", "2027-07", "B", 1.5 * M))
    assert not d.accepted
    assert d.alternatives == []  # the budget is the year's: no other month fits either
    (why,) = d.reasons
    assert why.startswith(f"{MARKETING_BUDGET}: 7,000,000 of 10,000,000 used, this B costs 1,500,000")
    assert "planned campaigns may use 8,000,000, 2,000,000 are kept for hot topics" in why
    assert balance(MONEY, cal, req("b4", "2027-07", "B", 1 * M)).accepted  # exactly the limit fits


def test_a_hot_topic_may_use_the_reserve_and_no_more():
    cal = YearCalendar(year=YEAR, entries=[entry("b1", "2027-03", "B", 7 * M)])
    assert balance(MONEY, cal, req("h1", "2027-07", "B", 3 * M, hot_topic=True)).accepted
    refused = balance(MONEY, cal, req("h2", "2027-07", "B", 3.5 * M, hot_topic=True))
    assert not refused.accepted and "a hot topic may use the whole budget" in refused.reasons[0]


def test_unlimited_budget_and_c_are_not_checked():
    unlimited = Policy.for_year(YEAR, ROOMY)
    cal = YearCalendar(year=YEAR, entries=[entry("b1", "2027-03", "B", 9 * M)])
    assert balance(unlimited, cal, req("b2", "2027-07", "B", 1e12)).accepted
    assert balance(MONEY, cal, req("c1", "2027-07", "C", 5 * M)).accepted
    placed = apply(cal, req("c1", "2027-07", "C", 5 * M), balance(MONEY, cal, req("c1", "2027-07", "C", 5 * M)))
    assert money_summary(MONEY, placed).used == 9 * M  # C reserves no money


def test_what_an_s_displaces_frees_its_money_and_a_re_check_ignores_its_own_place():
    cal = YearCalendar(year=YEAR, entries=[entry("b1", "2027-09", "B", 6 * M), entry("a1", "2027-03", "A", 1 * M)])
    d = balance(MONEY, cal, req("s1", "2027-09", "S", 6 * M))
    assert d.accepted and d.displaced == ["b1"]
    assert balance(MONEY, cal, req("b1", "2027-09", "B", 7 * M)).accepted  # its own 6 M is not counted twice


def test_a_window_is_judged_on_the_years_money_and_skips_it_without_the_total():
    window = YearCalendar(year=YEAR, entries=[entry("b1", "2027-07", "B", 1 * M)])
    assert balance(MONEY, window.with_totals(10, 0, (0, 0)), req("b2", "2027-07", "B", 5 * M)).accepted
    full = balance(MONEY, window.with_totals(10, 0, (0, 0), used_money=7 * M), req("b2", "2027-07", "B", 5 * M))
    assert not full.accepted and full.reasons[0].startswith("marketing_budget: 7,000,000 of 10,000,000 used")


def test_the_money_summary():
    cal = YearCalendar(year=YEAR, entries=[entry("b1", "2027-03", "B", 4 * M), entry("old", "2026-12", "B", 9 * M)])
    assert money_summary(MONEY, cal).model_dump() == {"budget": 10 * M, "used": 4 * M, "left": 6 * M,
                                                      "reserve": 2 * M}
    unlimited = money_summary(Policy.for_year(YEAR), cal)
    assert (unlimited.budget, unlimited.used, unlimited.left, unlimited.reserve) == (None, 4 * M, None, 0)


def test_an_amendment_that_raises_the_cost_is_material_and_one_that_lowers_it_is_not():
    policy = Policy.for_year(YEAR)
    r = make_request(paid_traffic=1 * M)
    up = amend_request(policy, r, AmendChanges(paid_traffic=2 * M), Tier.A)
    assert up.material and any("a higher promotion cost (1,000,000 -> 2,000,000)" in x for x in up.reasons)
    deeper = amend_request(policy, r, AmendChanges(
        mechanics=[Mechanic(type="discount", depth=0.1, platform_share=0.5)]), Tier.A)
    assert deeper.material and deeper.request.money.cost > r.money.cost
    down = amend_request(policy, r, AmendChanges(paid_traffic=0.5 * M), Tier.A)
    assert not down.material
    # refused by the marketing budget: any other cost is judged again
    again = amend_request(policy, r, AmendChanges(paid_traffic=0.5 * M), Tier.A, refused_money=True)
    assert again.material and "another promotion cost (1,000,000 -> 500,000)" in again.reasons[0]


def test_the_plans_settings_carry_the_marketing_budget_into_the_policy_overrides():
    policy = Policy.for_year(YEAR)
    over = policy_overrides(Settings(marketing_budget=50 * M), policy)
    assert over == {"marketing_budget": 50 * M}
    assert Policy.for_year(YEAR, over).marketing_budget == 50 * M
    assert "marketing_budget" not in policy_overrides(Settings(), policy)
    reserved = Policy.for_year(YEAR, {"marketing_budget": 10 * M, "hot_topic_reserve_money": 3 * M})
    with pytest.raises(PlanInputError, match="marketing_budget"):
        check_input(PlanInput(year=YEAR, policy=reserved, intents=[], settings=Settings(marketing_budget=2 * M)))

"""For random intent sets (with and without merges, mechanics, a marketing budget, either
objective): every hard rule holds (independent checker, money included), one decision with
a reason per intent, and what the plan maximises is never below first come, first served
(score x counted days, or gross profit after promotion)."""

from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planner_checker import effective, plan_gross_profit, plan_money, plan_value, violations
from planner_gen import intent, plan_input

from domain.planning import Settings, plan
from domain.planning.baseline import first_come_first_served
from domain.tiers import Tier

S_MONTHS = [3, 6, 9, 12]  # three months apart: one S burst never closes another S's month
FESTIVALS = ["2027-06-18", "2027-11-11", "2027-12-12", "2027-11-26"]
MECHANICS = [None, [{"type": "discount", "depth": 0.1, "platform_share": 0.5}],
             [{"type": "spend_save", "depth": 0.12, "platform_share": 0.4, "threshold": 300, "off": 50},
              {"type": "coupon", "depth": 0.05, "platform_share": 1.0}],
             [{"type": "discount", "depth": 0.35, "platform_share": 0.6}]]  # under the floor at margins <= 0.35


@st.composite
def years(draw):
    n = draw(st.integers(1, 22))
    intents = []
    for k in range(n):
        first = draw(st.integers(1, 12))
        extra = draw(st.lists(st.integers(1, 12), max_size=2, unique=True))
        months = [first] + [m for m in extra if m != first]
        intents.append(intent(
            k, draw(st.integers(0, 5)), months, draw(st.sampled_from(["A", "A", "B", "B", None, "C", "S"])),
            draw(st.sampled_from([3e5, 1e6, 2.5e6, 8e6, 2e7])), draw(st.sampled_from([5e4, 2e5, 6e5, 3e6])),
            draw(st.sampled_from([0.1, 0.3, 0.5])),
            draw(st.one_of(st.none(), st.sampled_from(FESTIVALS))),
            draw(st.sampled_from(MECHANICS)), draw(st.sampled_from([None, 5e4, 4e5]))))
    s_count = draw(st.integers(0, min(2, n)))
    # leadership keeps the half-year rule (policy s_per_half: one S January-June)
    s_months = [m for m in draw(st.permutations(S_MONTHS)) if m > 6 or m == draw(st.sampled_from([3, 6]))][:s_count]
    s = {intents[k].request_id: f"2027-{m:02d}" for k, m in zip(range(s_count), s_months, strict=False)}
    budget = draw(st.sampled_from([None, 60, 90]))
    stt = Settings(budget=budget, reserve=None if budget is None else 6, merge=draw(st.booleans()),
                   marketing_budget=draw(st.sampled_from([None, 1.5e6, 5e6])),
                   objective=draw(st.sampled_from(["score_days", "gross_profit"])))
    order = draw(st.permutations(list(range(n))))
    return plan_input(intents, s, settings=stt), order


def _as_s(inp):
    """Leadership's S as placed decisions (tier S), for their cost."""
    return [SimpleNamespace(request_id=s.request_id, tier=Tier.S) for s in inp.s_fixed]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(years())
def test_every_solution_keeps_every_rule_and_beats_first_come_first_served(year):
    inp, order = year
    sol = plan(inp, time_limit=20)
    pol = effective(inp)
    if sol.summary.status == "infeasible":  # leadership's S alone cost more than the marketing budget allows
        s_cost = plan_money(inp, [d for d in _as_s(inp)])
        assert s_cost > pol.marketing_budget - pol.hot_topic_reserve_money, sol.summary.conflicts
        assert any(c.startswith("marketing_budget") for c in sol.summary.conflicts), sol.summary.conflicts
        return
    assert sol.summary.status == "optimal", sol.summary.conflicts
    assert violations(inp, sol.decisions, sol.summary.value, sol.summary) == []
    assert [d.request_id for d in sol.decisions] == [it.request_id for it in inp.intents]
    assert all(d.reason for d in sol.decisions)
    s = sol.summary
    assert s.placed + s.moved + s.downgraded + s.cut + s.merged == len(inp.intents)
    assert s.merged == 0 or inp.settings.merge
    s_ids = {s.request_id for s in inp.s_fixed}
    for arrival in (order, sorted(order, key=lambda i: inp.intents[i].request_id not in s_ids)):
        fcfs = first_come_first_served(inp, arrival)
        # a one-at-a-time year that refused a leadership S is no plan: compare only with valid years
        if violations(inp, fcfs) == []:
            if inp.settings.objective == "gross_profit":  # whole yuan in the model: half a yuan per intent
                assert sol.summary.value_gross_profit >= plan_gross_profit(inp, fcfs) - len(inp.intents)
            else:
                assert sol.summary.value >= plan_value(pol, fcfs) - 1e-6


def test_two_leadership_s_in_the_first_half_are_infeasible_naming_the_rule():
    """The planner keeps S to one per half-year unless the third is in the second half: two
    leadership S in March and June cannot both be planned, and the conflict says which rule."""
    intents = [intent(k, 0, [m], "S", 2e7, 3e6, 0.5, None) for k, m in enumerate((3, 6))]
    sol = plan(plan_input(intents, {intents[0].request_id: "2027-03", intents[1].request_id: "2027-06"}),
               time_limit=20)
    assert sol.summary.status == "infeasible"
    assert any(c.startswith("s_half_year") for c in sol.summary.conflicts)


def test_a_planned_s_says_which_half_year_rule_held():
    intents = [intent(k, 0, [m], "S", 2e7, 3e6, 0.5, None) for k, m in enumerate((6, 11))]
    sol = plan(plan_input(intents, {intents[0].request_id: "2027-06", intents[1].request_id: "2027-11"}),
               time_limit=20)
    reasons = {d.request_id: d.reason for d in sol.decisions}
    assert "s_half_year held: 1 of at most 1 S in January-June" in reasons["g0000"]
    assert "s_half_year held: 1 of at most 2 S in July-December" in reasons["g0001"]

"""Categories staggered between months (DOMAIN.md: "staggered within each month and between
months"): the planner counts a category held in two consecutive months as a small penalty,
below any difference of value and below a move or a repeat in one month."""

from planner_gen import intent, plan_input

from domain.planning import Settings, plan


def _months(sol):
    return {d.request_id: d.month for d in sol.decisions}


def test_a_moved_intent_goes_where_its_category_did_not_run_the_month_before_or_after():
    # g0000 holds March; g0001 asks April, which holds no B (cap 0), and may go to February
    # or May: both a move of equal value, but February sits beside March's same category.
    fixed = intent(0, 4, [3], "B", 1e6, 2e5)
    moving = intent(1, 4, [4, 2, 5], "B", 1e6, 2e5)
    other = intent(2, 4, [2], "B", 1e6, 2e5)  # keeps the same category in February: May is the stagger
    inp = plan_input([fixed, moving], settings=Settings(month_caps={"2027-04": {"B": 0}}))
    sol = plan(inp, time_limit=20)
    assert sol.summary.status == "optimal"
    assert _months(sol)["g0001"] == "2027-05", sol.decisions
    assert sol.summary.tie_breaks["category_adjacent_months"] == 0
    # with February already holding the category, moving there costs one pair more, not less
    sol2 = plan(plan_input([fixed, moving, other], settings=Settings(month_caps={"2027-04": {"B": 0}})),
                time_limit=20)
    assert _months(sol2)["g0001"] == "2027-05"
    assert sol2.summary.tie_breaks["category_adjacent_months"] == 1  # February beside March


def test_the_stagger_never_costs_value():
    # two intents of one category, each only in consecutive months: both placed, the pair counted
    inp = plan_input([intent(0, 4, [3], "B", 1e6, 2e5), intent(1, 4, [4], "B", 1e6, 2e5)])
    sol = plan(inp, time_limit=20)
    assert sorted(_months(sol).values()) == ["2027-03", "2027-04"]
    assert sol.summary.tie_breaks["category_adjacent_months"] == 1

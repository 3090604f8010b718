"""A real intake: many intents from the six seeded business lines, all wanting the festival
months (bench.planner.six_line_year, the bench's case at 5,000). What grows with the
square of a line's intents must not: the merge suggestions (each cut intent with the
partners the plan runs in its months, not every overlapping pair) and, with `"merge": true`,
the model (one merge literal per intent and month, not per pair)."""

from planner_checker import violations

from bench.planner import six_line_year
from domain.planning import Settings, plan
from domain.planning.candidates import build
from domain.planning.model import effective_policy
from domain.planning.solver import build_model
from domain.tiers import Tier


def test_suggestions_name_a_cut_intent_and_a_partner_the_plan_runs_in_its_month():
    inp = six_line_year(400, 11)
    sol = plan(inp, 60)
    s = sol.summary
    assert s.status == "optimal"
    assert violations(inp, sol.decisions, s.value, s) == []
    by = {d.request_id: d for d in sol.decisions}
    its = {it.request_id: it for it in inp.intents}
    assert s.merge_suggestions, "six lines competing for three months leave cut intents with partners"
    for x in s.merge_suggestions:
        cut, partner, month = by[x["cut"]], by[x["carrier"]], x["months"][0]
        assert cut.decision == "cut", x
        assert partner.tier in (Tier.A, Tier.B) and partner.month == month, x
        assert month in its[x["cut"]].months, x
        assert {x["cut"], x["carrier"]} == set(x["intents"]), x
        assert (its[x["cut"]].business_line, its[x["cut"]].category) == \
            (its[x["carrier"]].business_line, its[x["carrier"]].category) == (x["business_line"], x["category"])
    # bounded by the plan: at most (A + B placed in its months) partners per cut intent
    placed_ab = s.tiers["A"] + s.tiers["B"]
    assert len(s.merge_suggestions) <= s.cut * placed_ab
    # and every cut intent with such a partner is listed
    running = {(d.business_line, d.category, d.month) for d in sol.decisions if d.tier in (Tier.A, Tier.B)}
    listed = {x["cut"] for x in s.merge_suggestions}
    for d in sol.decisions:
        it = its[d.request_id]
        if d.decision == "cut" and any((it.business_line, it.category, m) in running for m in it.months):
            assert d.request_id in listed or d.request_id in {sf.request_id for sf in inp.s_fixed}


def test_merge_literals_grow_with_intents_and_months_not_with_pairs():
    inp = six_line_year(1200, 11).model_copy(update={"settings": Settings(merge=True)})
    c = build(inp, effective_policy(inp))
    b = build_model(inp, c)
    months = sum(len(v.intent.months) for v in c.views)
    assert 0 < len(b.z) <= months  # pairs of a line and category would be ~150,000 here
    sol = plan(inp, 60)
    s = sol.summary
    assert s.status in ("optimal", "feasible") and s.merged > 0
    assert violations(inp, sol.decisions, s.value, s) == []
    # merging never changes the value: the plan without merges has the same
    assert s.value == plan(six_line_year(1200, 11), 60).summary.value

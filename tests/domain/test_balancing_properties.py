"""Whatever order requests arrive in, balancing never breaks a cap."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.balancing import BalancingRequest, YearCalendar, apply, balance, budget
from domain.policy import Policy
from domain.tiers import Tier

YEAR = 2027
POLICIES = [
    Policy.for_year(YEAR),
    # a tight year: small budget and reserve, so the budget rules bite within short sequences
    Policy.for_year(YEAR, {"yearly_budget_days": 40, "hot_topic_reserve_days": 8}),
    Policy.for_year(YEAR, {"yearly_budget_days": 60, "hot_topic_reserve_days": 0, "tiers": {"S": {"max_per_year": 2}}}),
]

MONTHS = list(range(1, 13)) + [2, 9, 11] * 4  # crowd three months (Spring Festival, Mid-Autumn, Double 11)
CATEGORIES = ["food", "apparel", "beauty", "toys"]


def build(cid: int, month: int, tier: Tier, category: int, flags: int) -> BalancingRequest:
    return BalancingRequest(
        campaign_id=f"c{cid}",  # repeats = re-checks of a live campaign
        month=f"{YEAR}-{month:02d}",
        tier=tier,
        category=CATEGORIES[category],
        hot_topic=bool(flags & 1),
        a_override=bool(flags & 2),
        category_reason="two seasonal drops" if flags & 4 else None,
    )


# flat integer draws keep generation (and shrinking) cheap
requests = st.builds(
    build, st.integers(0, 39), st.sampled_from(MONTHS), st.sampled_from(list(Tier)),
    st.integers(0, len(CATEGORIES) - 1), st.integers(0, 7),
)


def check_invariants(policy: Policy, calendar: YearCalendar, overridden: set[str]) -> None:
    s_rule, a_rule, b_rule = policy.rule(Tier.S), policy.rule(Tier.A), policy.rule(Tier.B)
    ids = [e.campaign_id for e in calendar.entries]
    assert len(ids) == len(set(ids)), "a campaign is reserved twice"
    s_count = sum(1 for e in calendar.entries if e.tier == Tier.S)
    assert s_count <= s_rule.max_per_year
    for m in range(1, 13):
        month = f"{YEAR}-{m:02d}"
        here = [e for e in calendar.entries if e.month == month]
        n = {t: sum(1 for e in here if e.tier == t) for t in Tier}
        assert n[Tier.S] <= s_rule.max_per_month
        if n[Tier.S]:
            assert n[Tier.A] == n[Tier.B] == 0, f"A/B beside an S in {month}"
        a_cap = policy.a_per_month_with_override if any(e.campaign_id in overridden for e in here) else a_rule.max_per_month
        assert n[Tier.A] <= a_cap
        assert n[Tier.B] <= b_rule.max_per_month
        if policy.is_spring_festival_month(month):
            assert n[Tier.A] == 0
    used = budget(policy, calendar).used
    assert used <= policy.yearly_budget_days
    planned = sum(e.counted_days for e in calendar.entries if not e.hot_topic)
    assert planned <= policy.yearly_budget_days - policy.hot_topic_reserve_days


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_index=st.integers(0, len(POLICIES) - 1), sequence=st.lists(requests, min_size=20, max_size=80))
def test_no_order_of_requests_breaks_a_cap(policy_index, sequence):
    policy = POLICIES[policy_index]
    calendar = YearCalendar(year=YEAR)
    overridden: set[str] = set()
    for r in sequence:
        before = {e.campaign_id: e for e in calendar.entries}
        d = balance(policy, calendar, r)
        if d.accepted:
            for cid in d.displaced:  # only A/B of the same month make way, for an S
                assert r.tier == Tier.S and before[cid].month == r.month and before[cid].tier in (Tier.A, Tier.B)
            assert d.counted_days == policy.rule(r.tier).counted_days
            calendar = apply(calendar, r, d)
            overridden.discard(r.campaign_id)
            if r.a_override:
                overridden.add(r.campaign_id)
        else:
            assert d.reasons, "a refusal always says why"
            assert len(d.alternatives) <= policy.max_alternatives and r.month not in d.alternatives
        check_invariants(policy, calendar, overridden)

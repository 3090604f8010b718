"""The year as one CP-SAT model: (intent, month, tier) booleans plus per-month burst slots.

How the model stays small: CP-SAT never chooses a burst day per intent. It chooses one
boolean per candidate (intent, month, tier) - at most 12 x 2 per intent, in practice 2-6 -
and, per month, one boolean per allowed start day and tier (`y[m, A, d]`, `y[m, B, d]`,
9-15 Mon-Wed starts free of days off). A month's chosen starts must number its chosen
A/B intents (`sum y == sum x`), bursts never share a day (one linear constraint per day),
and resources are counted per day on the slots, because what a burst books depends only
on its tier and start day, never on which intent runs it. Which intent gets which of its
month's chosen days is decided afterwards (best score, best weekday): the days are
interchangeable. So the model holds ~3 booleans per intent plus ~12 x 25 slot booleans,
~400 day constraints and the resource rows that can bind at all (rows whose worst case
fits the catalog are left out, identical rows are kept once) - whatever the number of
intents. Requested festival dates (Double 12) and leadership's S bursts are fixed starts.

Two budgets: the counted days less the reserve, and (when the policy or the settings set
one) the marketing budget less its hot-topic reserve in money, Σ cost of what is placed in
whole yuan, each cost rounded up (domain.planning.money).

Objective, lexicographic, in two stages: (1) maximise value = sum score x counted days
(score x 10^6, integers), or with settings `"objective": "gross_profit"` the sum of the
placed options' gross profit after promotion at their tier (whole yuan, rounded); (2) with
that held at its optimum, minimise
-merges x w1 + moves x w2 + category repeats x w3 + weekday rank, weights that make it
lexicographic (w3 > the largest weekday total, w2 > the largest repeats x w3 + weekday
total, w1 > the largest of all that): with `"merge": true`, an intent merged into a
partner rather than cut comes first (domain.planning.merges), then fewest moves.

Money depends on an intent's tier, never on its month, so the money budget and the profit
objective are written on one literal per (intent, tier) ("runs at this tier", the sum of
its months' booleans), not on every (intent, month, tier): a knapsack over ~500 items
instead of ~1,500 copies of them. Profit and cost are correlated (both grow with sales),
the hard kind of knapsack: on the month booleans proving the optimum of 1,000 intents took
20 s to over a minute depending on the budget; on the tier literals it takes under a second.

Determinism: `random_seed` fixed and one search worker (`num_workers=1`): the search is
then sequential and repeatable, and this 2-core machine is shared, so a portfolio of
parallel workers would mostly compete for the same cores. The same input gives the same
output whenever the solve ends before its time limit. The limit is one `Budget` for the
whole plan (domain/planning/budget.py): stage 2 and the diagnosis get what stage 1 left.

Infeasible (leadership's S or pins make the year impossible): the model is rebuilt with
one enforcement literal per named rule group and solved with those as assumptions;
CP-SAT's sufficient assumptions, shrunk one by one, name the conflicting rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ortools.sat.python import cp_model

from domain.campaign import PhaseName
from domain.dates import plan_phases
from domain.months import next_month, number_of
from domain.planning import merges, money
from domain.planning.budget import Budget
from domain.planning.candidates import PLACEABLE, Candidates, Option, burst_days
from domain.planning.model import PlanInput
from domain.planning.teams import team_rows
from domain.policy import half_of
from domain.tiers import Tier

SCALE = 1_000_000  # scores are rounded to 6 decimals by score_request
Progress = Callable[[dict[str, Any]], None]


@dataclass
class Built:
    model: cp_model.CpModel
    x: list[Any]
    y: dict[tuple[str, Tier, date], Any]
    value: Any
    tie: Any
    tie_parts: dict[str, Any]
    guards: dict[str, Any] = field(default_factory=dict)
    n_resource_rows: int = 0
    scale: int = SCALE  # objective units per unit of value: SCALE for score x days, 1 for yuan
    z: dict[tuple[int, str], Any] = field(default_factory=dict)  # (merged, month) -> merge literal
    merge_groups: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # its partners' options


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress, stage: int, scale: float) -> None:
        super().__init__()
        self._progress, self._stage, self._scale = progress, stage, scale
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        obj, bound = self.objective_value, self.best_objective_bound
        gap = abs(bound - obj) / max(1.0, abs(obj))
        self._progress({"stage": self._stage, "solution": self.solutions, "objective": obj / self._scale,
                        "bound": bound / self._scale, "gap": gap, "seconds": self.wall_time})


def build_model(inp: PlanInput, c: Candidates, guarded: bool = False) -> Built:
    """The CP-SAT model; with `guarded`, every named rule group is enforced by a literal."""
    pol = c.policy
    m = cp_model.CpModel()
    guards: dict[str, Any] = {}

    def rule(name: str, ct: Any) -> None:
        if guarded:
            if name not in guards:
                guards[name] = m.new_bool_var(name)
            ct.only_enforce_if(guards[name])

    opts = c.options
    x = [m.new_bool_var(f"x{o.index}") for o in opts]
    by_month_tier: dict[tuple[str, Tier], list[Option]] = defaultdict(list)
    for o in opts:
        by_month_tier[(o.month, o.tier)].append(o)

    # one decision per intent; leadership's S; pins
    for v in c.views:
        xs = [x[k] for k in v.options]
        if len(xs) > 1:
            m.add(sum(xs) <= 1)
        rid = v.intent.request_id
        if v.s_month:
            rule(f"leadership's S {rid} in {v.s_month} (S whatever its score)", m.add(sum(xs) == 1))
        pin = f"pin {rid}"
        if v.pin_cut:
            rule(f"{pin}: cut", m.add(sum(xs) == 0))
        if v.pin_month and not v.s_month:
            # pinned to a month: it runs there (as C when it can be no more there)
            here = [x[k] for k in v.options if opts[k].month == v.pin_month]
            runs = 1 if v.ceiling.get(v.pin_month, Tier.C) != Tier.C and v.pin_tier != Tier.C else 0
            rule(f"{pin}: month {v.pin_month}", m.add(sum(here) == runs))
            if len(here) < len(xs):
                m.add(sum(xs) == sum(here))
        if v.pin_tier is not None and not v.s_month:
            if v.pin_tier == Tier.C:
                rule(f"{pin}: tier C", m.add(sum(xs) == 0))
            else:
                what = f"{pin}: tier {v.pin_tier.value}" + (f" in {v.pin_month}" if v.pin_month else "")
                rule(what, m.add(sum(x[k] for k in v.options if opts[k].tier == v.pin_tier) == 1))

    # caps
    s_rule = pol.rule(Tier.S)
    s_opts = [o for o in opts if o.tier == Tier.S]
    if s_rule.max_per_year is not None and len(s_opts) > s_rule.max_per_year:
        rule(f"S at most {s_rule.max_per_year} a year", m.add(sum(x[o.index] for o in s_opts) <= s_rule.max_per_year))
    for half, name in ((0, "January-June"), (1, "July-December")):
        in_half = [o for o in s_opts if half_of(number_of(o.month)) == half]
        cap = pol.s_per_half.cap(half)
        if len(in_half) > cap:
            rule(f"s_half_year: S at most {cap} in {name} (one in each half, a third in the second)",
                 m.add(sum(x[o.index] for o in in_half) <= cap))
    for month, caps in c.caps.items():
        for t in (Tier.A, Tier.B):
            os_ = by_month_tier.get((month, t), [])
            if len(os_) > caps[t]:
                rule(f"{t.value} cap of {month} ({caps[t]})", m.add(sum(x[o.index] for o in os_) <= caps[t]))
        ss = by_month_tier.get((month, Tier.S), [])
        if s_rule.max_per_month is not None and len(ss) > s_rule.max_per_month:
            rule(f"S at most {s_rule.max_per_month} a month ({month})",
                 m.add(sum(x[o.index] for o in ss) <= s_rule.max_per_month))
    # an S closes every month its burst touches to any other S, A or B
    for o in s_opts:
        _, touched, _ = c.s_bursts[o.intent]
        others = [x[p.index] for mo in touched for t in PLACEABLE for p in by_month_tier.get((mo, t), [])
                  if p.intent != o.intent]
        if others:
            ct = m.add(sum(others) == 0)
            ct.only_enforce_if(x[o.index])
            rule(f"S {c.views[o.intent].intent.request_id} closes {', '.join(touched)} to other S, A and B", ct)
    # the budget less the reserve
    limit = pol.yearly_budget_days - pol.hot_topic_reserve_days
    counted = {t: pol.rule(t).counted_days for t in Tier}
    rule(f"counted days within the budget less the reserve ({pol.yearly_budget_days} - "
         f"{pol.hot_topic_reserve_days} = {limit})", m.add(sum(counted[o.tier] * x[o.index] for o in opts) <= limit))
    # the marketing budget less its reserve: the second budget, in whole yuan (domain.planning.money)
    # money depends on the tier, never on the month: one literal per (intent, tier) carries it
    held = _tier_literals(m, c, x)
    money_limit = money.money_budget(pol)
    priced = [(lit, o) for lit, o in held if o.cost > 0]
    if money_limit is not None and priced:
        cap = money.budget_units(money_limit)
        if sum(o.cost for _, o in priced) > cap:
            rule(f"marketing_budget: cost within the marketing budget less the reserve in money "
                 f"({pol.marketing_budget:,.0f} - {pol.hot_topic_reserve_money:,.0f} = {money_limit:,.0f} yuan)",
                 m.add(sum(o.cost * lit for lit, o in priced) <= cap))
    # targets (calibration): the placed A and B at most the targets
    tg = inp.settings.targets
    if tg is not None:
        for t, n in ((Tier.A, tg.A), (Tier.B, tg.B)):
            if n is not None:
                rule(f"target: at most {n} {t.value}", m.add(sum(x[o.index] for o in opts if o.tier == t) <= n))

    # burst slots per month, days shared by no two bursts, resources per day
    y: dict[tuple[str, Tier, date], Any] = {}
    carriers: list[tuple[Any, Tier, date]] = []  # (literal, tier, start)
    for (month, t), os_ in sorted(by_month_tier.items(), key=lambda kv: (kv[0][0], kv[0][1].rank)):
        floating = [o for o in os_ if o.start is None]
        for o in os_:
            if o.start is not None:
                carriers.append((x[o.index], t, o.start))
        if not floating or t == Tier.S:
            continue
        ys = []
        for d in c.slots[month].starts[t]:
            y[(month, t, d)] = m.new_bool_var(f"y{month}{t.value}{d.day}")
            ys.append(y[(month, t, d)])
            carriers.append((y[(month, t, d)], t, d))
        m.add(sum(ys) == sum(x[o.index] for o in floating))
    occupancy: dict[date, list[Any]] = defaultdict(list)
    for lit, t, d in carriers:
        for day in burst_days(pol, t, d):
            occupancy[day].append(lit)
    for day in sorted(occupancy):
        lits = occupancy[day]
        if len(lits) > 1:
            rule(f"bursts of {day:%Y-%m} on distinct days", m.add(sum(lits) <= 1))

    units = {r.key: r.units for r in pol.resources}
    usage: dict[tuple[str, date], list[tuple[Any, int]]] = defaultdict(list)
    for lit, t, d in carriers:
        phases = {p.phase: p for p in plan_phases(pol, t, d)}
        for e in pol.needs(t):
            if not e.required:
                continue  # optional entitlements are booked when free (as the live path does)
            for ph in e.phases:
                p = phases.get(PhaseName(ph))
                if p is None:
                    continue
                day = p.start
                while day < p.end:
                    usage[(e.resource, day)].append((lit, e.units))
                    day += timedelta(days=1)
    seen: set[tuple[Any, ...]] = set()
    rows = 0
    for (res, _day), terms in sorted(usage.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if sum(u for _, u in terms) <= units[res]:
            continue
        key = (tuple(sorted((lit.index, u) for lit, u in terms)), units[res])
        if key in seen and not guarded:
            continue
        seen.add(key)
        rows += 1
        rule(f"resource {res}: {units[res]} unit(s) a day", m.add(sum(u * lit for lit, u in terms) <= units[res]))
    # team capacity per ISO week (domain/planning/teams.py), on the same carriers
    for name, terms_, cap in team_rows(pol, carriers, keep_duplicates=guarded):
        rows += 1
        rule(name, m.add(sum(n * lit for lit, n in terms_) <= cap))

    # merges (settings "merge": true): the carrier running in a common month, the merged has no slot
    z: dict[tuple[int, str], Any] = {}
    merge_groups: dict[tuple[int, str], list[int]] = {}
    if inp.settings.merge:
        groups = merges.carriers(c)
        running: dict[merges.Group, Any] = {}
        into: dict[int, list[Any]] = defaultdict(list)
        for a, month, g in merges.slots(c, groups):
            if g not in running:  # the line's category runs as A or B in that month
                running[g] = m.new_bool_var(f"run{g[0]}{g[1]}{g[2]}")
                m.add(running[g] <= sum(x[k] for k in groups[g]))
            z[(a, month)] = m.new_bool_var(f"z{a}_{month}")
            m.add(z[(a, month)] <= running[g])
            merge_groups[(a, month)] = groups[g]
            into[a].append(z[(a, month)])
        for a, zs in sorted(into.items()):
            m.add(sum(x[k] for k in c.views[a].options) + sum(zs) <= 1)

    # objective parts: score x counted days (x SCALE), or gross profit after promotion (whole yuan)
    if inp.settings.objective == "gross_profit":
        value = sum(o.gp * lit for lit, o in held if o.gp)
    else:
        value = sum(round(o.score * SCALE) * counted[o.tier] * x[o.index] for o in opts if counted[o.tier])
    moves = sum(x[o.index] for o in opts if o.month != c.views[o.intent].preferred)
    reps = []
    by_cat: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for o in opts:
        by_cat[(o.month, c.views[o.intent].intent.category)].append(x[o.index])
    for (month, cat), xs in sorted(by_cat.items()):
        if len(xs) > 1:
            r = m.new_int_var(0, len(xs) - 1, f"rep{month}{cat}")
            m.add(r >= sum(xs) - 1)
            reps.append(r)
    repeats = sum(reps)
    adjacent = sum(_adjacent_months(m, by_cat))
    weekday = sum(c.weekday_rank[d.weekday()] * lit for (_, _, d), lit in y.items())
    n = sum(min(cp[Tier.A], 1000) + min(cp[Tier.B], 1000) for cp in c.caps.values()) + len(s_opts)
    n = min(n, len(c.views))
    wd = max(c.weekday_rank.values(), default=0)
    # lexicographic: merges, then moves, repeats in a month, a category in consecutive
    # months (at most one pair per placed campaign: <= n), then the weekdays
    w4 = wd * n + 1
    w3 = n * w4 + wd * n + 1
    w2 = n * w3 + n * w4 + wd * n + 1
    w1 = (n + 1) * w2
    merged = sum(z.values())
    tie = moves * w2 + repeats * w3 + adjacent * w4 + weekday - merged * w1
    parts = {"moves": moves, "category_repeats": repeats, "category_adjacent_months": adjacent,
             "weekday_rank": weekday}
    if z:
        parts["merges"] = merged
    return Built(model=m, x=x, y=y, value=value, tie=tie, guards=guards, n_resource_rows=rows, tie_parts=parts, z=z,
                 merge_groups=merge_groups,
                 scale=1 if inp.settings.objective == "gross_profit" else SCALE)


def _tier_literals(m: cp_model.CpModel, c: Candidates, x: list[Any]) -> list[tuple[Any, Option]]:
    """Per intent and tier, the literal "runs at this tier" (its option's own when it has one
    month, else a new one equal to their sum), with one of those options (same money)."""
    groups: dict[tuple[int, Tier], list[Option]] = defaultdict(list)
    for o in c.options:
        groups[(o.intent, o.tier)].append(o)
    out: list[tuple[Any, Option]] = []
    for (i, t), os_ in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].rank)):
        if len(os_) == 1:
            out.append((x[os_[0].index], os_[0]))
            continue
        u = m.new_bool_var(f"u{i}{t.value}")
        m.add(u == sum(x[o.index] for o in os_))
        out.append((u, os_[0]))
    return out


def _adjacent_months(m: cp_model.CpModel, by_cat: dict[tuple[str, str], list[Any]]) -> list[Any]:
    """One literal per category and pair of consecutive months of the year that both hold
    it ("categories should be staggered ... between months"): a small penalty in the
    tie-break stage, below any difference of value, never a rule."""
    held: dict[tuple[str, str], Any] = {}
    for (month, cat), xs in sorted(by_cat.items()):
        h = m.new_bool_var(f"has{month}{cat}")
        for v in xs:
            m.add_implication(v, h)
        held[(cat, month)] = h
    pairs = []
    for (cat, month), h in sorted(held.items()):
        after = held.get((cat, next_month(month)))
        if after is not None and month[5:] != "12":
            p = m.new_bool_var(f"adj{month}{cat}")
            m.add_bool_or([h.Not(), after.Not(), p])
            pairs.append(p)
    return pairs


@dataclass
class Solved:
    status: str
    x: list[bool]
    y: dict[tuple[str, Tier, date], bool]
    objective: float | None
    bound: float | None
    seconds: float
    tie_breaks: dict[str, int]
    conflicts: list[str]
    search: str
    z: dict[tuple[int, int], bool] = field(default_factory=dict)


_NAMES = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible",
          cp_model.MODEL_INVALID: "invalid", cp_model.UNKNOWN: "unknown"}


def solve(inp: PlanInput, c: Candidates, budget: Budget, progress: Progress | None) -> Solved:
    """Both stages and, when infeasible, the diagnosis, all within the one `budget`."""
    b = build_model(inp, c)
    search = (f"CP-SAT, random_seed=7, num_workers=1 (sequential, repeatable); stages: "
              f"{'gross profit (whole yuan)' if b.scale == 1 else 'value'}, then tie-breaks")
    # stage 1: the value
    b.model.maximize(b.value)
    cb1 = _Callback(progress, 1, b.scale) if progress else None
    a1 = budget.solve(b.model, cb1)
    st1, seconds = a1.status, a1.seconds
    if st1 == cp_model.INFEASIBLE:
        conflicts, more = diagnose(inp, c, budget)
        return Solved("infeasible", [], {}, None, None, seconds + more, {}, conflicts, search)
    if st1 not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or a1.solver is None:
        return Solved(_NAMES.get(st1, "unknown"), [], {}, None, None, seconds, {}, [], search)
    s1 = a1.solver
    v1 = round(s1.objective_value)
    obj, bound = s1.objective_value / b.scale, s1.best_objective_bound / b.scale
    xs1 = [bool(s1.value(v)) for v in b.x]
    ys1 = {k: bool(s1.value(v)) for k, v in b.y.items()}
    # stage 2: hold the value, then fewest moves, repeats, best weekdays (in what is left of the budget)
    b.model.clear_objective()
    b.model.add(b.value >= v1)
    b.model.minimize(b.tie)
    for var, val in zip(b.x, xs1, strict=False):
        b.model.add_hint(var, val)
    for k, var in b.y.items():
        b.model.add_hint(var, ys1[k])
    cb2 = _Callback(progress, 2, 1) if progress else None
    a2 = budget.solve(b.model, cb2)
    st2, s2 = a2.status, a2.solver
    seconds += a2.seconds
    if st2 in (cp_model.OPTIMAL, cp_model.FEASIBLE) and s2 is not None:
        xs = [bool(s2.value(v)) for v in b.x]
        ys = {k: bool(s2.value(v)) for k, v in b.y.items()}
        ties = {k: int(s2.value(e)) if not isinstance(e, int) else e for k, e in b.tie_parts.items()}
        zs = {k: bool(s2.value(v)) for k, v in b.z.items()}
        both_optimal = st1 == cp_model.OPTIMAL and st2 == cp_model.OPTIMAL
    else:  # the tie-break stage found nothing in the time left (or none was left): keep stage 1's answer
        xs, ys = xs1, ys1
        ties = {k: int(s1.value(e)) if not isinstance(e, int) else e for k, e in b.tie_parts.items()}
        zs = {k: bool(s1.value(v)) for k, v in b.z.items()}
        both_optimal = False
    # a merge chose a month; its carrier is the best partner the plan runs there (merges.carrier)
    carried = {(a, merges.carrier(c, a, b.merge_groups[(a, mo)], xs)): True for (a, mo), on in sorted(zs.items()) if on}
    return Solved("optimal" if both_optimal else "feasible", xs, ys, obj, bound, seconds, ties, [], search, carried)


def diagnose(inp: PlanInput, c: Candidates, budget: Budget) -> tuple[list[str], float]:
    """The named rule groups that cannot all hold (a small, not always minimum, set). Within
    what is left of `budget`: when it runs out, the set found so far (still conflicting,
    maybe not the smallest)."""
    b = build_model(inp, c, guarded=True)
    names = {g.index: n for n, g in b.guards.items()}
    spent = 0.0

    def infeasible_with(lits: list[Any]) -> tuple[bool | None, list[int]]:
        """True / False, or None when the budget gave no answer."""
        nonlocal spent
        b.model.clear_assumptions()
        b.model.add_assumptions(lits)
        a = budget.solve(b.model)
        spent += a.seconds
        if a.status == cp_model.INFEASIBLE and a.solver is not None:
            return True, list(a.solver.sufficient_assumptions_for_infeasibility())
        if a.status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, []
        return None, []

    all_lits = list(b.guards.values())
    bad, core = infeasible_with(all_lits)
    if bad is None:
        return ["the time limit ended before the conflicting rules were named"], spent
    if not bad:
        return ["the model is infeasible but no named rule group explains it"], spent
    core_lits = [lit for lit in all_lits if lit.index in set(core)] or all_lits
    # shrink: drop a rule while the rest still conflicts
    i = 0
    while i < len(core_lits) and len(core_lits) > 1:
        trial = core_lits[:i] + core_lits[i + 1:]
        still, _ = infeasible_with(trial)
        if still is None:
            break  # out of time: the set so far still conflicts
        if still:
            core_lits = trial
        else:
            i += 1
    return sorted(names[lit.index] for lit in core_lits), spent

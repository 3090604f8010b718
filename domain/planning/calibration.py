"""Step 7, calibration: the A/B thresholds that bring the placed A and B to the targets.

The playbook sets an initial threshold, raises it when there are too many A, lowers it
otherwise, until the counts are right, with higher thresholds in hot months. Here, with
`settings.targets = {"A": n, "B": n}`, the planner chooses the base thresholds and keeps
the policy's per-month raises (Policy.month_threshold_raises: a month's threshold is the
base plus its raise, so 618 and Double 11 stay above quiet months), such that the plan's
placed A and B come as close as possible to the targets without exceeding them.

How it stays cheap:
- A threshold only matters at the intents' scores: the base A threshold `a` lets an A
  candidate of month m exactly when score >= a + raise_m.a, so the candidate bases are
  the distinct `score - raise_m.a` of the A candidates (one class of equal plans between
  two of them); B likewise with `raise_m.b`. The grid is those sorted values plus one
  above them all (no A), the class holding the policy's own base represented by it.
- One CP-SAT model serves every probe: the candidates are built once with the loosest
  thresholds (0, no raises: every A/B the explicit minimums allow), the model once, and
  a probe at (a, b) forbids the candidates below the month's thresholds by assumptions
  (literals `not x`), then maximises the value (stage 1 only). A probe costs one solve.
- The placed A count falls as `a` rises (fewer A candidates), so a bisection over the
  grid finds the lowest `a` whose plan has at most the A target (about log2 of the grid
  size probes); then, `a` fixed, the same for `b` and the B target (the A target still
  held). Among thresholds giving the same count, the one nearest the policy's base is
  kept (the policy's own when it already does). b <= a <= s holds in every month after
  the raise: `b` follows a falling `a` down, `s` follows a rising `a` up.
- The final plan is the ordinary two-stage solve with the chosen thresholds as a
  settings override (`thresholds.base` + `thresholds.raises`), so applying the reported
  thresholds reproduces the same tiers. If no threshold meets a target (a pin forcing
  an A, or B cannot go lower without b > a), that target stays a hard cap in the model
  (the named rule "target: at most n A"), and the report says so.

The report: the targets, the placed counts, the thresholds chosen (base, raises, per
month), how each target was met, and the placed counts at the neighbouring thresholds
(one grid step lower and higher), the probes and their solver time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from domain.months import month_key, number_of
from domain.planning.budget import Budget
from domain.planning.candidates import build
from domain.planning.model import PlanInput, PlanSolution, Settings, Targets, ThresholdSettings
from domain.planning.solver import build_model
from domain.policy import Policy, ThresholdRaise, Thresholds
from domain.tiers import Tier

__all__ = ["calibrate"]

Progress = Callable[[dict[str, Any]], None]
STEP = 1e-6  # scores have 6 decimals: one above the highest score is "none"


class _OutOfTime(Exception):
    """A probe found no answer in the calibration's share of the time limit (or was stopped)."""


@dataclass
class _Prober:
    """The loosest model, solved again per (a, b) with the candidates below them assumed off."""

    inp: PlanInput
    policy: Policy
    budget: Budget
    progress: Progress | None
    seen: dict[tuple[float, float], dict[str, int] | None] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        free = self.inp.model_copy(update={"settings": self.inp.settings.model_copy(update={"targets": None})})
        loose = self.policy.model_copy(update={"thresholds": Thresholds(a=0, b=0, s=self.policy.thresholds.s),
                                               "month_threshold_raises": {}})
        self.c = build(free, loose)
        self.b = build_model(free, self.c)
        self.b.model.maximize(self.b.value)
        self.raises = {m: self.policy.month_threshold_raises.get(m, ThresholdRaise()) for m in range(1, 13)}

    def grid(self, tier: Tier) -> list[float]:
        """Distinct base thresholds that change the candidates of `tier`, plus one above all."""
        key = "a" if tier == Tier.A else "b"
        vals = {round(o.score - getattr(self.raises[number_of(o.month)], key), 9)
                for o in self.c.options if o.tier == tier}
        vals = {v for v in vals if v >= 0}
        return sorted(vals | {round(max(vals, default=0.0) + STEP, 9)})

    def base(self, a: float, b: float) -> Thresholds | None:
        """(a, b) with s raised if need be so that b <= a <= s after every month's raise; None: impossible."""
        s = max([self.policy.thresholds.s] + [a + r.a - r.s for r in self.raises.values()])
        try:
            t = Thresholds(a=round(a, 9), b=round(b, 9), s=round(s, 9))
            pol = self.policy.model_copy(update={"thresholds": t})
            for m in range(1, 13):
                pol.thresholds_for(m)
        except ValueError:
            return None
        return t

    def b_for(self, a: float) -> float:
        """The policy's b, lowered as far as a falling `a` requires (b <= a in every month)."""
        return max(0.0, min([self.policy.thresholds.b] + [a + r.a - r.b for r in self.raises.values()]))

    def counts(self, a: float, b: float) -> dict[str, int] | None:
        """Placed A and B with base thresholds (a, b); None when the year is then infeasible."""
        k = (round(a, 9), round(b, 9))
        if k in self.seen:
            return self.seen[k]
        t = self.base(a, b)
        assert t is not None
        pol = self.policy.model_copy(update={"thresholds": t})
        th = {m: pol.thresholds_for(m) for m in range(1, 13)}
        off = [self.b.x[o.index].Not() for o in self.c.options
               if (o.tier == Tier.A and o.score < th[number_of(o.month)].a)
               or (o.tier == Tier.B and o.score < th[number_of(o.month)].b)]
        self.b.model.clear_assumptions()
        self.b.model.add_assumptions(off)
        run = self.budget.solve(self.b.model)
        self.seconds += run.seconds
        s, st = run.solver, run.status
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE) or s is None:
            raise _OutOfTime  # no answer within the calibration's share of the time limit
        out: dict[str, int] | None = None
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out = {t_.value: sum(1 for o in self.c.options if o.tier == t_ and s.value(self.b.x[o.index]))
                   for t_ in (Tier.A, Tier.B)}
        self.seen[k] = out
        if self.progress:
            self.progress({"stage": "calibration", "a": k[0], "b": k[1], "placed": out, "seconds": run.seconds})
        return out


def _with_own(grid: list[float], own: float) -> list[float]:
    """The grid with the class holding `own` (the policy's base) represented by `own` itself."""
    home = next((i for i, g in enumerate(grid) if own <= g), None)
    if home is None:
        return [*grid, own]
    return [*grid[:home], own, *grid[home + 1:]]


def _first(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """The first index in [lo, hi] where `ok` holds (ok monotone: false... true...); hi + 1 if none."""
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid - 1
        else:
            lo = mid + 1
    return lo


def _choose(grid: list[float], own: float, count: Callable[[int], dict[str, int] | None],
            fits: Callable[[dict[str, int] | None], bool], tier: str) -> int | None:
    """Index of the grid point: the lowest that fits, moved towards the policy's own base while
    the count stays the same; None when no point fits."""
    k = _first(0, len(grid) - 1, lambda i: fits(count(i)))
    if k == len(grid) or count(k) is None:
        return None
    home = grid.index(own) if own in grid else len(grid) - 1  # the policy's base (see _with_own)
    found = count(k)
    if home > k and found is not None:
        best = found[tier]
        k = _first(k, home, lambda i: (count(i) or {}).get(tier, -1) < best) - 1
    return k


def _step(p: _Prober, grid: list[float], k: int, at: Callable[[float], tuple[float, float]]) -> dict[str, Any]:
    def point(i: int) -> dict[str, Any] | None:
        if not 0 <= i < len(grid):
            return None
        a, b = at(grid[i])
        return {"a": a, "b": b, "placed": p.counts(a, b)}
    return {"lower": point(k - 1), "chosen": point(k), "higher": point(k + 1)}


SHARE = 0.5  # of the time left when calibration starts; the rest is the plan's


def calibrate(inp: PlanInput, policy: Policy, budget: Budget, progress: Progress | None,
              solve: Callable[[PlanInput], PlanSolution]) -> PlanSolution:
    """Search the base thresholds for the targets, then plan with them (`solve`: the ordinary
    plan, in what is left of `budget`). The probes together get `SHARE` of the time left;
    when they run out, each target not met yet stays a hard cap (as when no threshold meets
    it) and the report says the time limit ended the search."""
    tg = inp.settings.targets
    assert tg is not None
    p = _Prober(inp, policy, budget.share(SHARE), progress)
    a, b = policy.thresholds.a, policy.thresholds.b
    met: dict[str, str] = {}
    steps: dict[str, Any] = {}
    ta, tb = tg.A, tg.B
    timed_out = False
    try:
        if ta is not None:
            ga = [g for g in _with_own(p.grid(Tier.A), a) if p.base(g, p.b_for(g)) is not None]
            ka = _choose(ga, a, lambda i: p.counts(ga[i], p.b_for(ga[i])), lambda n: n is None or n["A"] <= ta, "A")
            if ka is not None:
                a = ga[ka]
                b = p.b_for(a)
                met["A"] = "thresholds"
                steps["A"] = _step(p, ga, ka, lambda g: (g, p.b_for(g)))
            else:
                met["A"] = "cap"
        if tb is not None:
            hold_a = ta if met.get("A") == "thresholds" else None  # the A target still held while b moves
            gb = [g for g in _with_own(p.grid(Tier.B), b) if p.base(a, g) is not None]
            kb = _choose(gb, b, lambda i: p.counts(a, gb[i]),
                         lambda n: n is None or (n["B"] <= tb and (hold_a is None or n["A"] <= hold_a)), "B")
            if kb is not None:
                b = gb[kb]
                met["B"] = "thresholds"
                steps["B"] = _step(p, gb, kb, lambda g: (a, g))
            else:
                met["B"] = "cap"
    except _OutOfTime:
        timed_out = True
        for t_, n in (("A", ta), ("B", tb)):
            if n is not None and t_ not in met:
                met[t_] = "cap"
    base = p.base(a, b)
    assert base is not None
    raises = {str(m): r for m, r in sorted(policy.month_threshold_raises.items())}
    caps = Targets(A=ta if met.get("A") == "cap" else None, B=tb if met.get("B") == "cap" else None)
    settings = inp.settings.model_copy(update={
        "thresholds": ThresholdSettings(base=base, raises=raises),
        "targets": caps if (caps.A is not None or caps.B is not None) else None})
    sol = solve(inp.model_copy(update={"settings": Settings.model_validate(settings.model_dump())}))
    chosen = policy.model_copy(update={"thresholds": base})
    placed = {t.value: sum(1 for d in sol.decisions if d.tier == t) for t in (Tier.A, Tier.B)}
    report = {
        "targets": tg.model_dump(), "placed": placed, "met_by": met,
        "thresholds": {"base": base.model_dump(), "raises": {k: r.model_dump() for k, r in raises.items()},
                       "months": {month_key(inp.year, m): chosen.thresholds_for(m).model_dump() for m in range(1, 13)}},
        "steps": steps, "probes": len(p.seen), "probe_seconds": round(p.seconds, 4),
        "time_limit": ("reached during the search: the targets not met yet are caps" if timed_out
                       else "not reached"),
        "method": "bisection over the distinct scores (less the month's raise) of the A, then B, candidates; "
                  "one CP-SAT model, candidates below the thresholds assumed off; the plan solved with the result",
    }
    summary = sol.summary.model_copy(update={"calibration": report,
                                             "seconds": round(sol.summary.seconds + p.seconds, 4)})
    return sol.model_copy(update={"summary": summary})

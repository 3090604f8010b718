"""One time limit for the whole solve (domain/planning/budget.py): calibration's probes, both
stages and the final plan share it, instead of each CP-SAT call getting the whole limit.

The case: 1,000 generated intents with A and B targets; unbounded, calibration runs about
twenty probes (a few seconds in all), so a limit per probe would let the solve run several
times over its limit."""

from __future__ import annotations

import time

import pytest

from bench.planner import generated_year
from domain.planning import plan
from domain.planning.budget import Budget
from domain.planning.model import Settings, Targets


@pytest.fixture(scope="module")
def year():
    inp = generated_year(1000, 11)
    return inp.model_copy(update={"settings": Settings(targets=Targets(A=5, B=20))})


def test_the_calibrated_solve_keeps_one_limit_on_the_clock(year):
    limit, margin = 1.5, 0.7  # margin: the steps CP-SAT cannot cut (building a model, writing decisions)
    probes: list[dict] = []
    started = time.monotonic()
    sol = plan(year, limit, lambda p: probes.append(p) if p.get("stage") == "calibration" else None,
               clock=time.monotonic)
    elapsed = time.monotonic() - started
    assert elapsed <= limit + margin, f"{elapsed:.2f} s for a limit of {limit} s"
    cal = sol.summary.calibration
    assert probes and cal["probes"] == len(probes)
    assert cal["time_limit"].startswith("reached")
    # a plan all the same: the targets not met by thresholds in time stay caps
    assert sol.summary.status in ("optimal", "feasible")
    assert sol.summary.tiers["A"] <= 5 and sol.summary.tiers["B"] <= 20


def test_without_a_clock_the_solvers_time_together_keeps_the_limit(year):
    limit = 1.0
    sol = plan(year, limit)
    cal = sol.summary.calibration
    # summary.seconds: every CP-SAT call's own wall time, the probes' included
    assert sol.summary.seconds <= limit + 0.1, (sol.summary.seconds, cal["probes"], cal["probe_seconds"])
    assert cal["probe_seconds"] <= limit / 2 + 0.05  # calibration's share; the rest is the plan's
    assert sol.summary.status in ("optimal", "feasible")


def test_stop_refuses_every_later_search(year):
    budget = Budget(None)
    budget.stop()
    sol = plan(year, budget=budget)
    assert sol.summary.status == "unknown" and sol.decisions == []
    assert sol.summary.calibration is None or sol.summary.calibration["probes"] == 0

"""One time limit for a whole solve, shared by every CP-SAT call in it, and a way to stop it.

Why: CP-SAT's `max_time_in_seconds` bounds one `solve` call, and a plan makes several (a
calibration probe each, two stages, a diagnosis that shrinks a conflict one solve at a
time); a limit handed to each call would multiply. A `Budget` is made once per `plan`
and every solver takes what is left of it (`Budget.solve`), so the whole solve keeps
the one limit. Time is read from the clock passed in (the activity and the CLI pass
`time.monotonic`, so building candidates and models counts too); without a clock, from
the solvers' own wall time, which keeps domain/ free of a clock of its own.

`stop()` may be called from another thread (the solve activity when it is cancelled or
timed out): it ends the running search (`CpSolver.stop_search`) and refuses every later
one, so the solving thread is free again after at most one uninterruptible step
(building a model). A stop that lands while a solver is being set up can be missed by
that solver; the caller calls `stop()` again until the thread ends.

Determinism is unchanged: a solve that ends before its limit gives the same answer
(one worker, a fixed seed: domain/planning/solver.py); only a solve cut by the limit or
stopped depends on the machine, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

Clock = Callable[[], float]


def solver_for(time_limit: float | None) -> cp_model.CpSolver:
    """A repeatable solver: fixed seed, one search worker, the time limit given."""
    s = cp_model.CpSolver()
    s.parameters.random_seed = 7
    s.parameters.num_workers = 1
    if time_limit is not None:
        s.parameters.max_time_in_seconds = max(0.01, float(time_limit))
    return s


@dataclass
class Attempt:
    """One solve under a budget: its status, the solver (to read values) and its seconds;
    `solver` is None when the budget was spent or stopped before it could start."""

    status: Any
    solver: cp_model.CpSolver | None
    seconds: float


class Budget:
    def __init__(self, limit: float | None, clock: Clock | None = None, *, _parent: Budget | None = None) -> None:
        self.limit = None if limit is None else max(0.0, float(limit))
        self.clock = clock
        self._parent = _parent
        self._root: Budget = _parent._root if _parent is not None else self
        self._start = clock() if clock is not None else 0.0
        self.spent = 0.0  # solver wall time through this budget
        self._stopped = False
        self._solver: cp_model.CpSolver | None = None

    def used(self) -> float:
        return self.clock() - self._start if self.clock is not None else self.spent

    def left(self) -> float | None:
        """Seconds left (None: no limit), the parent's limit included."""
        own = None if self.limit is None else max(0.0, self.limit - self.used())
        up = self._parent.left() if self._parent is not None else None
        if own is None or up is None:
            return own if up is None else up
        return min(own, up)

    def share(self, fraction: float) -> Budget:
        """A part of what is left, for one step (calibration keeps the rest for the plan);
        stopping either stops both."""
        left = self.left()
        return Budget(None if left is None else left * fraction, self.clock, _parent=self)

    @property
    def stopped(self) -> bool:
        return self._root._stopped

    @property
    def exhausted(self) -> bool:
        left = self.left()
        return self.stopped or (left is not None and left <= 0.0)

    def stop(self) -> None:
        """End the running search and refuse the next ones (thread-safe: CP-SAT's own lock)."""
        root = self._root
        root._stopped = True
        running = root._solver
        if running is not None:
            running.stop_search()

    def solve(self, model: cp_model.CpModel, callback: cp_model.CpSolverSolutionCallback | None = None,
              *, limit: float | None = None) -> Attempt:
        """Solve with what is left (at most `limit`), unless the budget is spent or stopped."""
        left = self.left()
        if limit is not None:
            left = limit if left is None else min(left, limit)
        if self.exhausted or (left is not None and left <= 0.0):
            return Attempt(cp_model.UNKNOWN, None, 0.0)
        s = solver_for(left)
        self._root._solver = s
        try:
            if self.stopped:  # stopped while the solver was made
                return Attempt(cp_model.UNKNOWN, None, 0.0)
            status = s.solve(model, callback) if callback is not None else s.solve(model)
        finally:
            self._root._solver = None
        b: Budget | None = self
        while b is not None:
            b.spent += s.wall_time
            b = b._parent
        return Attempt(status, s, s.wall_time)

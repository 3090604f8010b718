"""The year planner (DOMAIN.md "The annual planning procedure", steps 4-7): pure, deterministic.

No I/O, no clock, no randomness: time limits, a clock and progress callbacks are passed in,
the solve time is the solver's own wall time. Entry point: `plan(inp, time_limit, progress)`;
the time limit is one for the whole solve (domain/planning/budget.py).

The planning season lives here too: `events` (the plan stream's event types) and `season`
(the wrapper around the planner: intent ids, settings as policy overrides, scenario
comparisons). Neither loads the solver: only `plan` does.
"""

from typing import TYPE_CHECKING, Any

from domain.planning.model import (
    Decision,
    Intent,
    Pin,
    PlanInput,
    PlanInputError,
    PlanSolution,
    Settings,
    SFix,
    Summary,
    parse_intents,
    parse_pins,
    parse_s,
    parse_settings,
)

if TYPE_CHECKING:
    from domain.planning.planner import plan


def __getattr__(name: str) -> Any:
    """`plan` is imported when first asked for: the model and its parsers (what the event
    types and the API's bodies need) load no solver; only solving loads OR-Tools."""
    if name == "plan":
        from domain.planning.planner import plan
        return plan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Decision", "Intent", "Pin", "PlanInput", "PlanInputError", "PlanSolution", "SFix", "Settings", "Summary",
    "parse_intents", "parse_pins", "parse_s", "parse_settings", "plan",
]

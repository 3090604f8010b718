"""Step 7, calibration: targets for the placed A and B.

`settings.targets` caps the placed A and B in the model (a named rule, so an impossible
target shows as a conflict); the report gives the counts placed against the targets.
Choosing per-month thresholds by search is not done yet: the thresholds used are the
policy's (base + month raise, with the settings' overrides), reported in the summary.
"""

from __future__ import annotations

from typing import Any

from domain.planning.model import Decision, PlanInput
from domain.tiers import Tier


def report(inp: PlanInput, decisions: list[Decision]) -> dict[str, Any] | None:
    tg = inp.settings.targets
    if tg is None:
        return None
    placed = {t.value: sum(1 for d in decisions if d.tier == t) for t in (Tier.A, Tier.B)}
    return {"targets": tg.model_dump(), "placed": placed,
            "note": "targets cap the placed A and B; thresholds are not searched yet (the policy's are used)"}

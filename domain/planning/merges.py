"""Step 4, merges: intents of one line and category whose months overlap, tiers at most A.

Listed as suggestions (the solver does not merge yet): the promotion team merges them by
hand, or a later version lets the planner choose a merged candidate when settings say
`"merge": true`.
"""

from __future__ import annotations

from typing import Any

from domain.planning.candidates import Candidates
from domain.planning.model import PlanInput
from domain.tiers import Tier


def suggestions(inp: PlanInput, c: Candidates) -> list[dict[str, Any]]:
    out = []
    views = [v for v in c.views if v.s_month is None and (v.intent.requested_tier or Tier.A) != Tier.S]
    by_key: dict[tuple[str, str], list] = {}
    for v in views:
        by_key.setdefault((v.intent.business_line, v.intent.category), []).append(v)
    for (line, cat), vs in sorted(by_key.items()):
        for i, a in enumerate(vs):
            for b in vs[i + 1:]:
                common = [m for m in a.intent.months if m in b.intent.months]
                if common:
                    out.append({"intents": [a.intent.request_id, b.intent.request_id], "business_line": line,
                                "category": cat, "months": common, "merged": False,
                                "note": "same line and category, overlapping months: merge by hand"})
    return out

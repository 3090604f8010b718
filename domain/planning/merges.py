"""Step 4, merges: intents of one line and category whose months overlap, tiers at most A.

Two such intents can run as one campaign: the partner (the carrier) runs it in one of
their common months at its own tier, the merged intent rides along. `pairs` lists the
directed pairs (merged -> carrier, common months) the model may use. With `"merge": true`
in settings the solver gets one boolean per pair (domain.planning.solver): a merge needs
the carrier placed (A or B) in a common month, the merged intent then has no slot, uses no
days and adds no value (the campaign's value counts once, the carrier's). Merging never
raises the value, so the first stage ignores it (a merged intent is an intent cut in
value terms, which frees its place for another); the second stage prefers a merge to a
cut before it looks at moves. Only intents that would otherwise be cut are merged: not
leadership's S, not pinned, A or B possible in their preferred month. Without the flag the
plan's cut intents are listed with the partners running in their months, as suggestions
for the promotion team to merge by hand.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from domain.planning.candidates import Candidates, IntentView, Option
from domain.planning.model import PlanInput
from domain.tiers import Tier


def _at_most_a(v: IntentView) -> bool:
    return v.s_month is None and (v.intent.requested_tier or Tier.A) != Tier.S and bool(v.options)


def mergeable(v: IntentView) -> bool:
    """May be merged into a partner: at most A, not pinned, cut if it does not run (A/B possible at home)."""
    pinned = v.pin_cut or v.pin_month is not None or v.pin_tier is not None
    home = v.intent.months[0]
    return _at_most_a(v) and not pinned and v.ceiling.get(home, Tier.C) != Tier.C


Group = tuple[str, str, str]  # (business line, category, month)


def carriers(c: Candidates) -> dict[Group, list[int]]:
    """Per line, category and month, the A/B options of the intents that may carry a merge
    (at most A: not leadership's S, not asking S, with options)."""
    out: dict[Group, list[int]] = defaultdict(list)
    for v in c.views:
        if _at_most_a(v):
            for k in v.options:
                o = c.options[k]
                if o.tier in (Tier.A, Tier.B):
                    out[(v.intent.business_line, v.intent.category, o.month)].append(k)
    return out


def slots(c: Candidates, groups: dict[Group, list[int]]) -> list[tuple[int, str, Group]]:
    """(merged intent, month, group): each month of a mergeable intent in which another
    intent of its line and category could run as A or B. The model chooses at most one per
    intent and needs its group running in that month; which partner carries it is read from
    the plan afterwards (`carrier`). One literal per (intent, month), not per pair: pairs
    grow with the square of a line's intents (2.6 million for 5,000 intents of six lines)."""
    out = []
    for v in c.views:
        if not mergeable(v):
            continue
        for m in v.intent.months:
            g = (v.intent.business_line, v.intent.category, m)
            if any(c.options[k].intent != v.index for k in groups.get(g, [])):
                out.append((v.index, m, g))
    return out


def carrier(c: Candidates, merged: int, options: list[int], chosen: list[bool]) -> int:
    """The partner that carries `merged`: among the placed options of its group, the highest
    tier, then the best score, then the request id (deterministic)."""
    placed = [c.options[k] for k in options if chosen[k] and c.options[k].intent != merged]
    best = min(placed, key=lambda o: (-o.tier.rank, -o.score, c.views[o.intent].intent.request_id))
    return best.intent


def suggestions(inp: PlanInput, c: Candidates, chosen: dict[int, Option]) -> list[dict[str, Any]]:
    """Without `"merge": true`: for each intent the plan cuts, the partners it could ride on by
    hand (what `"merge": true` would choose from): an intent of its line and category placed
    as A or B in one of its months. With the flag: none (the planner merges).

    Computed from the plan, not from every pair of intents: pairs of a line and category
    with overlapping months grow with the square of the intake (1.3 million for 5,000
    intents of six lines, 345 MB of JSON), while a cut intent has at most a few partners
    running in its months (the month caps bound them)."""
    if inp.settings.merge:
        return []
    running: dict[tuple[str, str, str], list[IntentView]] = defaultdict(list)
    for i, o in sorted(chosen.items()):
        if o.tier in (Tier.A, Tier.B):
            it = c.views[i].intent
            running[(it.business_line, it.category, o.month)].append(c.views[i])
    out = []
    for v in c.views:
        if v.index in chosen or not mergeable(v):
            continue
        it = v.intent
        for m in it.months:
            for b in running.get((it.business_line, it.category, m), []):
                first, second = sorted((v, b), key=lambda x: x.index)
                out.append({"intents": [first.intent.request_id, second.intent.request_id],
                            "business_line": it.business_line, "category": it.category, "months": [m],
                            "merged": False, "cut": it.request_id, "carrier": b.intent.request_id,
                            "note": f"{it.request_id} is cut; {b.intent.request_id} of its line and category "
                                    f"runs in {m}: merge by hand, or let the planner merge with \"merge\": true"})
    out.sort(key=lambda s: (s["business_line"], s["category"], s["intents"], s["months"]))
    return out

"""Team capacity in the year planner: the live path's rule (domain/approvals/preparation.py) as rows
of the CP-SAT model.

What a burst needs from the teams depends only on its tier and start day (its phases
follow from them), so, like resources, the rows are written on the model's burst
carriers (an intent's fixed start or a month's slot boolean), never per intent: one row
per team and ISO week whose worst case could pass the capacity, identical rows once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from domain.approvals.preparation import team_capacity, team_demand
from domain.dates import plan_phases
from domain.policy import Policy
from domain.tiers import Tier


def team_rows(pol: Policy, carriers: Iterable[tuple[Any, Tier, date]],
              keep_duplicates: bool = False) -> list[tuple[str, list[tuple[Any, int]], int]]:
    """(rule name, [(literal, people-days)], capacity) for every team-week that can bind."""
    capacity = team_capacity(pol)
    terms: dict[tuple[str, str], list[tuple[Any, int]]] = defaultdict(list)
    for lit, tier, start in carriers:
        for key, n in team_demand(pol, tier, plan_phases(pol, tier, start)).items():
            if key[0] in capacity:
                terms[key].append((lit, n))
    rows = []
    seen: set[tuple[Any, ...]] = set()
    for (team, week), ts in sorted(terms.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        cap = capacity[team]
        if sum(n for _, n in ts) <= cap:
            continue
        same = (tuple(sorted((lit.index, n) for lit, n in ts)), cap)
        if same in seen and not keep_duplicates:
            continue
        seen.add(same)
        rows.append((f"team {team}: {cap} people-days in {week}", ts, cap))
    return rows

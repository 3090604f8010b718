"""Entry standards per tier (DOMAIN.md "Money": the playbook's merchant entry standards,
product range, stock and discount depth): what a request must state, at least, to be a tier.

Like the revenue and traffic minimums (domain/scoring.py `gate_tier`), a request stating a
figure below a tier's standard cannot be that tier; a figure not stated (no mechanics: no
depth; no `skus`; no `inventory_value`) is shown as "not stated" and blocks nothing, so a
request stating none of them is judged as before the standards existed. Pure.
"""

from __future__ import annotations

from typing import Any

from domain.campaign import CampaignRequest
from domain.policy import Policy
from domain.tiers import Tier

MET, NOT_MET, NOT_STATED, NO_STANDARD = "met", "not met", "not stated", "no standard"
FIGURES = ("depth", "skus", "inventory_value")
STANDARD_TIERS = (Tier.S, Tier.A, Tier.B)
_EPS = 1e-9  # a depth stated as the standard meets it, whatever the float sum


def _stated(request: CampaignRequest, figure: str) -> float | None:
    if figure == "depth":
        return request.depth
    value = getattr(request, figure)
    return None if value is None else float(value)


def _standard(policy: Policy, tier: Tier, figure: str) -> float | None:
    std = policy.entry_standards.get(tier)
    if std is None:
        return None
    value = getattr(std, f"min_{figure}")
    return None if value is None else float(value)


def _show(figure: str, value: float) -> str:
    if figure == "depth":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def judge(policy: Policy, request: CampaignRequest, tier: Tier, figure: str) -> dict[str, Any]:
    """One figure against one tier's standard: {"status", "stated", "standard"}."""
    stated, standard = _stated(request, figure), _standard(policy, tier, figure)
    if standard is None:
        status = NO_STANDARD
    elif stated is None:
        status = NOT_STATED
    else:
        status = MET if stated >= standard - _EPS else NOT_MET
    return {"status": status, "stated": stated, "standard": standard}


def standards_table(policy: Policy, request: CampaignRequest) -> dict[str, dict[str, dict[str, Any]]]:
    """Per tier (S, A, B), per figure: met / not met / not stated, with the stated figure and
    the standard (the campaign state's `standards`)."""
    return {t.value: {f: judge(policy, request, t, f) for f in FIGURES} for t in STANDARD_TIERS}


def shortfalls(policy: Policy, request: CampaignRequest, tier: Tier) -> list[str]:
    """The figures the request states below `tier`'s standard, each naming it ("skus 200
    below A's 300"); empty when it meets them or states none."""
    out = []
    for figure in FIGURES:
        j = judge(policy, request, tier, figure)
        if j["status"] == NOT_MET:
            name = figure.replace("_", " ")
            out.append(f"{name} {_show(figure, j['stated'])} below {tier.value}'s {_show(figure, j['standard'])}")
    return out

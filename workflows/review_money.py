"""The review's money steps inside the campaign workflow (DOMAIN.md "Money"), kept out of
campaign.py: one set of steps for the first review and the re-review after an amendment
(workflows/amend.py), so an amended campaign gets the flags and standards the same request
submitted fresh would. The rules themselves are pure (domain/money_review.py).

- `on_review`: the entry-standards table and the money flags in the state, for ReviewScored;
- `validate_overrides`: the update validators' money and half-year overrides (refusing
  before anything enters history: 409 `margin_below_floor` with the numbers unless a
  leader overrides with a reason);
- `at_tier`: once a tier is set (approval, downgrade, C, a published plan), the forecast at
  that tier and its money, into the state and the event that sets the tier.
"""

from __future__ import annotations

from typing import Any, Protocol

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import entry_standards
    from domain import money_review as mr
    from domain.campaign import CampaignRequest
    from domain.money import Money
    from domain.policy import Policy
    from domain.scoring import ReviewScore
    from domain.tiers import Tier
    from workflows.messages import Actor, Approve, CampaignState


class _Host(Protocol):
    """What these steps use of the campaign workflow (workflows/campaign.py)."""

    state: CampaignState
    request: CampaignRequest

    @property
    def _policy(self) -> Policy: ...


def _refuse(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, type=code, non_retryable=True)


def _asked(wf: _Host) -> Tier | None:
    """The tier the request asked for, else the one the review proposed."""
    return wf.request.requested_tier or wf.state.proposed_tier


def _set_forecast(wf: _Host, tier: Tier | None) -> None:
    s = wf.state
    s.forecast_asked = wf.request.forecast
    s.forecast = (mr.tier_forecast(wf._policy, wf.request.forecast, _asked(wf), tier) if tier is not None
                  else wf.request.forecast)
    s.money = mr.money_at(wf.request, s.forecast)


def on_review(wf: _Host, review: ReviewScore, leadership: bool) -> dict[str, Any]:
    """The request was scored (first review or re-review): the state's standards, money
    flags and forecast; answers ReviewScored's money fields."""
    s = wf.state
    s.standards = entry_standards.standards_table(wf._policy, wf.request)
    s.flags = mr.without_money_flags(s.flags) + mr.review_flags(wf._policy, wf.request, review, leadership)
    _set_forecast(wf, s.tier)  # a campaign holding its place keeps its tier until decided again
    return {"margin_below_floor": mr.margin_problem(wf._policy, wf.request), "standards": s.standards}


def on_amended(wf: _Host) -> Money | None:
    """The request changed (wf.request is the new one): forecast and money at the current tier."""
    _set_forecast(wf, wf.state.tier)
    return wf.state.money


def at_tier(wf: _Host, tier: Tier, margin_override: bool = False) -> dict[str, Any]:
    """A tier is set: the forecast at it (scaled below the tier asked) and its money, in the
    state; answers the fields of the event that sets it (with the decision's margin override)."""
    _set_forecast(wf, tier)
    return {"forecast": wf.state.forecast, "money": wf.state.money, "margin_override": margin_override}


def approval_reason(wf: _Host, d: Approve, tier: Tier, proposed: Tier) -> str | None:
    """The approval's recorded reason: the comment, why an S request is S whatever the score
    proposed, and each override with the reason given for it."""
    why = d.comment if tier == proposed else (f"S is leadership's choice (the score proposed {proposed.value})"
                                              + (f"; {d.comment}" if d.comment else ""))
    for flag, override in (("s_half_override", d.s_half_override),
                           ("margin_override", d.margin_override)):
        if override:
            why = f"{flag}: {d.reason}" + (f"; {why}" if why else "")
    return why


def validate_overrides(wf: _Host, actor: Actor, on_behalf_of: Actor | None, tier: Tier, *,
                       margin_override: bool, reason: str | None, s_half_override: bool = False) -> None:
    """An approval or downgrade to `tier`: the overrides it carries (a leader's, with a
    reason) and the margin floor (C is not checked: its money is shown only)."""
    authority = on_behalf_of or actor
    if s_half_override:
        if tier != Tier.S:
            raise _refuse("s_half_override is for an S campaign", "invalid_request")
        if authority.role != "leader":
            raise _refuse("only a leader may approve an S past its half-year's cap (s_half_override)", "forbidden")
        if not (reason or "").strip():
            raise _refuse("s_half_override needs a reason", "invalid_request")
    if margin_override:
        if authority.role != "leader":
            raise _refuse("only a leader may approve a campaign under the margin floor (margin_override)", "forbidden")
        if not (reason or "").strip():
            raise _refuse("margin_override needs a reason", "invalid_request")
    if tier == Tier.C or margin_override:
        return
    if (problem := mr.margin_problem(wf._policy, wf.request)) is not None:
        raise _refuse(f"{problem}; a leader may approve it with margin_override and a reason",
                      mr.MARGIN_BELOW_FLOOR)

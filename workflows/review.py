"""The review inside the campaign workflow: one set of steps for the first review and the
re-review after a material amendment (workflows/amend.py), around the one pure review
(domain/review.py). Reads the line's history for the forecast check (a local activity),
reviews, puts the result in the state and answers the ReviewScored to record."""

from __future__ import annotations

from typing import Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.campaign import CampaignActivities
    from activities.messages import ForecastHistory
    from domain import events as ev
    from domain.approvals.people import SYSTEM
    from domain.campaign import CampaignRequest
    from domain.lines import BusinessLineContext
    from domain.policy import Policy
    from domain.review import Review, history_tier, review
    from domain.tiers import Tier
    from workflows import review_money as money
    from workflows.messages import CampaignState
    from workflows.recorder import EventLog, step


class _Host(Protocol):
    state: CampaignState
    request: CampaignRequest
    line: BusinessLineContext | None
    log: EventLog

    @property
    def _policy(self) -> Policy: ...


async def score(wf: _Host) -> tuple[Review, ev.ReviewScored]:
    """Review the workflow's request (as it stands) into the state; answers the review and
    its event."""
    policy, req, line = wf._policy, wf.request, wf.line
    assert line is not None
    history = await step(CampaignActivities.forecast_history, ForecastHistory(
        business_line=req.business_line, tier=history_tier(policy, line, req), month=req.month))
    r = review(policy, line, req, history)
    s = wf.state
    s.score, s.proposed_tier = r.score.score, r.score.proposed_tier
    s.forecast_check = r.forecast_check.model_dump(mode="json") if r.forecast_check is not None else None
    s.score_source, s.revenue_flag = r.source, r.revenue_flag
    money_fields = money.on_review(wf, r.score, r.leadership_decides)
    scored = ev.ReviewScored(
        score=r.score.score, factors=r.score.factors, proposed_tier=r.score.proposed_tier,
        forecast_sales=r.score.revenue.forecast_sales, revenue_target=r.score.revenue.revenue_target,
        target_reachable=r.score.revenue.reachable, leadership_decides=r.leadership_decides,
        source=r.source, forecast_check=s.forecast_check, flags=s.flags, **money_fields)
    return r, scored


def approve_c(wf: _Host) -> None:
    """Proposed C (domain.review.approved_without_review): recorded only, approved without review."""
    wf.state.tier = Tier.C
    wf.log.defer(ev.CampaignApproved(tier=Tier.C, **money.at_tier(wf, Tier.C)), SYSTEM,
                 "C tier: recorded only, no review")  # appended with the scheduling that follows

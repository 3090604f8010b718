"""One review (domain/review.py) for the first review and the re-review after a material
amendment, on the time-skipping server with real activities and PostgreSQL: with the
forecast check weighing in the score, an amended campaign is reviewed exactly as the same
final request submitted fresh."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.amend import AmendChanges
from domain.campaign import Phase, PhaseName, campaign_id_for
from domain.results.actuals import ActualRow
from domain.status import Status
from domain.tiers import Tier
from services import policy as policy_service
from services import results as results_service
from store import reference
from tests.workflows.helpers import owner_of, request, start
from tests.workflows.test_lifecycle import engine, until_status  # noqa: F401 - the fixture
from workflows.campaign import CampaignWorkflow
from workflows.messages import Amend

PAST = [Phase(phase=PhaseName.WARMUP, start=date(2027, 3, 5), end=date(2027, 3, 9)),
        Phase(phase=PhaseName.BURST, start=date(2027, 3, 9), end=date(2027, 3, 12))]


async def _modest_history(pool) -> None:
    """Three past food B campaigns in the season, each far below the requests' forecast."""
    for i in range(3):
        req = request(Tier.B, "2027-03", request_id=f"past-{i}")
        rows = [ActualRow(date=date(2027, 3, 5) + timedelta(days=d), traffic=1000, orders=10, gmv=1000.0,
                          gross_profit=200.0) for d in range(7)]
        assert await results_service.import_campaign(pool, campaign_id_for("food", req.request_id), req, Tier.B,
                                                     PAST, rows, "yan.ops", datetime(2027, 4, 1, tzinfo=UTC))


async def test_an_amended_campaign_is_re_reviewed_as_the_same_request_submitted_fresh(engine):  # noqa: F811
    env, pool, tq = engine
    await policy_service.change(pool, 2027, {"results": {"optimistic_in_score": True}}, "weigh the check", "yan.ops")
    await _modest_history(pool)
    first = request(Tier.B, "2027-03", revenue_target=1_000_000)
    h = await start(env.client, first, tq)
    await until_status(h, Status.IN_REVIEW)
    res = await h.execute_update(CampaignWorkflow.amend, Amend(
        actor=owner_of("food"), changes=AmendChanges(revenue_target=9_000_000), reason="a bigger target"))
    assert res.material is True and res.status == Status.IN_REVIEW

    final = first.model_copy(update={"revenue_target": 9_000_000, "request_id": "fresh-1"})
    fresh = await until_status(await start(env.client, final, tq), Status.IN_REVIEW)
    assert res.forecast_check is not None and res.forecast_check["optimistic"] is True
    assert (res.score, res.proposed_tier, res.forecast_check, res.score_source) == \
        (fresh.score, fresh.proposed_tier, fresh.forecast_check, fresh.score_source)
    # the re-review's event says so, as the fresh one's does, and the check weighed in: the
    # score is the plain weighted sum of its factors less the policy's penalty
    data = await pool.fetchval("SELECT data FROM events WHERE campaign_id = $1 AND type = 'ReviewScored' "
                               "ORDER BY seq DESC LIMIT 1", h.id)
    assert data["forecast_check"] == res.forecast_check and data["source"] == fresh.score_source
    policy = await reference.policy_for(pool, 2027)
    weights = policy.score_weights.model_dump()
    plain = min(1.0, sum(weights[k] * data["factors"][k] for k in weights))
    assert res.score == round(max(0.0, round(plain, 6) - policy.results.optimistic_penalty), 6)

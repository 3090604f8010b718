"""The results window: actuals arrive as an update while
the campaign runs and during the window after its last phase; a bad batch is refused
before anything enters history; the window's end records the CampaignOutcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.money import Mechanic, MechanicType
from domain.results.actuals import ActualRow
from domain.status import Status
from domain.tiers import Tier
from tests.workflows.helpers import OPS, owner_of, request
from tests.workflows.test_lifecycle import POLICY, approved, engine, log_types, skip_to, until_status  # noqa: F401
from workflows.campaign import CampaignWorkflow
from workflows.messages import RecordActuals

DISCOUNT = Mechanic(type=MechanicType.DISCOUNT, depth=0.12, platform_share=0.5)  # at A's entry standard


def row(day, gmv: float = 10_000.0) -> ActualRow:
    return ActualRow(date=day, traffic=100_000, orders=100, gmv=gmv, gross_profit=gmv * 0.2, promotion_cost=500.0,
                     paid_traffic=100.0)


async def test_actuals_during_the_window_then_the_outcome(engine):  # noqa: F811
    env, pool, tq = engine
    h = await approved(env, tq, request(Tier.A, "2027-05", revenue_target=20_000_000, gross_margin=0.3,
                                        traffic=8_000_000, mechanics=[DISCOUNT]))
    st = await until_status(h, Status.SCHEDULED)
    start, end = st.phases[0].start, st.phases[-1].end
    await skip_to(env, end + timedelta(days=1))
    owner = owner_of("food")
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    answer = await h.execute_update(CampaignWorkflow.record_actuals, RecordActuals(actor=owner, rows=[row(d) for d in days]))
    assert (answer.recorded, answer.corrected, answer.unchanged) == (len(days), 0, 0)
    again = await h.execute_update(CampaignWorkflow.record_actuals,
                                   RecordActuals(actor=OPS, rows=[row(days[0], 20_000.0), row(days[1])]))
    assert (again.recorded, again.corrected, again.unchanged) == (0, 1, 1)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(CampaignWorkflow.record_actuals,
                               RecordActuals(actor=OPS, rows=[row(end + timedelta(days=5))]))
    assert isinstance(err.value.cause, ApplicationError) and err.value.cause.type == "invalid_actuals"
    assert "after today" in err.value.cause.message
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await h.execute_update(CampaignWorkflow.record_actuals,
                               RecordActuals(actor=owner_of("beauty"), rows=[row(days[0])]))
    assert err.value.cause.type == "forbidden"
    final = await h.result()
    assert final.status == Status.COMPLETED and final.outcome_recorded
    types = await log_types(pool, h)
    assert types[-5:] == ["PhaseEnded", "CampaignCompleted", "ActualsRecorded", "ActualsCorrected", "CampaignOutcome"]
    outcome = await pool.fetchval("SELECT outcome FROM campaign_outcomes WHERE campaign_id = $1", h.id)
    assert outcome["actual"]["sales"] == 10_000.0 * (len(days) + 1)
    assert outcome["counted_days"] == POLICY.rule(Tier.A).counted_days
    # money from the days' promotion costs (DOMAIN.md "Money"): the workflow's outcome as the store's
    assert (outcome["money_from"], outcome["cost"]) == ("actuals", 500.0 * len(days))
    assert outcome["gross_profit_after"] == pytest.approx(0.2 * 10_000.0 * (len(days) + 1) - 100.0 * len(days))
    assert (outcome["mechanic_types"], outcome["depth"]) == (["discount"], 0.12)  # the request's, for the report
    assert abs(sum(outcome["contributions"].values()) - outcome["gap"]) < 1e-6 * abs(outcome["gap"])
    assert final.score_source == "seeded" and final.forecast_check is None

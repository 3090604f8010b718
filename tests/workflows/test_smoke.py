
from domain.status import Status
from domain.tiers import Tier
from tests.conftest import new_task_queue, wait_until
from tests.workflows.helpers import APPROVER, request, running_worker, start
from workflows.campaign import CampaignWorkflow
from workflows.messages import Approve


async def test_b_campaign_runs_through_every_phase(ts_env, pool):
    tq = new_task_queue()
    async with running_worker(ts_env.client, pool, tq):
        h = await start(ts_env.client, request(Tier.B, "2027-03"), tq)

        async def in_review():
            return (await h.query(CampaignWorkflow.state_query)).status == Status.IN_REVIEW
        await wait_until(in_review, what="in_review")
        st = await h.execute_update(CampaignWorkflow.approve, Approve(actor=APPROVER, comment="ok"))
        assert st.tier == Tier.B
        result = await h.result()
        assert result.status == Status.COMPLETED
        types = [e.type for e in result.history]
        print(types)
        assert types[0] == "CampaignSubmitted" and types[-2:] == ["CampaignCompleted", "CampaignOutcome"]

"""Results: actuals (one campaign, or many at once for imports), the outcome, the history
import and a line's revenue feed (shared/API.md "Results and forecasts"). The routes parse
and render; services/results.py holds the use cases (the live workflow or the store, one
transaction per write, the caps)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AppDeps, CurrentActor
from api.errors import error_body
from api.results_models import (
    ActualsBody,
    ActualsResultBody,
    BulkActualsBody,
    BulkActualsResult,
    HistoryResult,
    Results,
    RevenueBody,
)
from services import results as uc
from services.errors import Refused

router = APIRouter(tags=["results"])


def _error(err: Refused) -> dict[str, Any]:
    return error_body(err.code, err.message, err.details)["error"]


@router.post("/campaigns/{campaign_id}/actuals", response_model=ActualsResultBody)
async def post_actuals(campaign_id: str, body: ActualsBody, actor: CurrentActor, d: AppDeps) -> ActualsResultBody:
    return await uc.record_actuals(d, actor, campaign_id, body.rows)


@router.post("/actuals", response_model=Results)
async def post_bulk_actuals(body: BulkActualsBody, actor: CurrentActor, d: AppDeps) -> Results:
    """Many campaigns' actuals in one call (`starter.py actuals import`); one result per item."""
    answers = await uc.record_many(d, actor, [(item.campaign_id, item.rows) for item in body.campaigns])
    return Results(results=[
        BulkActualsResult(campaign_id=item.campaign_id, status="invalid", error=_error(a)) if isinstance(a, Refused)
        else BulkActualsResult(campaign_id=item.campaign_id, status="stored", result=a)
        for item, a in zip(body.campaigns, answers, strict=True)])


@router.get("/campaigns/{campaign_id}/outcome")
async def get_outcome(campaign_id: str, actor: CurrentActor, d: AppDeps) -> dict[str, Any]:
    """The recorded outcome; before the results window closes, a provisional one from the
    actuals so far (`"provisional": true`)."""
    return await uc.outcome(d, actor, campaign_id)


@router.post("/history", response_model=Results)
async def import_history(body: dict[str, Any], actor: CurrentActor, d: AppDeps) -> Results:
    """Campaigns that already ran become completed campaigns; one result per item."""
    out = []
    for raw, answer in await uc.import_history(d, actor, body):
        rid, cid = uc.history_ids(raw)
        if isinstance(answer, Refused):
            out.append(HistoryResult(request_id=rid, campaign_id=cid, status="invalid", error=_error(answer)))
        else:
            out.append(HistoryResult(request_id=rid, campaign_id=cid, status=answer))
    return Results(results=out)


@router.post("/business-lines/{line}/revenue")
async def post_revenue(line: str, body: RevenueBody, actor: CurrentActor, d: AppDeps) -> dict[str, Any]:
    """Revenue outside campaigns, per day: the review adds it to the line's recorded actuals."""
    n = await uc.record_revenue(d, actor, line, [(e.date, e.revenue) for e in body.entries])
    return {"business_line": line, "recorded": n}

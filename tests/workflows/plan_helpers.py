"""Helpers for year-plan tests: the playbook's example year as intents, a started plan."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from domain.planning import season
from domain.planning.events import SChoice
from domain.planning.model import Intent
from tests.workflows.helpers import OPS, STARTED
from workflows.plan_messages import YearPlanInput
from workflows.year_plan import YearPlanWorkflow

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "plan-2027"


def example_raw() -> list[dict]:
    return json.loads((EXAMPLE / "intents.json").read_text())


def example_intents() -> list[Intent]:
    out = []
    for raw in example_raw():
        it = Intent.model_validate(raw)
        out.append(it.model_copy(update={"intent_id": season.intent_id_for(it.business_line, it.request_id)}))
    return out


def example_s(intents: list[Intent]) -> list[SChoice]:
    by_rid = {it.request_id: it for it in intents}
    return [SChoice(intent_id=by_rid[s["request_id"]].key, month=s["month"])
            for s in json.loads((EXAMPLE / "s.json").read_text())]


async def open_plan(client: Client, year: int, task_queue: str, intake_closes: date | None = None,
                    **kw) -> WorkflowHandle:
    handle = await client.start_workflow(
        YearPlanWorkflow.run, YearPlanInput(year=year, opened_by=OPS, intake_closes=intake_closes, **kw),
        id=f"plan-{year}", task_queue=task_queue)
    STARTED.append(handle)
    return handle

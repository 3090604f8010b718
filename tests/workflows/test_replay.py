"""Determinism across code changes: replay every committed history with today's code."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import SANDBOX
from workflows.campaign import CampaignWorkflow
from workflows.year_plan import YearPlanWorkflow

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def test_there_are_histories_of_every_path():
    names = {p.name.rsplit("-", 1)[0] for p in HISTORIES}
    assert any(".policy-overrides-only" in p.name for p in HISTORIES), "no history of the patched code"
    assert any(".playbook-fidelity" in p.name for p in HISTORIES), "no history of the playbook-fidelity patch"
    assert any(".lean-campaign" in p.name for p in HISTORIES), "no history of the lean-campaign patch"
    assert any(".all-patches" in p.name for p in HISTORIES), "no history with every patch of today"
    assert any(".results-window" in p.name for p in HISTORIES), "no history of the results-window patch"
    milestones = {p.name for p in HISTORIES if p.name.endswith(".milestones.json")}
    for path in ("done_one_overdue_then_cancel", "moves_its_open_milestones", "waits_for_its_retrospective"):
        assert any(path in n for n in milestones), f"no history of the milestones patch for {path}"
    plan = [p.name for p in HISTORIES if ".year-plan" in p.name]
    for path in ("season", "close_intake", "continue_as_new"):
        assert any(path in n for n in plan), f"no committed year-plan history for the {path} path"
    assert any(".approvals" in p.name for p in HISTORIES), "no history of the approvals patch"
    for path in ("downgrades", "c_tier", "signals", "material"):
        assert any(path in p.name and ".money-review" in p.name for p in HISTORIES), \
            f"no history of the money-review patch for the {path} path"
    for path in ("approve", "reject", "sla", "choose_month", "window_expires", "displaces", "cancel", "hot_topic",
                 "c_tier", "downgrades", "amend", "material"):
        assert any(path in n for n in names), f"no committed history for the {path} path"


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_committed_history_replays_with_current_code(path: Path):
    replayer = Replayer(workflows=[CampaignWorkflow, YearPlanWorkflow], data_converter=pydantic_data_converter,
                        workflow_runner=SANDBOX)
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None

"""Determinism across code changes: replay every committed history with today's code."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import SANDBOX
from workflows.campaign import CampaignWorkflow

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def test_there_are_histories_of_every_path():
    names = {p.name.rsplit("-", 1)[0] for p in HISTORIES}
    assert any(".policy-overrides-only" in p.name for p in HISTORIES), "no history of the patched code"
    assert any(".playbook-fidelity" in p.name for p in HISTORIES), "no history of the playbook-fidelity patch"
    assert any(".lean-campaign" in p.name for p in HISTORIES), "no history of the lean-campaign patch"
    assert any(".approvals" in p.name for p in HISTORIES), "no history of the approvals patch"
    for path in ("approve", "reject", "sla", "choose_month", "window_expires", "displaces", "cancel", "hot_topic",
                 "c_tier", "downgrades", "amend", "material"):
        assert any(path in n for n in names), f"no committed history for the {path} path"


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_committed_history_replays_with_current_code(path: Path):
    replayer = Replayer(workflows=[CampaignWorkflow], data_converter=pydantic_data_converter,
                        workflow_runner=SANDBOX)
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None

"""Determinism across code changes: replay every committed history with today's code.

This release is a baseline (tests/histories/README.md): its histories carry the label
`baseline`; every later change of a workflow's commands is a `workflow.patched(<id>)`
whose histories are committed beside these with the label `<id>`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import SANDBOX
from workflows.campaign import CampaignWorkflow
from workflows.messages import CampaignInput, CampaignState
from workflows.year_plan import YearPlanWorkflow

ROOT = Path(__file__).resolve().parent.parent.parent
HISTORIES = sorted((ROOT / "tests" / "histories").glob("*.json"))


def _label(path: Path) -> str:
    return path.name.removesuffix(".json").rsplit(".", 1)[-1]


def _patch_ids() -> set[str]:
    """Every id the workflows patch (or deprecate) today."""
    text = "\n".join(p.read_text() for p in (ROOT / "workflows").glob("*.py"))
    return set(re.findall(r"(?:patched|deprecate_patch)\(\s*[\"']([^\"']+)[\"']", text))


def test_there_are_baseline_histories_of_every_path():
    baseline = [p.name for p in HISTORIES if _label(p) == "baseline"]
    for path in ("approve", "reject", "sla", "choose_month", "window_expires", "displaces", "cancel", "hot_topic",
                 "c_tier", "downgrades", "signals", "amend", "material", "delegate", "escalation",
                 "actuals_during_the_window", "done_one_overdue_then_cancel", "moves_its_open_milestones",
                 "waits_for_its_retrospective"):
        assert any(path in n for n in baseline), f"no baseline history for the {path} path"
    plan = [n for n in baseline if "season" in n or "intake" in n or "publish" in n]
    for path in ("season", "close_intake", "worker_lost_during_publish"):
        assert any(path in n for n in plan), f"no baseline year-plan history for the {path} path"


def test_every_history_is_the_baseline_or_a_patch_of_today():
    """Histories are kept for as long as their branch can run: a label is `baseline` or a
    patch id still in workflows/ (a retired patch takes its histories with it)."""
    ids = _patch_ids()
    stray = sorted({_label(p) for p in HISTORIES} - {"baseline"} - ids)
    assert not stray, f"histories labelled {stray}: neither the baseline nor a patch id in workflows/"


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_committed_history_replays_with_current_code(path: Path):
    replayer = Replayer(workflows=[CampaignWorkflow, YearPlanWorkflow], data_converter=pydantic_data_converter,
                        workflow_runner=SANDBOX)
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


@workflow.defn(name="CampaignWorkflow")
class _OneTimerMore(CampaignWorkflow):
    """The campaign workflow with one command more (an unpatched change)."""

    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignState:
        await workflow.sleep(1)
        return await super().run(inp)


async def test_a_changed_command_sequence_fails_the_replay():
    """The guard itself: a workflow issuing one timer more than its history recorded is
    refused by the replay above, so an unpatched change cannot pass it."""
    campaign = [p for p in HISTORIES if not p.name.startswith(("test_a_season", "test_close_intake",
                                                               "test_a_worker_lost", "test_history_stays"))]
    assert campaign, "no campaign history to replay"
    replayer = Replayer(workflows=[_OneTimerMore], data_converter=pydantic_data_converter, workflow_runner=SANDBOX)
    history = WorkflowHistory.from_json(campaign[0].stem, campaign[0].read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None

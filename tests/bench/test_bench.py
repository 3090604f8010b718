"""The bench's own machinery (issue 28), small and fast: the keys latest.json must hold,
the worker's runner switch, and the worker as its own process measured apart from the
bench's client. The rungs themselves run in `make bench`, not here."""

from __future__ import annotations

import asyncio
import os

import pytest
from temporalio.worker import UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

import worker
from bench.harness import Meter, WorkerProcs, proc_cpu
from bench.report import REQUIRED_KEYS, missing_keys
from bench.workflows import NoopWorkflow
from tests.conftest import new_task_queue

# issue 28's list, copied here on purpose: the check must name every one
ISSUE_28_KEYS = [
    "noop.workflows_per_s", "noop.state_transitions_per_workflow", "noop.temporal_cpu_s", "noop.worker_cpu_s",
    "noop.workflows", "campaign.workflows_per_s", "campaign.workflows", "campaign.worker_cpu_s",
    "campaign.temporal_cpu_s", "campaign.postgres_cpu_s", "campaign.state_transitions_per_workflow",
    "latency.p95_ms", "latency.cpu_floor_s", "latency.cpu_ms_per_approval", "latency10.p95_ms", "eventstore.ratio",
    "publish.intents", "publish.seconds", "two_workers.workflows_per_s",
]


def _results_with(keys) -> dict:
    out: dict = {}
    for key in keys:
        rung, figure = key.split(".")
        out.setdefault(rung, {})[figure] = 1.0
    return out


def test_the_results_check_names_every_key_of_issue_28_a_run_lacks():
    assert sorted(REQUIRED_KEYS) == sorted(ISSUE_28_KEYS)
    assert missing_keys(_results_with(ISSUE_28_KEYS)) == []
    for key in ISSUE_28_KEYS:
        assert missing_keys(_results_with(k for k in ISSUE_28_KEYS if k != key)) == [key]
    nulled = _results_with(ISSUE_28_KEYS)
    nulled["publish"]["seconds"] = None
    assert missing_keys(nulled) == ["publish.seconds"]
    assert missing_keys({"latency": 3}) == ISSUE_28_KEYS  # a rung that is not a dict holds no figure


def test_the_worker_runner_is_chosen_by_name_and_a_wrong_name_is_refused(monkeypatch):
    assert worker.workflow_runner("sandboxed") is worker.SANDBOX
    assert worker.WORKER_OPTIONS["workflow_runner"] is worker.SANDBOX  # the default, what `make run` runs
    strict = worker.workflow_runner("sandboxed-strict")
    assert isinstance(strict, SandboxedWorkflowRunner) and not strict.restrictions.passthrough_all_modules
    assert isinstance(worker.workflow_runner("unsandboxed"), UnsandboxedWorkflowRunner)
    monkeypatch.setenv(worker.RUNNER_ENV, "unsandboxed")
    assert isinstance(worker.workflow_runner(), UnsandboxedWorkflowRunner)
    monkeypatch.setenv(worker.RUNNER_ENV, "none")
    with pytest.raises(ValueError, match="PROMOFLOW_WORKFLOW_RUNNER='none'"):
        worker.workflow_runner()


@pytest.mark.slow
async def test_the_worker_runs_in_its_own_process_and_its_cpu_is_measured_apart_from_the_client(
        dev_env, db_dsn, tmp_path):
    client, tq = dev_env.client, new_task_queue()
    async with WorkerProcs(client, db_dsn, tq, tmp_path, n=2) as wk:
        assert len(wk.pids) == 2 and os.getpid() not in wk.pids
        assert all(proc_cpu(pid) > 0 for pid in wk.pids)
        with Meter(worker_pids=wk.pids) as meter:
            handles = [await client.start_workflow(NoopWorkflow.run, id=f"bench-proc-{tq}-{i}", task_queue=tq)
                       for i in range(20)]
            await asyncio.gather(*(h.result() for h in handles))
        m = meter.stop()
        procs = wk.procs
    assert m["worker_processes"] == 2 and m["worker_cpu_s"] > 0 and m["client_cpu_s"] is not None
    assert m["worker_rss_mib"] > 50  # two Python processes with temporalio loaded, not this one's share
    assert all(p.poll() is not None for p in procs)  # stopped on exit

"""The ladder's output for people: ratios between rungs, the targets they are held to,
and the table printed at the end of a run (the JSON keeps every number)."""

from __future__ import annotations

import os

from bench.planner import lines as planner_lines

# Every key issue 28 asks of bench/results/latest.json (dotted: rung, then figure); a run
# that lacks one fails (bench/run.py), and tests/bench/test_report.py checks the check.
REQUIRED_KEYS = (
    "noop.workflows_per_s", "noop.state_transitions_per_workflow", "noop.temporal_cpu_s", "noop.worker_cpu_s",
    "noop.workflows", "campaign.workflows_per_s", "campaign.workflows", "campaign.worker_cpu_s",
    "campaign.temporal_cpu_s", "campaign.postgres_cpu_s", "campaign.state_transitions_per_workflow",
    "latency.p95_ms", "latency.cpu_floor_s", "latency.cpu_ms_per_approval", "latency10.p95_ms",
    "eventstore.ratio", "publish.intents", "publish.seconds", "two_workers.workflows_per_s",
)


def missing_keys(o: dict) -> list[str]:
    """The REQUIRED_KEYS a run's results lack (or hold as null)."""
    out = []
    for key in REQUIRED_KEYS:
        node: object = o
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            out.append(key)
    return out


def per_workflow_ms(o: dict, rung: str, cpu: str) -> float:
    return round(1000 * o[rung][cpu] / o[rung]["workflows"], 1)


def ratios(o: dict) -> dict:
    r = {}
    if "campaign" in o and "noop" in o:
        r["campaign_over_noop_workflows_per_s"] = round(
            o["campaign"]["workflows_per_s"] / o["noop"]["workflows_per_s"], 3)
        for cpu in ("temporal_cpu_s", "worker_cpu_s"):
            r[f"campaign_over_noop_{cpu}_per_workflow"] = round(
                per_workflow_ms(o, "campaign", cpu) / max(0.1, per_workflow_ms(o, "noop", cpu)), 2)
    if "latency" in o and "cpu_floor_s" in o["latency"]:
        r["latency_p95_over_cpu_floor"] = round(o["latency"]["p95_ms"] / 1000 / o["latency"]["cpu_floor_s"], 2)
    if "two_workers" in o:
        r["two_workers_over_one_workflows_per_s"] = o["two_workers"]["over_one_worker_workflows_per_s"]
    if "sandbox" in o and "sandbox_share_of_worker_cpu" in o["sandbox"]:
        r["sandbox_share_of_worker_cpu"] = o["sandbox"]["sandbox_share_of_worker_cpu"]
    if "campaign" in o and "floor" in o:
        r["campaign_over_floor_transitions_per_s"] = round(
            o["campaign"]["state_transitions_per_s"] / o["floor"]["state_transitions_per_s"], 3)
        r["campaign_over_floor_workflows_per_s"] = round(
            o["campaign"]["workflows_per_s"] / o["floor"]["workflows_per_s"], 3)
    if "floor" in o and "noop" in o:
        r["floor_over_noop_transitions_per_s"] = round(
            o["floor"]["state_transitions_per_s"] / o["noop"]["state_transitions_per_s"], 3)
    if "floor_memory" in o:
        r["wal_over_memory_floor_transitions_per_s"] = round(
            o["floor"]["state_transitions_per_s"] / o["floor_memory"]["state_transitions_per_s"], 3)
        r["wal_over_memory_floor_workflows_per_s"] = round(
            o["floor"]["workflows_per_s"] / o["floor_memory"]["workflows_per_s"], 3)
    if "eventstore" in o:
        r["appends_over_pgbench_inserts"] = o["eventstore"]["ratio"]
    for key, c in o.get("planner", {}).get("versus_fcfs", {}).items():
        r[f"planner_over_fcfs_best_{key}"] = round(c["planner_over_arrival_best"], 3)
        r[f"planner_over_fcfs_worst_{key}"] = round(c["planner_over_arrival_worst"], 3)
        r[f"planner_over_s_first_best_{key}"] = round(c["planner_over_s_first_best"], 3)
    return r


TARGETS = [
    # issue 28: against the engine's own floor, measured in the same run
    ("campaign state transitions per workflow", lambda o: o["campaign"]["state_transitions_per_workflow"], "<=", 4),
    ("Temporal CPU per campaign ÷ per no-op workflow",
     lambda o: o["ratios"]["campaign_over_noop_temporal_cpu_s_per_workflow"], "<=", 2),
    ("worker CPU per campaign ÷ per no-op workflow (worker process alone)",
     lambda o: o["ratios"]["campaign_over_noop_worker_cpu_s_per_workflow"], "<=", 4),
    ("campaign ÷ no-op, workflows/s", lambda o: o["ratios"]["campaign_over_noop_workflows_per_s"], ">=", 0.45),
    ("CPU per approval, worker + Temporal + PostgreSQL (ms)",
     lambda o: o["latency"]["cpu_ms_per_approval"], "<=", 25),
    ("approve→scheduled p95 (50) ÷ their CPU floor", lambda o: o["ratios"]["latency_p95_over_cpu_floor"], "<=", 1.25),
    ("approve→scheduled p95, 10 concurrent (ms)", lambda o: o["latency10"]["p95_ms"], "<", 500),
    ("event appends from two processes ÷ pgbench -j 2 -c 8", lambda o: o["eventstore"]["ratio"], ">=", 0.5),
    ("publish of the placed intents (s)", lambda o: o["publish"]["seconds"], "<=", 120),
    ("sandbox's share of the worker's CPU (keep it below)",
     lambda o: o["ratios"]["sandbox_share_of_worker_cpu"], "<=", 0.25),
    ("campaign ÷ floor, state transitions/s",
     lambda o: o["ratios"]["campaign_over_floor_transitions_per_s"], ">=", 0.90),
    ("WAL ÷ in-memory (floor), state transitions/s",
     lambda o: o["ratios"]["wal_over_memory_floor_transitions_per_s"], ">=", 0.90),
    ("approve→scheduled p95, 50 concurrent (ms)", lambda o: o["latency"]["p95_ms"], "<", 500),
    ("playbook year wall time (s)", lambda o: o["playbook"]["wall_s"], "<", 15),
    ("worker RSS with the open campaigns (MiB)", lambda o: o["open"]["worker_rss_mib"], "<", 600),
    ("planner, example year: solver s (optimal)", lambda o: _optimal(o, "example"), "<=", 2),
    ("planner, 80 intents: solver s (optimal)", lambda o: _optimal(o, "80"), "<=", 2),
    ("planner, 1,000 intents: solver s (optimal)", lambda o: _optimal(o, "1000"), "<=", 10),
    ("planner, 1,000 intents, gross_profit and a money budget: solver s (optimal)",
     lambda o: _optimal(o, "1000-gp"), "<=", 10),
    ("planner, 5,000 intents: solver s", lambda o: o["planner"]["rows"]["5000"]["solver_s"], "<=", 60),
    ("planner, 5,000 intents: gap to the bound", lambda o: round(o["planner"]["rows"]["5000"]["gap"], 6), "<=", 0.001),
    ("planner, six lines, 5,000 intents: solver s", lambda o: o["planner"]["rows"]["six-5000"]["solver_s"], "<=", 60),
    ("planner, six lines, 5,000 intents: gap to the bound",
     lambda o: round(o["planner"]["rows"]["six-5000"]["gap"], 6), "<=", 0.001),
    ("planner, six lines, 5,000 intents: whole `python -m planner solve` s",
     lambda o: o["planner"]["rows"]["six-5000"]["total_s"], "<=", 90),
    ("planner ÷ best first come, first served (example)",
     lambda o: round(o["planner"]["versus_fcfs"]["example"]["planner_over_arrival_best"], 3), ">=", 1.0),
    ("planner ÷ best first come, first served (80)",
     lambda o: round(o["planner"]["versus_fcfs"]["80"]["planner_over_arrival_best"], 3), ">=", 1.0),
    *((f"web page {page} p95 (ms)", lambda o, page=page: o["web"]["pages"][page]["p95_ms"], "<=", 150)
      for page in ("inbox", "list", "campaign")),
]


def _optimal(o: dict, key: str) -> float:
    """The solver seconds of a planner year, infinite unless proven optimal."""
    row = o["planner"]["rows"][key]
    return row["solver_s"] if row["status"] == "optimal" else float("inf")


def table(o: dict) -> str:
    lines = []
    add = lines.append
    add(f"machine: {o['machine']['cores']} cores, {o['machine']['ram_gib']} GiB, Python {o['machine']['python']}, "
        f"{o['machine']['temporal_cli'].splitlines()[0] if o['machine']['temporal_cli'] else 'temporal ?'}")
    add("")
    _rungs(o, add)
    if "planner" in o:
        p = o["planner"]
        add(f"  7 planner (CP-SAT, {p['orders']} first-come-first-served orders, seed {p['seed']}, "
            f"limit {p['time_limit_s']} s; rung {p['wall_s']} s):")
        lines.extend("    " + x for x in planner_lines(p))
    if "web" in o:
        w = o["web"]
        add(f"  8 web pages ({w['campaigns_in_read_model']} campaigns, {w['in_review']} in review; ms, one at a time):")
        for page, f in w["pages"].items():
            add(f"    {page:<9} p50 {f['p50_ms']:>6}  p95 {f['p95_ms']:>6}  max {f['max_ms']:>6}  "
                f"SQL statements {f['statements_per_page']:g}  ({f['path']})")
    add("")
    add("targets:")
    for label, get, op, limit in TARGETS:
        try:
            v = get(o)
        except KeyError:
            continue
        ok = v >= limit if op == ">=" else v <= limit if op == "<=" else v < limit
        add(f"  {'MET ' if ok else 'MISS'} {label}: {v} (target {op} {limit})")
    return "\n".join(lines)


def _rungs(o: dict, add) -> None:
    if any(k in o for k in ("noop", "floor", "floor_memory", "campaign")):
        add(f"{'rung':<26}{'n':>6}{'wall s':>9}{'wf/s':>9}{'trans/s':>10}{'trans/wf':>10}"
            f"{'worker cpu%':>12}{'temporal s':>11}{'pg s':>7}{'RSS MiB':>9}")
    for key, label in (("noop", "1 noop (WAL)"), ("floor", "2 floor (WAL)"), ("floor_memory", "2m floor (memory)"),
                       ("campaign", "3 campaign (WAL, PG)"), ("two_workers", "3w two workers")):
        if key in o:
            x = o[key]
            add(f"{label:<26}{x['workflows']:>6}{x['wall_s']:>9.2f}{x['workflows_per_s']:>9.2f}"
                f"{x['state_transitions_per_s']:>10.1f}{x['state_transitions_per_workflow']:>10.1f}"
                f"{x['worker_cpu_pct_of_one_core']:>12.1f}{x['temporal_cpu_s']:>11.1f}{x['postgres_cpu_s']:>7.1f}"
                f"{x['worker_rss_mib']:>9.1f}")
    add("")
    for k, v in o.get("ratios", {}).items():
        add(f"  {k:<50} {v}")
    if "latency" in o:
        x = o["latency"]
        add(f"  approve→scheduled, {x['concurrent_approvals']} concurrent: p50 {x['p50_ms']} ms, p95 {x['p95_ms']} ms, "
            f"max {x['max_ms']} ms; one at a time: p50 {x['single_approval_p50_ms']} ms")
        add("    stages p50/p95 ms: " + "; ".join(f"{k} {v['p50_ms']}/{v['p95_ms']}" for k, v in x["stages"].items()
                                            if isinstance(v, dict))
            + f"; reserve starts spread over {x['stages'].get('reserve_starts_span_ms')} ms, allocate starts over "
              f"{x['stages'].get('allocate_starts_span_ms')} ms")
        add(f"    PostgreSQL during the {x['concurrent_approvals']}: {x['pg_locks']}")
        if "cpu_s" in x:
            add(f"    CPU during the {x['concurrent_approvals']}: {x['cpu_s']} = {x['cpu_ms_per_approval']} ms per "
                f"approval; on {os.cpu_count()} cores no wait at all would still take {x['cpu_floor_s']} s "
                f"(wall {x['wall_s']} s)")
    _issue28(o, add)
    if "campaign" in o and o["campaign"].get("pg_locks"):
        add(f"  PostgreSQL during the campaign rung: {o['campaign']['pg_locks']}")
    if "open" in o:
        x = o["open"]
        add(f"  open campaigns in review: {x['open_in_review']} (all open on server: {x['open_campaigns_on_server']}) "
            f"-> worker RSS {x['worker_rss_mib']} MiB; samples "
            + ", ".join(f"{s['open']}:{s['worker_rss_mib']}" for s in x["samples"]))
    if "playbook" in o:
        x = o["playbook"]
        add(f"  playbook year ({x['campaigns']} requests) through every phase, time-skipping: {x['wall_s']} s "
            f"(decisions {x['decided_s']} s); final {x['final']}")
    if "eventstore" in o:
        x = o["eventstore"]
        two = x.get("processes") or {}
        add(f"  event appends (append + apply, 1 tx, c={x['concurrency']}): one process {x['appends_per_s']}/s, "
            f"{two.get('processes', '?')} processes {two.get('appends_per_s', '?')}/s; "
            f"pgbench INSERT -j 2 -c {x['concurrency']}: {x['pgbench_tps']}/s; ratio {x['ratio']} "
            f"(one process {x.get('one_process_ratio')})")
    if "profile" in o:
        p = o["profile"]
        add(f"  profile (cProfile, all threads, {p['campaigns']} campaigns): busy {p['busy_tottime_s']} s "
            f"(idle waits {p['idle_wait_s']} s excluded); by group: "
            + ", ".join(f"{g} {v}%" for g, v in list(p["busy_by_group_pct"].items())[:8]))
        for t in p["top_tottime"][:10]:
            add(f"    {t['tottime_s']:>8.2f} s  {t['calls']:>9}  {t['fn']}")


def _issue28(o: dict, add) -> None:
    """Per workflow CPU of each process (the worker process alone, the bench's client apart),
    the sandbox's price, two workers, 10 approvals at once, the publish rung."""
    for key in ("noop", "campaign", "two_workers"):
        x = o.get(key)
        if x and x.get("client_cpu_s") is not None:
            ms = {k: round(1000 * x[k] / x["workflows"], 1) for k in ("worker_cpu_s", "temporal_cpu_s",
                                                                      "postgres_cpu_s", "client_cpu_s")}
            add(f"  {key}: CPU per workflow (ms): worker {ms['worker_cpu_s']} ({x['worker_processes']} process(es)), "
                f"Temporal {ms['temporal_cpu_s']}, PostgreSQL {ms['postgres_cpu_s']}; the bench's client "
                f"{ms['client_cpu_s']}")
    if "sandbox" in o:
        x = o["sandbox"]
        add("  sandbox's price, worker CPU per campaign (ms): " + ", ".join(
            f"{k} {v} ({x['workflows_per_s'][k]} wf/s)" for k, v in x["worker_cpu_ms_per_campaign"].items())
            + f"; the sandbox's share {x.get('sandbox_share_of_worker_cpu')}")
    if "two_workers" in o:
        x = o["two_workers"]
        add(f"  two workers: {x['workflows_per_s']} wf/s ({x['over_one_worker_workflows_per_s']} × one); "
            f"same results: {x['same_results']}")
    if "latency10" in o:
        x = o["latency10"]
        add(f"  approve→scheduled, 10 concurrent: p50 {x['p50_ms']} ms, p95 {x['p95_ms']} ms; "
            f"{x.get('cpu_ms_per_approval')} ms CPU per approval")
    if "publish" in o:
        x = o["publish"]
        add(f"  publish: {x['intents']} placed intents (of {x['intents_submitted']}; solve {x['solve_s']} s, "
            f"{x['solve_status']}) published in {x['seconds']} s = {x['campaigns_per_s']} campaigns/s; "
            f"scheduled {x['scheduled']}, cut {x['cut']}; CPU worker {x['worker_cpu_s']} s, Temporal "
            f"{x['temporal_cpu_s']} s, PostgreSQL {x['postgres_cpu_s']} s")

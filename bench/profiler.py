"""Rung 3p: the campaign rung under cProfile in every thread (the SDK runs workflow
activations in a thread pool), summarised by library group with idle waits set apart,
so the report says where the worker's CPU goes."""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import pstats
import threading
from pathlib import Path

from temporalio.client import Client

from bench.harness import ROOT, b_request, bounded, build_bench_worker
from bench.rungs import approve_when_in_review, start_campaign
from domain.campaign import campaign_id_for


def profile_all_threads() -> tuple[list[cProfile.Profile], callable]:
    """cProfile this thread and every thread started from now on (the SDK runs workflow
    activations in a thread pool)."""
    profiles: list[cProfile.Profile] = []

    def boot(frame, event, arg):  # first event in a new thread: hand over to a Profile
        p = cProfile.Profile()
        profiles.append(p)
        p.enable()  # replaces this hook for the thread

    threading.setprofile(boot)
    main = cProfile.Profile()
    profiles.append(main)
    main.enable()

    def stop() -> None:
        threading.setprofile(None)
        for p in profiles:
            with contextlib.suppress(Exception):  # a profile of a finished thread
                p.disable()
    return profiles, stop


async def rung_profile(client: Client, pool, tq_factory, n: int, prefix: str, out: Path) -> dict:
    """The campaign rung under cProfile. A fresh worker, so its workflow threads are new."""
    profiles, stop = profile_all_threads()
    try:
        tq = tq_factory()
        async with build_bench_worker(client, pool, tq):
            reqs = [b_request(i, prefix) for i in range(n)]
            ids = [campaign_id_for(r.business_line, r.request_id) for r in reqs]
            approver = asyncio.create_task(approve_when_in_review(client, pool, ids))
            await bounded((start_campaign(client, r, tq) for r in reqs), 64)
            await approver
    finally:
        stop()
    stats = None
    for p in profiles:
        try:
            stats = pstats.Stats(p) if stats is None else (stats.add(p) or stats)
        except TypeError:  # an empty profile
            continue
    buf = io.StringIO()
    stats.stream = buf
    stats.sort_stats("tottime").print_stats(60)
    stats.sort_stats("cumulative").print_stats(60)
    out.write_text(buf.getvalue())
    idle = [(k, v) for k, v in stats.stats.items() if _is_idle(k)]
    busy = [(k, v) for k, v in stats.stats.items() if not _is_idle(k)]
    busy_total = sum(v[2] for _, v in busy)
    groups: dict[str, float] = {}
    for k, v in busy:
        g = _group(k)
        groups[g] = groups.get(g, 0.0) + v[2]
    top = sorted(busy, key=lambda kv: kv[1][2], reverse=True)[:20]
    return {
        "campaigns": n, "threads_profiled": len(profiles),
        "idle_wait_s": round(sum(v[2] for _, v in idle), 2), "busy_tottime_s": round(busy_total, 2),
        "busy_by_group_pct": {g: round(100 * t / busy_total, 1)
                              for g, t in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top_tottime": [{"fn": _name(k), "tottime_s": round(v[2], 3), "calls": v[1]} for k, v in top],
        "file": str(out.relative_to(ROOT)),
    }


_IDLE = ("'get' of '_queue.SimpleQueue'", "'poll' of 'select.epoll'", "'acquire' of '_thread.lock'",
         "'acquire' of '_thread.RLock'", "method 'wait'", "time.sleep")


def _is_idle(k) -> bool:
    return k[0] == "~" and any(s in k[2] for s in _IDLE)


def _name(k) -> str:
    f, line, fn = k
    if f == "~":
        return fn
    parts = Path(f).parts
    short = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else "/".join(parts[-2:])
    return f"{short}:{line}({fn})"


def _group(k) -> str:
    f, _, fn = k
    text = f if f != "~" else fn
    for key, label in (("workflow_sandbox", "temporalio sandbox"),
                       ("temporalio/contrib/pydantic", "temporalio pydantic converter"),
                       ("temporalio", "temporalio (other Python)"), ("pydantic_core", "pydantic-core"),
                       ("pydantic", "pydantic"), ("asyncpg", "asyncpg"), ("google/protobuf", "protobuf"),
                       ("protobuf", "protobuf"), ("/json/", "json"), ("json", "json"), ("/domain/", "promoflow domain"),
                       ("/store/", "promoflow store"), ("/activities/", "promoflow activities"),
                       ("/workflows/", "promoflow workflows"), ("/bench/", "bench (client side)"),
                       ("asyncio", "asyncio"), ("socket", "sockets"), ("compile", "compile/exec (sandbox imports)"),
                       ("exec", "compile/exec (sandbox imports)"), ("importlib", "imports")):
        if key in text:
            return label
    return "other"


"""Year-plan activities: record plan events, solve (CP-SAT off the event loop), publish.

Like the campaign activities, each call appends one event at the seq the workflow
assigned, so a retry writes nothing twice; what is too big for an event (a solution's
decisions) goes to `plan_solutions` in the same transaction, keyed by the event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.appends import append_and_project
from activities.messages import EventSlot
from domain import events as ev
from domain import reference_events as refev
from domain.campaign import CampaignRequest
from domain.dates import local_date
from domain.planning import PlanInput, PlanInputError, plan, season
from domain.planning import events as pe
from domain.planning.budget import Budget
from domain.planning.model import Intent, PlanSolution, Settings, Summary
from domain.policy import Policy
from domain.tiers import Tier
from store import eventstore, plans, reference

log = logging.getLogger("promoflow.planning")


class SolvePlan(BaseModel):
    slot: EventSlot
    year: int
    kind: str  # "plan" | "scenario"
    name: str | None = None
    s_fixed: list[pe.SChoice] = []
    settings: Settings = Settings()
    pins: list[pe.PlanPin] = []
    time_limit: float = 60.0


# Starts a planned campaign's workflow: (campaign id, request, owner's name, the plan's
# PlannedCampaign fields) -> False when it exists already. Given by the worker
# (workflows/planned_start.py), so this module never imports the workflow it starts.
StartCampaign = Callable[[str, CampaignRequest, str, dict[str, Any]], Awaitable[bool]]


class PublishCampaigns(BaseModel):
    slot: EventSlot
    year: int
    solution_id: str
    leader: str
    settings: Settings


class PublishOutcome(BaseModel):
    campaigns: int
    started: int
    cut: int


class WatchPublish(BaseModel):
    year: int
    campaign_ids: list[str]
    window_seconds: float = 60.0


class PublishWatch(BaseModel):
    scheduled: int
    settled: bool
    problems: list[str]


class _SolveRun:
    """One attempt's solve on the solver thread: its budget (made when the thread starts, so
    the limit counts from then) and whether the attempt asked it to stop."""

    def __init__(self, plan_in: PlanInput, time_limit: float, deadline: float | None,
                 progress: Callable[[dict[str, Any]], None]) -> None:
        self.plan_in, self.time_limit, self.deadline, self.progress = plan_in, time_limit, deadline, progress
        self.budget: Budget | None = None
        self.stopping = False

    def __call__(self) -> PlanSolution:  # on the solver thread
        if self.stopping:  # cancelled before the thread took it: nothing to solve
            raise RuntimeError("solve stopped before it started")
        limit = self.time_limit  # from now, cut to the attempt's deadline
        if self.deadline is not None:
            limit = max(0.0, min(limit, self.deadline - time.monotonic()))
        self.budget = Budget(limit, time.monotonic)
        return plan(self.plan_in, progress=self.progress, budget=self.budget)

    async def stop_and_wait(self, future: asyncio.Future) -> None:
        """Stop the solve and wait until the thread is free. `stop()` is sent again until it
        ends: a stop that lands while CP-SAT sets up a search may miss that search
        (domain/planning/budget.py). A second cancellation does not cut the wait short."""
        self.stopping = True
        while not future.done():
            if self.budget is not None:
                self.budget.stop()
            try:
                await asyncio.wait({future}, timeout=0.05)
            except asyncio.CancelledError:
                continue
        if not future.cancelled():
            future.exception()  # retrieved: the attempt ends with its cancellation, not this
        log.info("solve stopped: the solver thread is free")


ATTEMPT_MARGIN = 3.0  # seconds an attempt keeps at least after its solve, to store the solution
ATTEMPT_SHARE = 0.25  # ... or this share of the attempt, if more (storing a big plan on a busy host),
ATTEMPT_MARGIN_MAX = 60.0  # ... but never more than this


def _attempt_deadline() -> float | None:
    """When this attempt's solve must end (time.monotonic()): its start-to-close timeout less
    `ATTEMPT_MARGIN` or `ATTEMPT_SHARE` of it (up to `ATTEMPT_MARGIN_MAX`), whichever is more.
    The server times an attempt out on its own and the worker hears of it only at a (throttled)
    heartbeat, so an attempt that ends in time is the one whose CP-SAT
    thread is free when a retry comes."""
    info = activity.info()
    if info.start_to_close_timeout is None:
        return None
    elapsed = max(0.0, (datetime.now(UTC) - info.started_time).total_seconds())
    attempt = info.start_to_close_timeout.total_seconds()
    return time.monotonic() + attempt - elapsed - max(ATTEMPT_MARGIN, min(ATTEMPT_SHARE * attempt, ATTEMPT_MARGIN_MAX))


def _event(slot: EventSlot, body: Any) -> ev.Event:
    return ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=slot.actor,
                    reason=slot.reason, body=body)


async def _append_and_project(conn: asyncpg.Connection, event: ev.Event) -> None:
    await append_and_project(conn, event)  # an EventConflict fails the activity without retries


class PlanningActivities:
    def __init__(self, pool: asyncpg.Pool, start_campaign: StartCampaign | None = None):
        self.pool, self.start_campaign = pool, start_campaign
        # CP-SAT is CPU-bound: one solve at a time, on a thread, off the worker's event loop; a
        # cancelled or timed-out solve is stopped and its thread freed before the attempt ends
        self.solver_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cp-sat")

    @activity.defn
    async def record_plan_event(self, event: ev.Event) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await _append_and_project(conn, event)

    @activity.defn
    async def solve_plan(self, inp: SolvePlan) -> Summary:
        """Solve the plan (or a scenario) with the intents in the log; store the solution and
        append PlanSolved / ScenarioSolved at the slot. Heartbeats while CP-SAT runs.

        `time_limit` bounds the whole solve (domain/planning/budget.py), cut to end before this
        attempt's start-to-close timeout; cancelled (or told at a heartbeat that it timed out),
        the attempt stops CP-SAT and ends only once the solver thread is free."""
        deadline = _attempt_deadline()
        stored = await eventstore.event_at(self.pool, inp.slot.campaign_id, inp.slot.seq)
        if stored is not None:  # a retry after the commit: the stored solve stands
            before = stored.to_event().body
            assert isinstance(before, (pe.PlanSolved, pe.ScenarioSolved)), f"seq {inp.slot.seq} holds {before.type}"
            return before.summary
        intents = [Intent.model_validate(r["intent"]) for r in await plans.intents(self.pool, inp.year)]
        policy = await reference.policy_for(self.pool, inp.year)
        try:
            # "today" from the workflow's clock (the slot's time), not this process's: a
            # retried solve plans from the same day
            plan_in = season.plan_input(inp.year, policy, intents, s_fixed=inp.s_fixed, pins=inp.pins,
                                        settings=inp.settings, lines=await reference.business_lines(self.pool),
                                        as_of=local_date(policy, inp.slot.at))
            season.check(plan_in)
        except PlanInputError as err:
            raise ApplicationError(str(err), type="invalid_plan", non_retryable=True) from None

        latest: dict[str, Any] = {}
        run = _SolveRun(plan_in, inp.time_limit, deadline, latest.update)  # one limit for the whole solve
        future = asyncio.get_running_loop().run_in_executor(self.solver_pool, run)
        try:
            while True:
                done, _ = await asyncio.wait({future}, timeout=1.0)
                activity.heartbeat({k: latest.get(k) for k in ("stage", "objective", "bound", "seconds")})
                if done:
                    break
        except asyncio.CancelledError:
            # cancelled or timed out (the server's answer to a heartbeat): stop CP-SAT and wait for
            # the thread to end before this attempt ends, so a retry never queues behind it
            await run.stop_and_wait(future)
            raise
        try:
            solution = future.result()
        except PlanInputError as err:
            raise ApplicationError(str(err), type="invalid_plan", non_retryable=True) from None
        data = season.from_planner(solution, intents)
        solution_id = f"{inp.slot.campaign_id}-{inp.slot.seq}"
        summary = season.compact(solution.summary)  # the stored solution keeps the whole summary
        body: Any = (pe.PlanSolved(solution_id=solution_id, summary=summary) if inp.kind == "plan" else
                     pe.ScenarioSolved(name=inp.name or "", solution_id=solution_id, summary=summary))
        inputs = {"s_fixed": [s.model_dump(mode="json") for s in inp.s_fixed],
                  "settings": inp.settings.model_dump(mode="json"),
                  "pins": [p.model_dump(mode="json") for p in inp.pins]}
        async with self.pool.acquire() as conn, conn.transaction():
            await plans.save_solution(conn, solution_id=solution_id, year=inp.year, kind=inp.kind, name=inp.name,
                                      solution=data, inputs=inputs, at=inp.slot.at)
            await _append_and_project(conn, _event(inp.slot, body))
        return summary

    @activity.defn
    async def publish_campaigns(self, inp: PublishCampaigns) -> PublishOutcome:
        """Start one CampaignWorkflow per placed intent, approved at its planned tier, month and
        dates (deterministic ids: a campaign that exists is left alone); the plan's settings
        become the year's policy overrides first (a `PolicyOverridden` by the leader); then one
        IntentsPublished event closes the cut intents. Heartbeats its position, so a retry after
        a lost worker resumes."""
        assert self.start_campaign is not None, "publish needs the worker's campaign starter"
        sol = await plans.solution(self.pool, inp.solution_id)
        if sol is None:
            raise ApplicationError(f"no stored solution {inp.solution_id}", type="invalid_state", non_retryable=True)
        policy = await reference.policy_for(self.pool, inp.year)
        overrides = season.policy_overrides(inp.settings, policy)
        if overrides:  # before any campaign loads the year's policy; a retry changes nothing, records nothing
            def merge(current: dict[str, Any]) -> dict[str, Any]:
                merged = refev.merge_patch(current, overrides)
                Policy.for_year(inp.year, merged)  # the planner's settings are valid policy: else a bug, not a retry
                return merged
            reason = f"published {inp.slot.campaign_id} (solution {inp.solution_id}): the plan's settings"
            try:
                await reference.change_policy(self.pool, inp.year, overrides, reason, inp.leader, None, merge)
            except reference.PolicyKeptChanging as err:
                raise ApplicationError(f"the plan's settings as policy: {err}", type="conflict") from None
            except (ValidationError, TypeError, ValueError) as err:
                raise ApplicationError(f"the plan's settings as policy: {err}", type="invalid",
                                       non_retryable=True) from None
        rows = {r["intent_id"]: r for r in await plans.intents(self.pool, inp.year)}
        decisions = sol["decisions"]
        placed = [d for d in decisions if d.get("tier") is not None]
        # S first (an S month is theirs), then A, B, C; a month's bursts in date order
        placed.sort(key=lambda d: (-Tier(d["tier"]).rank, d["month"], d.get("burst_start") or "", d["intent_id"]))
        repeats: dict[tuple[str, str], int] = {}
        for d in placed:
            if d["tier"] != "C":
                key = (d["month"], d["category"])
                repeats[key] = repeats.get(key, 0) + 1
        done_before = int((activity.info().heartbeat_details or [0])[0])
        started = 0
        published = []
        plan_id = inp.slot.campaign_id
        for i, d in enumerate(placed):
            row = rows[d["intent_id"]]
            intent = Intent.model_validate(row["intent"])
            campaign_id = season.planned_campaign_id(intent.business_line, intent.request_id)
            published.append(pe.PublishedIntent(intent_id=d["intent_id"], campaign_id=campaign_id,
                                                tier=Tier(d["tier"]), month=d["month"]))
            key = (d["month"], d["category"])
            if i < done_before:
                continue
            burst = date.fromisoformat(d["burst_start"]) if d.get("burst_start") else None
            fields = intent.model_dump(exclude={"months", "intent_id"})
            fields.update(month=d["month"], burst_start=burst)
            if d["tier"] != "C" and repeats[key] > 1:  # each may reserve first: all carry the plan's reason
                fields["category_reason"] = f"{plan_id} accepted this category repeat in {d['month']}"
            request = CampaignRequest.model_validate(fields)
            planned = {"plan_id": plan_id, "tier": d["tier"], "month": d["month"], "burst_start": burst,
                       "approved_by": inp.leader, "score": d.get("score"), "reason": d.get("reason")}
            if await self.start_campaign(campaign_id, request, row["submitted_by"], planned):
                started += 1  # else published before (a retry, or publish again): nothing twice
            activity.heartbeat(i + 1)
        closed = [pe.ClosedIntent(intent_id=d["intent_id"], reason=d["reason"]) for d in decisions
                  if d.get("tier") is None]
        done = pe.IntentsPublished(solution_id=inp.solution_id, campaigns=published, closed=closed,
                                   policy_overrides=overrides)
        async with self.pool.acquire() as conn, conn.transaction():
            await _append_and_project(conn, _event(inp.slot, done))
        return PublishOutcome(campaigns=len(published), started=started, cut=len(closed))

    @activity.defn
    async def planned_campaign_ids(self, year: int) -> list[str]:
        """The campaigns the year's published intents became (from IntentsPublished)."""
        return await plans.published_campaign_ids(self.pool, year)

    @activity.defn
    async def watch_publish(self, inp: WatchPublish) -> PublishWatch:
        """Poll the read model until every planned campaign has settled (as its tier should:
        `season.settled_as_planned`, or ended / waiting on a person: a problem), at most
        `window_seconds`; heartbeats. `scheduled` counts those settled as their tier should."""
        deadline = asyncio.get_running_loop().time() + inp.window_seconds
        while True:
            states = await plans.campaign_states(self.pool, inp.campaign_ids)
            good = {cid for cid, (s, tier) in states.items() if season.settled_as_planned(s, tier)}
            scheduled = len(good)
            settled = len(states) == len(inp.campaign_ids) and not any(s in season.MOVING for s, _ in states.values())
            problems = [f"{cid}: {s}" for cid, (s, _) in sorted(states.items())
                        if cid not in good and s not in season.MOVING]
            activity.heartbeat(scheduled)
            if settled or asyncio.get_running_loop().time() > deadline:
                return PublishWatch(scheduled=scheduled, settled=settled, problems=problems)
            await asyncio.sleep(0.5)


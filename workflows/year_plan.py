"""YearPlanWorkflow (`plan-<year>`): one planning season, from the intake to publishing.

Ops open the season; business lines submit intents until `intake_closes` (a durable timer)
or until ops close the intake; leadership fixes the S; ops set settings and pins, solve,
try scenarios; the leader publishes: every placed intent becomes a CampaignWorkflow
approved by the plan, every cut intent is closed with its reason.

Orchestration only, like CampaignWorkflow: every change is a validated update (role and
state refused before anything enters history) and an event in the stream `plan-<year>`,
appended by an activity at the seq this workflow assigns. The intents are events there;
this workflow keeps only which line each intent belongs to. Updates that write run one at
a time (a lock), so seqs are appended in order. The history stays bounded: past
`max_history_events` (or when the server suggests it) the workflow continues as new with
what it holds.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.messages import EventSlot
    from activities.planning import PlanningActivities, PublishCampaigns, SolvePlan, WatchPublish
    from domain import events as ev
    from domain.approvals.people import SYSTEM
    from domain.dates import phase_start_instant
    from domain.months import year_of
    from domain.planning import events as pe
    from domain.planning import season
    from domain.planning.model import Intent, Summary
    from domain.policy import Policy
    from workflows.messages import Actor
    from workflows.plan_messages import (
        ChangePin,
        CloseIntake,
        FixS,
        IntakeResult,
        PlanCarry,
        PlanStatus,
        PlanView,
        Publish,
        PublishAccepted,
        PublishProgress,
        RunScenario,
        ScenarioRecord,
        SetSettings,
        Solve,
        SubmitIntents,
        Unpin,
        YearPlanInput,
    )

_ACTIVITY: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=10),
    retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)),
)
_LONG_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10),
                          non_retryable_error_types=["invalid_plan", "invalid_state"])
# a solve is retried a few times, not forever: a solve that keeps failing (or timing out) is
# answered as an error; each attempt stops its CP-SAT thread when it ends (activities/planning.py)
_SOLVE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10),
                           maximum_attempts=3, non_retryable_error_types=["invalid_plan", "invalid_state"])


def _invalid_state(message: str) -> ApplicationError:
    return ApplicationError(message, type="invalid_state", non_retryable=True)


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError(message, type="forbidden", non_retryable=True)


def _invalid(message: str) -> ApplicationError:
    return ApplicationError(message, type="invalid", non_retryable=True)


def _require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise _forbidden(f"{actor.name} ({actor.role}) may not do this: it needs the role {' or '.join(roles)}")


@workflow.defn
class YearPlanWorkflow:
    @workflow.init
    def __init__(self, inp: YearPlanInput) -> None:
        self.inp = inp
        self.c: PlanCarry = inp.carry or PlanCarry(year=inp.year, opened_by=inp.opened_by,
                                                   intake_closes=inp.intake_closes)
        self.lock = asyncio.Lock()
        self.stream = pe.plan_stream(inp.year)

    # ---------------------------------------------------------------- the season
    @workflow.run
    async def run(self, inp: YearPlanInput) -> PlanView:
        if inp.carry is None:
            async with self.lock:
                await self._record(pe.PlanOpened(year=inp.year, intake_closes=inp.intake_closes), inp.opened_by.name)
        while True:
            timeout = self._until_intake_closes()
            try:
                await workflow.wait_condition(lambda: self.c.publish_pending or self._history_full(),
                                              timeout=timeout)
            except TimeoutError:
                async with self.lock:
                    if self.c.intake_open:
                        await self._record(pe.IntakeClosed(by="timer"), SYSTEM,
                                           f"intake closed on {self.c.intake_closes}")
                        self.c.intake_open = False
                continue
            if self.c.publish_pending:
                await self._publish()
                continue
            # continue as new with what the season holds, once no update is running
            await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self.lock.locked())
            carry = self.c.model_copy(update={"runs": self.c.runs + 1})
            workflow.continue_as_new(inp.model_copy(update={"carry": carry}))

    def _history_full(self) -> bool:
        info = workflow.info()
        return not self.lock.locked() and (info.is_continue_as_new_suggested()
                                           or info.get_current_history_length() >= self.inp.max_history_events
                                           or info.get_current_history_size() >= self.inp.max_history_bytes)

    def _until_intake_closes(self) -> timedelta | None:
        if not self.c.intake_open or self.c.intake_closes is None:
            return None
        policy = Policy.for_year(self.c.year)
        closes = phase_start_instant(policy, self.c.intake_closes + timedelta(days=1))  # open through that day
        return max(closes - workflow.now(), timedelta(milliseconds=1))

    async def _publish(self) -> None:
        p = self.c.publish
        assert p is not None
        async with self.lock:
            slot = self._next_slot(p.by)
            outcome = await workflow.execute_activity_method(
                PlanningActivities.publish_campaigns,
                PublishCampaigns(slot=slot, year=self.c.year, solution_id=p.solution_id, leader=p.by,
                                 settings=self.c.settings),
                start_to_close_timeout=timedelta(minutes=30), heartbeat_timeout=timedelta(seconds=30),
                retry_policy=_LONG_RETRY)
            p.campaigns, p.started, p.cut = outcome.campaigns, outcome.started, outcome.cut
        campaign_ids = await self._planned_campaign_ids()
        while True:
            watch = await workflow.execute_activity_method(
                PlanningActivities.watch_publish, WatchPublish(year=self.c.year, campaign_ids=campaign_ids),
                start_to_close_timeout=timedelta(minutes=3), heartbeat_timeout=timedelta(seconds=20),
                retry_policy=_LONG_RETRY)
            p.scheduled, p.problems = watch.scheduled, watch.problems
            if watch.settled:
                break
        async with self.lock:
            await self._record(pe.PlanPublished(campaigns=p.campaigns, scheduled=p.scheduled, cut=p.cut), p.by,
                               "; ".join(p.problems) or None)
            self.c.publish_pending = False
            self.c.published = p.scheduled == p.campaigns and not p.problems

    async def _planned_campaign_ids(self) -> list[str]:
        return await workflow.execute_activity_method(
            PlanningActivities.planned_campaign_ids, self.c.year, **_ACTIVITY)

    # ---------------------------------------------------------------- events
    def _next_slot(self, actor: str, reason: str | None = None) -> EventSlot:
        self.c.seq += 1
        return EventSlot(campaign_id=self.stream, seq=self.c.seq, at=workflow.now(), actor=actor, reason=reason)

    async def _record(self, body, actor: str, reason: str | None = None) -> None:
        slot = self._next_slot(actor, reason)
        event = ev.Event(campaign_id=slot.campaign_id, seq=slot.seq, at=slot.at, actor=actor, reason=reason,
                         body=body)
        if isinstance(body, pe.IntentsSubmitted):
            # a local activity: its input (the intents) stays out of the history, which then
            # holds each batch once (the update's input), not twice; the append is idempotent
            await workflow.execute_local_activity_method(PlanningActivities.record_plan_event, event, **_ACTIVITY)
        else:
            await workflow.execute_activity_method(PlanningActivities.record_plan_event, event, **_ACTIVITY)

    async def _solve(self, actor: Actor, kind: str, name: str | None, settings, pins) -> tuple[str, Summary]:
        slot = self._next_slot(actor.name)
        try:
            summary = await workflow.execute_activity_method(
                PlanningActivities.solve_plan,
                SolvePlan(slot=slot, year=self.c.year, kind=kind, name=name, s_fixed=self.c.s_fixed,
                          settings=settings, pins=pins, time_limit=self.inp.solve_time_limit),
                start_to_close_timeout=timedelta(seconds=self.inp.solve_time_limit * 3 + 60),
                heartbeat_timeout=timedelta(seconds=15), retry_policy=_SOLVE_RETRY)
        except ActivityError as err:
            self.c.seq -= 1  # nothing was appended at this seq
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "invalid_plan":
                raise _invalid(cause.message) from None
            raise ApplicationError(f"the solve failed after {_SOLVE_RETRY.maximum_attempts} attempts: "
                                   f"{cause or err}", type="solve_failed", non_retryable=True) from None
        return f"{slot.campaign_id}-{slot.seq}", summary

    # ---------------------------------------------------------------- state
    def _status(self) -> PlanStatus:
        c = self.c
        if c.published:
            return PlanStatus.PUBLISHED
        if c.publish is not None:
            return PlanStatus.PUBLISHING
        if c.intake_open:
            return PlanStatus.INTAKE
        return PlanStatus.SOLVED if c.solution is not None and not c.stale else PlanStatus.INTAKE_CLOSED

    def _check_planning(self) -> None:
        """Settings, S, pins and solves: from the intake on, until publishing starts."""
        if self.c.publish is not None:
            raise _invalid_state(f"plan-{self.c.year} is {self._status().value}: the plan can no longer change")

    def _check_known(self, intent_id: str) -> None:
        if intent_id not in self.c.lines:
            raise _invalid(f"no intent {intent_id} in plan-{self.c.year}")

    @workflow.query
    def state_query(self) -> PlanView:
        c = self.c
        return PlanView(year=c.year, status=self._status(), intents=len(c.lines), s_fixed=c.s_fixed,
                        settings=c.settings, pins=c.pins, solution=c.solution, solution_id=c.solution_id,
                        stale=c.stale, intake_closes=c.intake_closes, scenarios=sorted(c.scenarios),
                        publish=c.publish, published=c.published,
                        history_events=workflow.info().get_current_history_length(), runs=c.runs)

    @workflow.query
    def lines_query(self) -> dict[str, str]:
        return self.c.lines

    @workflow.query
    def scenarios_query(self) -> list[ScenarioRecord]:
        return list(self.c.scenarios.values())

    # ---------------------------------------------------------------- intake
    @workflow.update
    async def submit_intents(self, inp: SubmitIntents) -> list[IntakeResult]:
        async with self.lock:
            self._validate_submit(inp)
            results: list[IntakeResult] = []
            new: list[Intent] = []
            for it in inp.intents:
                known = it.key in self.c.lines or any(n.key == it.key for n in new)
                results.append(IntakeResult(intent_id=it.key, request_id=it.request_id,
                                            status="exists" if known else "created"))
                if not known:
                    new.append(it)
            if new:
                await self._record(pe.IntentsSubmitted(intents=new), inp.actor.name)
                for it in new:
                    self.c.lines[it.key] = it.business_line
                self.c.stale = True
            return results

    @submit_intents.validator
    def _validate_submit(self, inp: SubmitIntents) -> None:
        _require(inp.actor, "business_line", "ops")
        if not self.c.intake_open:
            raise _invalid_state(f"the intake of plan-{self.c.year} is closed")
        for it in inp.intents:
            if inp.actor.role == "business_line" and it.business_line != inp.actor.business_line:
                raise _forbidden(f"{inp.actor.name} submits for {inp.actor.business_line}, not {it.business_line}")
            if it.intent_id != season.intent_id_for(it.business_line, it.request_id):
                raise _invalid(f"intent {it.request_id}: intent_id must be "
                               f"{season.intent_id_for(it.business_line, it.request_id)}")
            if any(year_of(m) != self.c.year for m in it.months):
                raise _invalid(f"intent {it.request_id}: every month must be in {self.c.year}")

    @workflow.update
    async def close_intake(self, inp: CloseIntake) -> PlanView:
        async with self.lock:
            self._validate_close(inp)
            await self._record(pe.IntakeClosed(by="ops"), inp.actor.name)
            self.c.intake_open = False
        return self.state_query()

    @close_intake.validator
    def _validate_close(self, inp: CloseIntake) -> None:
        _require(inp.actor, "ops")
        if not self.c.intake_open:
            raise _invalid_state(f"the intake of plan-{self.c.year} is already closed")

    # ---------------------------------------------------------------- leadership, ops
    @workflow.update
    async def fix_s(self, inp: FixS) -> PlanView:
        async with self.lock:
            self._validate_fix_s(inp)
            await self._record(pe.SFixed(campaigns=inp.campaigns), inp.actor.name)
            self.c.s_fixed, self.c.stale = list(inp.campaigns), True
        return self.state_query()

    @fix_s.validator
    def _validate_fix_s(self, inp: FixS) -> None:
        _require(inp.actor, "leader")
        self._check_planning()
        seen = set()
        for s in inp.campaigns:
            self._check_known(s.intent_id)
            if s.intent_id in seen:
                raise _invalid(f"{s.intent_id} is named twice")
            seen.add(s.intent_id)
            if year_of(s.month) != self.c.year:
                raise _invalid(f"{s.intent_id}: {s.month} is not in {self.c.year}")

    @workflow.update
    async def set_settings(self, inp: SetSettings) -> PlanView:
        async with self.lock:
            self._validate_settings(inp)
            await self._record(pe.PlanSettingsChanged(settings=inp.settings), inp.actor.name)
            self.c.settings, self.c.stale = inp.settings, True
        return self.state_query()

    @set_settings.validator
    def _validate_settings(self, inp: SetSettings) -> None:
        _require(inp.actor, "ops")
        self._check_planning()

    @workflow.update
    async def pin(self, inp: ChangePin) -> PlanView:
        async with self.lock:
            self._validate_pin(inp)
            await self._record(pe.IntentPinned(pin=inp.pin), inp.actor.name)
            self.c.pins = [p for p in self.c.pins if p.intent_id != inp.pin.intent_id] + [inp.pin]
            self.c.stale = True
        return self.state_query()

    @pin.validator
    def _validate_pin(self, inp: ChangePin) -> None:
        _require(inp.actor, "ops")
        self._check_planning()
        self._check_known(inp.pin.intent_id)

    @workflow.update
    async def unpin(self, inp: Unpin) -> PlanView:
        async with self.lock:
            self._validate_unpin(inp)
            await self._record(pe.IntentUnpinned(intent_id=inp.intent_id), inp.actor.name)
            self.c.pins = [p for p in self.c.pins if p.intent_id != inp.intent_id]
            self.c.stale = True
        return self.state_query()

    @unpin.validator
    def _validate_unpin(self, inp: Unpin) -> None:
        _require(inp.actor, "ops")
        self._check_planning()
        if not any(p.intent_id == inp.intent_id for p in self.c.pins):
            raise _invalid_state(f"{inp.intent_id} is not pinned")

    @workflow.update
    async def solve(self, inp: Solve) -> Summary:
        async with self.lock:
            self._validate_solve(inp)
            solution_id, summary = await self._solve(inp.actor, "plan", None, self.c.settings, self.c.pins)
            self.c.solution, self.c.solution_id, self.c.stale = summary, solution_id, False
            return summary

    @solve.validator
    def _validate_solve(self, inp: Solve) -> None:
        _require(inp.actor, "ops")
        self._check_planning()
        if not self.c.lines:
            raise _invalid_state(f"plan-{self.c.year} has no intents to plan yet")

    @workflow.update
    async def scenario(self, inp: RunScenario) -> ScenarioRecord:
        async with self.lock:
            self._validate_scenario(inp)
            settings = inp.settings if inp.settings is not None else self.c.settings
            pins = inp.pins if inp.pins is not None else self.c.pins
            solution_id, summary = await self._solve(inp.actor, "scenario", inp.name, settings, pins)
            record = ScenarioRecord(name=inp.name, solution_id=solution_id, summary=summary, settings=settings,
                                    pins=pins, by=inp.actor.name)
            self.c.scenarios[inp.name] = record
            return record

    @scenario.validator
    def _validate_scenario(self, inp: RunScenario) -> None:
        _require(inp.actor, "ops", "leader")
        if not self.c.lines:
            raise _invalid_state(f"plan-{self.c.year} has no intents to plan yet")
        for p in inp.pins or []:
            self._check_known(p.intent_id)

    # ---------------------------------------------------------------- publish
    @workflow.update
    async def publish(self, inp: Publish) -> PublishAccepted:
        async with self.lock:
            self._validate_publish(inp)
            if self.c.publish is None:
                if self.c.intake_open:
                    await self._record(pe.IntakeClosed(by="publish"), inp.actor.name, "the plan is published")
                    self.c.intake_open = False
                assert self.c.solution_id is not None
                await self._record(pe.PublishStarted(solution_id=self.c.solution_id), inp.actor.name)
                self.c.publish = PublishProgress(solution_id=self.c.solution_id, by=inp.actor.name)
                self.c.publish_pending = True
            elif not self.c.published and not self.c.publish_pending:
                self.c.publish_pending = True  # again after problems: starts nothing twice, checks again
        return PublishAccepted(status=self._status(), publish=self.c.publish)

    @publish.validator
    def _validate_publish(self, inp: Publish) -> None:
        _require(inp.actor, "leader")
        if self.c.publish is not None:
            return  # publishing again creates nothing: accepted, idempotent
        if self.c.solution is None:
            raise _invalid_state(f"plan-{self.c.year} has no solution yet: solve before publishing")
        if self.c.stale:
            raise _invalid_state(f"plan-{self.c.year} changed since its last solve: solve again before publishing")
        if self.c.solution.status not in ("optimal", "feasible"):
            raise _invalid_state(f"the last solve of plan-{self.c.year} is {self.c.solution.status}: "
                                 "nothing to publish")

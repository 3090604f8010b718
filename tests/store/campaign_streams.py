"""A seeded generator of valid campaign streams, for the fold's differential test.

Each stream follows what the campaign workflow may record (workflows/, the lifecycle of
README "How one campaign flows"): submit -> review (escalation, amendments, re-reviews)
-> a decision -> a month (offered alternatives, chosen months, displacement by an S)
-> resources -> milestones -> phases -> completion -> actuals and outcomes, with
cancellations, expiries, rejections and released places at random points. Seeded
`random.Random`: the same seed gives the same streams on every run.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from domain import events as ev
from domain.approvals.people import Milestone, MilestoneMove
from domain.campaign import CampaignRequest, Forecast, Phase, PhaseName
from domain.money import Mechanic, MechanicType, money_of
from domain.policy import Policy
from domain.results import events as results_ev
from domain.results.actuals import ActualRow, Correction
from domain.results.outcome import compute_outcome
from domain.tiers import Tier

_POLICY = Policy.for_year(2027)
_TIERS = [Tier.S, Tier.A, Tier.B, Tier.C]
_LINES = ["food", "apparel", "beauty"]
_RESOURCES = ["homepage_banner", "push", "livestream"]
_TEAMS = ["design", "ops_team", "content"]


class _Ended(Exception):
    """The stream reached a final event."""


class StreamMaker:
    def __init__(self, rng: random.Random, campaign_id: str):
        self.rng, self.cid = rng, campaign_id
        self.events: list[ev.Event] = []
        self.at = datetime(2026, 11, 1, 9, tzinfo=UTC) + timedelta(minutes=rng.randrange(10_000))
        self.tier: Tier | None = None
        self.request: CampaignRequest | None = None
        self.month = ""
        self.phases: list[Phase] = []
        self.milestones: list[Milestone] = []
        self.milestone_status: dict[str, str] = {}
        self.days: dict[date, ActualRow] = {}
        self.counted = 0

    # ------------------------------------------------------------------ recording
    def add(self, body: ev.EventBody, actor: str = "promoflow", reason: str | None = None) -> None:
        self.at += timedelta(minutes=self.rng.randrange(1, 600), microseconds=self.rng.randrange(1_000_000))
        self.events.append(ev.Event(campaign_id=self.cid, seq=len(self.events) + 1, at=self.at, actor=actor,
                                    reason=reason, body=body))
        if isinstance(body, ev.CampaignCancelled | ev.CampaignRejected | ev.RequestExpired):
            raise _Ended

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # ------------------------------------------------------------------ building blocks
    def new_request(self, request_id: str, line: str) -> CampaignRequest:
        rng = self.rng
        tier = rng.choice([*_TIERS, None])
        mechanics = [Mechanic(type=rng.choice(list(MechanicType)), depth=round(rng.uniform(0.01, 0.2), 3),
                              platform_share=round(rng.uniform(0, 1), 2))] if self.chance(0.5) else []
        return CampaignRequest(
            request_id=request_id, name=f"{line} campaign {rng.randrange(1000)}", business_line=line,
            category=rng.choice([line, "snacks", "gadgets"]), requested_tier=tier,
            month=f"2027-{rng.randrange(3, 12):02d}", revenue_target=float(rng.randrange(100_000, 50_000_000)),
            gross_margin=round(rng.uniform(0.05, 0.5), 3),
            forecast=Forecast(traffic=rng.randrange(10_000, 20_000_000), avg_order_value=round(rng.uniform(20, 300), 2),
                              conversion_rate=round(rng.uniform(0.005, 0.08), 4)),
            hot_topic=tier != Tier.S and self.chance(0.15), mechanics=mechanics,
            paid_traffic=float(rng.randrange(0, 1_000_000)) if self.chance(0.3) else None)

    def money_at(self, traffic_factor: float = 1.0) -> tuple[Forecast, ev.Money]:
        assert self.request is not None
        f = self.request.forecast
        f = f.model_copy(update={"traffic": round(f.traffic * traffic_factor)})
        r = self.request
        return f, money_of(f.sales, r.gross_margin, r.mechanics, r.paid_traffic)

    def phases_in(self, month: str) -> list[Phase]:
        y, m = int(month[:4]), int(month[5:])
        burst = date(y, m, self.rng.randrange(3, 20))
        warm = burst - timedelta(days=self.rng.randrange(2, 8))
        end = burst + timedelta(days=self.rng.randrange(1, 4))
        return [Phase(phase=PhaseName.WARMUP, start=warm, end=burst), Phase(phase=PhaseName.BURST, start=burst, end=end),
                Phase(phase=PhaseName.ENCORE, start=end, end=end + timedelta(days=self.rng.randrange(1, 5)))]

    # ------------------------------------------------------------------ the life
    def make(self) -> list[ev.Event]:
        rng = self.rng
        line = rng.choice(_LINES)
        self.request = self.new_request(f"g-{self.cid}", line)
        self.month = self.request.month
        self.add(ev.CampaignSubmitted(request=self.request, owner=f"lin.{line}"), f"lin.{line}")
        try:
            if self.review():
                self.schedule()
                self.run()
        except _Ended:
            pass
        return self.events

    def review(self) -> bool:
        """Score, then decide. False: ended (never raised for the C path)."""
        rng = self.rng
        assert self.request is not None
        while True:
            proposed = rng.choice(_TIERS)
            leaders = self.request.requested_tier == Tier.S and self.chance(0.7)
            reachable = self.chance(0.7)
            self.add(ev.ReviewScored(
                score=round(rng.uniform(0, 100), 3), factors={"margin": rng.random()}, proposed_tier=proposed,
                forecast_sales=self.request.forecast.sales, revenue_target=self.request.revenue_target,
                target_reachable=reachable, leadership_decides=leaders, source=rng.choice(["seeded", "results"]),
                forecast_check={"ratio": round(rng.random(), 3)} if self.chance(0.4) else None,
                flags=["category_adjacent_month: x"] if self.chance(0.2) else [],
                margin_below_floor="low" if self.chance(0.1) else None,
                standards={"S": {"skus": "met"}} if self.chance(0.3) else None),
                reason=None if reachable else f"revenue target exceeds the forecast {rng.randrange(99)}")
            if proposed == Tier.C and not leaders:
                self.tier = Tier.C
                f, m = self.money_at()
                self.add(ev.CampaignApproved(tier=Tier.C, forecast=f, money=m), reason="C tier: recorded only")
                return True
            if self.chance(0.2):
                self.add(ev.ApprovalEscalated(stage="approval", to=["role:leader"]), reason="SLA")
            if self.chance(0.15):  # amended while in review
                if self.amend(material=self.chance(0.5)):
                    continue  # re-reviewed
            roll = rng.random()
            if roll < 0.07:
                self.add(ev.CampaignRejected(actor_id="jun.approver"), "jun.approver", "no")
            elif roll < 0.12:
                self.add(ev.RequestExpired(stage="approval"), reason="no decision")
            elif roll < 0.16:
                self.add(ev.CampaignCancelled(stage="in_review"), "lin.food", "changed our mind")
            asked = self.request.requested_tier or proposed
            if asked != Tier.C and self.chance(0.3):
                lower = rng.choice([t for t in _TIERS if t.is_below(asked)])
                f, m = self.money_at(0.5 ** (asked.rank - lower.rank))
                self.add(ev.CampaignDowngraded(from_tier=asked, to_tier=lower, forecast=f, money=m),
                         "jun.approver", "smaller")
                self.tier = lower
            else:
                self.tier = asked
                old = self.chance(0.1)  # recorded before money: no forecast, no money
                f, m = self.money_at()
                self.add(ev.CampaignApproved(tier=asked, forecast=None if old else f, money=None if old else m),
                         "jun.approver")
            return True

    def amend(self, material: bool) -> bool:
        """An amendment; material ones are re-reviewed by the caller. True when material."""
        assert self.request is not None
        rng = self.rng
        changes: dict = {"name": self.request.name + " v2"}
        if material:
            changes["forecast"] = Forecast(traffic=rng.randrange(10_000, 20_000_000), avg_order_value=99.0,
                                           conversion_rate=0.02)
            if self.chance(0.5):
                changes["month"] = f"2027-{rng.randrange(3, 12):02d}"
        new = self.request.model_copy(update=changes)
        self.request = new
        money = None if self.chance(0.2) else self.money_at()[1]
        stage = "in_review" if material or self.tier is None else "scheduled"
        self.add(ev.CampaignAmended(changes={k: {"from": 1, "to": 2} for k in changes}, material=material,
                                    stage=stage, request=new, month=self.month, money=money), "lin.food", "changed")
        return material

    def schedule(self) -> None:
        """Reserve a month (or be offered others), allocate, plan milestones."""
        rng = self.rng
        assert self.tier is not None and self.request is not None
        while True:
            if self.chance(0.25):
                alternatives = [f"2027-{rng.randrange(3, 12):02d}" for _ in range(rng.randrange(0, 3))]
                self.add(ev.MonthAlternativesOffered(month=self.month, alternatives=alternatives,
                                                     reasons=["month full"]), reason="month full")
                roll = rng.random()
                if roll < 0.1:
                    self.add(ev.RequestExpired(stage="month_choice"), reason="no month chosen")
                elif roll < 0.15:
                    self.add(ev.CampaignCancelled(stage="awaiting_month_choice"), "lin.food", "never mind")
                self.month = rng.choice(alternatives or ["2027-11"])
                self.add(ev.MonthChosen(month=self.month), "lin.food")
                continue
            self.phases = self.phases_in(self.month)
            self.counted = rng.randrange(1, 12)
            self.add(ev.MonthReserved(month=self.month, tier=self.tier, category=self.request.category,
                                      counted_days=self.counted, hot_topic=self.request.hot_topic, phases=self.phases,
                                      cost=round(rng.uniform(0, 1e6), 2) if self.tier != Tier.C else 0))
            if self.tier != Tier.C:
                bookings = [ev.Booking(resource=f"{r}-{self.cid}", unit=rng.randrange(1, 4), phase=p.phase, start=p.start, end=p.end)
                            for p in self.phases for r in _RESOURCES if self.chance(0.4)]
                shortfall = [ev.Shortfall(resource="push", phase=PhaseName.BURST, wanted=2, got=1, required=False)
                             ] if self.chance(0.2) else []
                self.add(ev.ResourcesAllocated(bookings=bookings, shortfall=shortfall))
            burst = self.phases[1].start
            if self.tier != Tier.C and not self.milestones and self.chance(0.7):
                self.milestones = [Milestone(key=f"m{i}", name=f"step {i}", team=rng.choice(_TEAMS),
                                             due=burst - timedelta(days=rng.randrange(1, 30))) for i in range(3)]
                self.milestone_status = {m.key: "open" for m in self.milestones}
                self.add(ev.MilestonesPlanned(burst_start=burst, milestones=self.milestones))
            elif self.milestones:
                moves = [MilestoneMove(key=m.key, from_due=m.due, to_due=m.due + timedelta(days=rng.randrange(1, 9)))
                         for m in self.milestones if self.chance(0.6)]
                if moves:
                    self.add(ev.MilestonesMoved(burst_start=burst, moves=moves))
            return

    def scheduled_turns(self) -> None:
        """While scheduled: amendments, displacement by an S, milestones, a cancel."""
        rng = self.rng
        assert self.tier is not None
        for _ in range(rng.randrange(0, 3)):
            roll = rng.random()
            if roll < 0.25:
                if not self.amend(material=self.chance(0.6)):
                    continue
                self.add(ev.ReviewScored(score=50.0, factors={}, proposed_tier=self.tier, forecast_sales=1.0,
                                         revenue_target=1.0, target_reachable=True))
                decision = rng.random()
                if decision < 0.1:
                    self.add(ev.CampaignRejected(), "jun.approver", "no longer")
                self.add(ev.CampaignApproved(tier=self.tier), "jun.approver")
                if decision < 0.6:  # kept its place
                    continue
                assert self.request is not None
                self.add(ev.PlaceReleased(month=self.month), reason="amended: reserved again")
                self.month = self.request.month
                self.schedule()
            elif roll < 0.4 and self.tier != Tier.S:
                self.add(ev.DisplacedBySCampaign(by_campaign_id="campaign-food-s", month=self.month), reason="S month")
                other = f"2027-{rng.randrange(3, 12):02d}"
                self.add(ev.MonthAlternativesOffered(month=self.month, alternatives=[other], reasons=["S"]))
                self.month = other
                self.add(ev.MonthChosen(month=self.month), "lin.food")
                self.schedule()
            elif roll < 0.55:
                self.milestone_turn()
            elif roll < 0.6:
                self.add(ev.CampaignCancelled(stage="scheduled"), "yan.ops", "reshuffle")

    def milestone_turn(self) -> None:
        pending = [m for m in self.milestones if self.milestone_status[m.key] in ("open", "overdue")]
        if not pending:
            return
        m = self.rng.choice(pending)
        if self.milestone_status[m.key] == "overdue" or self.chance(0.5):
            self.milestone_status[m.key] = "done"
            self.add(ev.MilestoneDone(key=m.key), "lin.food", self.rng.choice([None, "done early"]))
        else:
            self.milestone_status[m.key] = "overdue"
            self.add(ev.MilestoneOverdue(key=m.key, due=m.due, team=m.team), reason="late")

    def run(self) -> None:
        rng = self.rng
        self.scheduled_turns()
        for phase in self.phases:
            self.add(ev.PhaseStarted(phase=phase.phase))
            if self.chance(0.2):
                self.milestone_turn()
            if self.chance(0.04):
                self.add(ev.CampaignCancelled(stage=phase.phase.value), "yan.ops", "stop")
            self.add(ev.PhaseEnded(phase=phase.phase))
        self.add(ev.CampaignCompleted())
        for _ in range(rng.randrange(0, 4)):
            self.results_turn()

    def results_turn(self) -> None:
        rng = self.rng
        assert self.request is not None
        first = self.phases[0].start if self.phases else date(2027, 3, 1)
        if self.days and self.chance(0.4):
            day = rng.choice(sorted(self.days))
            new = self.days[day].model_copy(update={"gmv": float(rng.randrange(1000, 100000))})
            self.add(results_ev.ActualsCorrected(corrections=[Correction(old=self.days[day], new=new)]), "yan.ops")
            self.days[day] = new
        else:
            rows = [ActualRow(date=first + timedelta(days=i), traffic=rng.randrange(1000, 90000),
                              orders=rng.randrange(10, 900), gmv=float(rng.randrange(1000, 100000)),
                              gross_profit=float(rng.randrange(-1000, 30000)),
                              promotion_cost=float(rng.randrange(0, 500)) if self.chance(0.3) else None)
                    for i in range(rng.randrange(1, 6)) if first + timedelta(days=i) not in self.days]
            if not rows:
                return
            self.add(results_ev.ActualsRecorded(rows=rows), "yan.ops")
            self.days.update({r.date: r for r in rows})
        if self.phases and self.chance(0.6):
            outcome = compute_outcome(_POLICY, self.request.forecast, self.phases, self.counted,
                                      sorted(self.days.values(), key=lambda r: r.date), self.request.money,
                                      self.request.mechanics)
            self.add(results_ev.CampaignOutcome(outcome=outcome, days=(self.phases[-1].end - self.phases[0].start).days))


def resource_units(batch: list[list[ev.Event]]) -> list[tuple[str, int]]:
    """The (resource, unit) pairs the streams book: each stream books units of its own, so
    streams never compete for one (the test database must hold them: bookings' foreign key)."""
    return sorted({(b.resource, b.unit) for s in batch for e in s if isinstance(e.body, ev.ResourcesAllocated)
                   for b in e.body.bookings})


def streams(seed: int, count: int, prefix: str = "g") -> list[list[ev.Event]]:
    """`count` streams; about a third cut at a random event, so live campaigns are among them."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        stream = StreamMaker(rng, f"campaign-{prefix}{i:04d}").make()
        out.append(stream[:rng.randrange(1, len(stream) + 1)] if rng.random() < 0.35 else stream)
    return out

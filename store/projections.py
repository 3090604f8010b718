"""Projections of the log: campaigns list, calendar, bookings (the audit trail is a view),
and the reference data's tables (store/reference_projection.py).

`apply` folds one event into every projection. The live path calls it in the same
transaction as the append; `rebuild` truncates the projections and folds the whole
log again, which must give exactly the live rows.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from domain import events as ev
from domain.approvals import events as approvals_ev
from domain.events import Event
from domain.money import Money
from domain.months import year_of
from domain.planning.events import PLAN_EVENT_TYPES
from domain.reference_events import REFERENCE_EVENT_TYPES
from domain.results import events as results_ev
from domain.review import approved_without_review
from domain.status import Status
from domain.tiers import Tier
from store import eventstore, milestones, plans, reference_projection, results_projection

PROJECTION = "all"
# (the audit trail is a view over `events`: nothing to fold, nothing to rebuild)
_PROJECTION_TABLES = ("campaigns", "calendar_entries", "bookings", "projection_checkpoints", "milestones",
                      "plan_intents", "delegations", *results_projection.TABLES, *reference_projection.TABLES)

# Campaign status after each event type (None: the event does not move the status).
_STATUS: dict[str, str] = {
    "CampaignSubmitted": Status.SUBMITTED,
    "ReviewScored": Status.IN_REVIEW,
    "MonthAlternativesOffered": Status.AWAITING_MONTH_CHOICE,
    "ResourcesAllocated": Status.SCHEDULED,
    "CampaignCompleted": Status.COMPLETED,
    "CampaignRejected": Status.REJECTED,
    "RequestExpired": Status.EXPIRED,
    "CampaignCancelled": Status.CANCELLED,
}
_ENDS_HOLDING = ("CampaignCancelled", "CampaignRejected", "RequestExpired", "DisplacedBySCampaign")


async def release_everything(conn: asyncpg.Connection, campaign_ids: list[str]) -> None:
    """Give back the calendar place and every live booking of these campaigns."""
    await conn.execute("DELETE FROM calendar_entries WHERE campaign_id = ANY($1::text[])", campaign_ids)
    await conn.execute(
        "UPDATE bookings SET status = 'released' WHERE campaign_id = ANY($1::text[]) AND status <> 'released'",
        campaign_ids,
    )


# Events whose fold may touch more than the campaign row (the rest of `apply` below).
_BEYOND_THE_ROW = frozenset({"CampaignSubmitted", "MonthReserved", "PlaceReleased", "ResourcesAllocated",
                             "PhaseStarted", "PhaseEnded", "DelegationGranted", "DelegationRevoked",
                             "ActualsRecorded", "ActualsCorrected", "CampaignOutcome", *_ENDS_HOLDING})


def campaign_row_change(event: Event) -> tuple[str | None, dict[str, Any]] | None:
    """The whole fold of an event that changes only its campaign's row: (status or None,
    columns). None when the event writes anything else (then `apply` does it all). Part of
    `apply`, and what lets `record` write such an event and its fold in one statement."""
    if (event.type in _BEYOND_THE_ROW or event.type in PLAN_EVENT_TYPES or event.type in REFERENCE_EVENT_TYPES
            or milestones.touches(event)):
        return None
    status = _STATUS.get(event.type)
    match event.body:
        case ev.ReviewScored(score=score, proposed_tier=proposed, leadership_decides=leaders):
            if approved_without_review(proposed, leaders):
                status = None  # C skips review: it goes straight on to its month
            return status, {"score": score, "proposed_tier": proposed.value}
        case ev.CampaignApproved(tier=tier, money=money) | ev.CampaignDowngraded(to_tier=tier, money=money):
            # the money at the tier set, as the event recorded it (a downgrade scales the forecast)
            return status, {"tier": tier.value, **_money(money)}
        case ev.CampaignAmended(request=r, month=month, money=money):
            return status, {"name": r.name, "month": month,
                            "requested_tier": r.requested_tier.value if r.requested_tier else None, **_money(money)}
        case ev.MonthChosen(month=month) | ev.MonthAlternativesOffered(month=month):
            # offered others: the month it was refused in is the one it is at (after a released
            # place, the amended request's, not the one given back)
            return status, {"month": month}
    return status, {}


def _money(money: Money | None) -> dict[str, Any]:
    """The `money` column from an event that carries it (events recorded before carry none)."""
    return {} if money is None else {"money": money.model_dump()}


async def record(conn: asyncpg.Connection, event: Event) -> int | None:
    """Append `event` and fold it: one statement when its fold is only its campaign's row
    (atomic on its own, so a caller outside a transaction needs none), else the append and
    `apply` in a transaction (the caller's, or one opened here). Returns the position, or
    None for a retry of an event already in the log (nothing folded again)."""
    if (change := campaign_row_change(event)) is not None:
        status, columns = change
        return await eventstore.append(conn, event, then=_campaign_row_sql(status, columns, first=11))
    if not conn.is_in_transaction():
        async with conn.transaction():
            return await record(conn, event)
    position = await eventstore.append(conn, event)
    if position is not None:
        await apply(conn, event, position)
    return position


def _campaign_row_sql(status: str | None, columns: dict[str, Any], first: int) -> tuple[str, list[Any]]:
    """The campaign row's UPDATE as a CTE body over `ev` (it runs only when the event was
    inserted), its own parameters numbered from `first`; $1 is the campaign, $2 the seq and
    $8 the time, as in the append."""
    sets = "".join(f", {name} = ${first + 1 + i}" for i, name in enumerate(columns))
    return (f"UPDATE campaigns SET status = COALESCE(${first}::text, status), updated_at = $8, last_seq = $2{sets} "
            f"FROM ev WHERE campaigns.campaign_id = $1"), [status, *columns.values()]


async def apply(conn: asyncpg.Connection, event: Event, position: int) -> None:
    """Fold one event into every projection, in the caller's transaction (few round trips:
    the event's own rows, then one UPDATE of the campaign row; the audit trail is a view).

    These projections are inline: they commit with the event, so they are never behind the
    log and need no per-event checkpoint (a single checkpoint row updated by every append
    would be a hot row serializing all writers). `rebuild` records where it read up to."""
    body, cid = event.body, event.campaign_id
    if (change := campaign_row_change(event)) is not None:
        await _update_campaign(conn, event, change[0], **change[1])
        return
    if event.type in PLAN_EVENT_TYPES:  # a year plan's stream: its own projection
        await plans.apply(conn, event)
        return
    if event.type in REFERENCE_EVENT_TYPES:  # policy, business lines, webhook subscriptions
        await reference_projection.apply(conn, event)
        return
    await milestones.apply(conn, event)  # the preparation milestones (store/milestones.py)
    status = _STATUS.get(event.type)
    match body:
        case approvals_ev.DelegationGranted():
            # from_name and to_name hold identities (what is matched; store/delegations.py)
            await conn.execute(
                """INSERT INTO delegations (id, from_name, from_role, from_line, to_name, starts, ends, created_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                body.delegation_id, body.from_id or body.from_name, body.from_role, body.from_line, body.to,
                body.starts, body.ends, event.at)
            return
        case approvals_ev.DelegationRevoked():
            await conn.execute("UPDATE delegations SET revoked_at = $2 WHERE id = $1", body.delegation_id, event.at)
            return
        case ev.CampaignSubmitted(request=r, owner=owner):
            await conn.execute(
                """INSERT INTO campaigns (campaign_id, request_id, name, business_line, category, owner,
                       requested_tier, status, month, hot_topic, submitted_at, updated_at, last_seq, money)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,'submitted',$8,$9,$10,$10,$11,$12::jsonb)""",
                cid, r.request_id, r.name, r.business_line, r.category, owner,
                r.requested_tier.value if r.requested_tier else None, r.month, r.hot_topic, event.at, event.seq,
                r.money.model_dump(),
            )
            return
        case ev.MonthReserved():
            await release_everything(conn, body.displaced)
            await conn.execute(
                """INSERT INTO calendar_entries
                       (campaign_id, year, month, tier, category, counted_days, hot_topic, phases, cost)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)""",
                cid, year_of(body.month), body.month, body.tier.value, body.category, body.counted_days,
                body.hot_topic, [p.model_dump(mode="json") for p in body.phases], body.cost,
            )
            if body.tier == Tier.C:
                status = Status.SCHEDULED  # C books nothing: reserved is scheduled
            await _update_campaign(conn, event, status, month=body.month, tier=body.tier.value)
            return
        case ev.PlaceReleased():
            # the place is given back: the campaign is at its amended request's month again (as
            # the workflow's state and the campaign fold say), no longer at the released one
            await release_everything(conn, [cid])
            month = await eventstore.amended_month(conn, cid, event.seq)
            await _update_campaign(conn, event, status, **({"month": month} if month else {}))
            return
        case ev.ResourcesAllocated(bookings=bookings) if bookings:
            await conn.executemany(
                """INSERT INTO bookings (campaign_id, resource, unit, phase, during, status)
                   VALUES ($1, $2, $3, $4, daterange($5, $6), 'held')
                   ON CONFLICT (campaign_id, resource, unit, phase) DO UPDATE
                       SET during = EXCLUDED.during, status = 'held' WHERE bookings.status = 'released'""",
                [(cid, b.resource, b.unit, b.phase.value, b.start, b.end) for b in bookings],
            )
        case ev.PhaseStarted(phase=phase):
            await conn.execute(
                "UPDATE bookings SET status = 'active' WHERE campaign_id = $1 AND phase = $2 AND status = 'held'",
                cid, phase.value,
            )
            status = phase.value
        case ev.PhaseEnded(phase=phase):
            await conn.execute(
                "UPDATE bookings SET status = 'released' "
                "WHERE campaign_id = $1 AND phase = $2 AND status <> 'released'",
                cid, phase.value,
            )
        case ev.DisplacedBySCampaign():
            status = Status.AWAITING_MONTH_CHOICE
        case results_ev.ActualsRecorded() | results_ev.ActualsCorrected() | results_ev.CampaignOutcome():
            await results_projection.apply(conn, event)
    if event.type in _ENDS_HOLDING:
        await release_everything(conn, [cid])
    await _update_campaign(conn, event, status)


async def _update_campaign(conn: asyncpg.Connection, event: Event, status: str | None, **columns) -> None:
    """One UPDATE of the campaign row: the event's columns, its status (if it moves it), the
    time and seq of the last event applied."""
    names = list(columns)
    sets = "".join(f", {name} = ${i + 5}" for i, name in enumerate(names))
    await conn.execute(
        f"""UPDATE campaigns SET status = COALESCE($2, status), updated_at = $3, last_seq = $4{sets}
            WHERE campaign_id = $1""",
        event.campaign_id, status, event.at, event.seq, *columns.values(),
    )


async def rebuild(pool: asyncpg.Pool, batch: int = 2000) -> int:
    """Truncate every projection and fold the whole log again, in one transaction."""
    read_all = eventstore.read_all
    count = 0
    async with pool.acquire() as conn, conn.transaction():
        # Stop appends while we rebuild, so the result is the live state at one point.
        await conn.execute("LOCK TABLE events IN SHARE MODE")
        kept = await reference_projection.keep_outside_the_log(conn)
        await conn.execute(f"TRUNCATE {', '.join(_PROJECTION_TABLES)}")
        after = (0, 0)
        while rows := await read_all(conn, after, batch, below_xmin=False):
            for after, stored in rows:  # noqa: B007 - the last position read is where the next batch starts
                await apply(conn, stored.to_event(), stored.position)
                count += 1
        await reference_projection.restore_outside_the_log(conn, kept)
        await conn.execute(
            "INSERT INTO projection_checkpoints (projection, tx, position) VALUES ($1, $2::text::xid8, $3)",
            PROJECTION, str(after[0]), after[1])
    return count

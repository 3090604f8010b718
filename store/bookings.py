"""Resource allocation: pick free units under a per-resource lock; the exclusion
constraint on bookings is the last guard against double booking."""

from __future__ import annotations

import asyncpg

from domain.campaign import Phase
from domain.events import Booking, Shortfall
from domain.resources import Entitlement
from store.calendar import RESOURCE_LOCK


async def lock_resources(conn: asyncpg.Connection, resources: list[str]) -> None:
    # Sorted, so two allocations never wait on each other in opposite orders.
    for resource in sorted(set(resources)):
        await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", RESOURCE_LOCK, resource)


async def free_units(conn: asyncpg.Connection, resource: str, phase: Phase, wanted: int) -> list[int]:
    rows = await conn.fetch(
        """SELECT u.unit FROM resource_units u
           WHERE u.resource = $1 AND NOT EXISTS (
               SELECT 1 FROM bookings b
               WHERE b.resource = u.resource AND b.unit = u.unit AND b.status <> 'released'
                 AND b.during && daterange($2, $3))
           ORDER BY u.unit LIMIT $4""",
        resource, phase.start, phase.end, wanted,
    )
    return [r["unit"] for r in rows]


async def pick_units(
    conn: asyncpg.Connection, needs: list[Entitlement], phases: list[Phase]
) -> tuple[list[Booking], list[Shortfall]]:
    """All or nothing for required resources, best effort for optional ones.

    Call inside the transaction that will append the ResourcesAllocated event."""
    await lock_resources(conn, [n.resource for n in needs])
    by_name = {p.phase: p for p in phases}
    required: list[Booking] = []
    optional: list[Booking] = []
    shortfall: list[Shortfall] = []
    for need in needs:
        for phase_name in need.phases:
            phase = by_name.get(phase_name)
            if phase is None:
                continue
            units = await free_units(conn, need.resource, phase, need.units)
            got = [Booking(resource=need.resource, unit=u, phase=phase.phase, start=phase.start, end=phase.end)
                   for u in units]
            (required if need.required else optional).extend(got)
            if len(units) < need.units:
                shortfall.append(Shortfall(resource=need.resource, phase=phase.phase, wanted=need.units,
                                           got=len(units), required=need.required))
    if any(s.required for s in shortfall):
        required = []  # a tier's required resources come together or not at all
    return required + optional, shortfall

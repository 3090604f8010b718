"""The company's promotion resources and what each tier is entitled to book.

The catalog (with unit counts) and the entitlements are defaults copied into
`Policy.for_year`; the engine reads them from the policy, never from here directly.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.campaign import PhaseName
from domain.tiers import Tier


class ResourceSpec(BaseModel):
    """One bookable resource; `units` parallel slots can be held on the same day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    name: str
    units: int = Field(ge=0)


class Entitlement(BaseModel):
    """`units` of `resource` held during each of `phases`; a missing required one is a shortfall that matters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resource: str
    units: int = Field(ge=1)
    phases: list[PhaseName]
    required: bool


# The four platforms of the playbook: App, PC, Web, mini-program.
FIRST_SCREENS = ("app_first_screen", "pc_first_screen", "web_first_screen", "mini_program_first_screen")

_CATALOG: tuple[tuple[str, str, int], ...] = (
    ("app_first_screen", "App first screens", 2),
    ("pc_first_screen", "PC first screens", 2),
    ("web_first_screen", "Web first screens", 2),
    ("mini_program_first_screen", "Mini-program first screens", 2),
    ("main_venue", "Main venue", 2),
    ("sub_venue", "Sub venues", 6),
    ("company_channels", "Company-level channels", 3),
    ("focus_carousel", "Homepage focus carousel", 8),
    ("promo_floor", "Promotion floors", 10),
    ("category_channel", "Category channels", 20),
    ("offsite_push", "Off-site push", 3),
    ("paid_ads", "Paid ads", 2),
    ("supplier_marketing", "Supplier and partner marketing", 4),
    ("parcel_inserts", "Parcel box inserts", 1),
)

_ALL_PHASES = [PhaseName.WARMUP, PhaseName.BURST, PhaseName.ENCORE]
_WARMUP_BURST = [PhaseName.WARMUP, PhaseName.BURST]
_BURST = [PhaseName.BURST]

# S takes more than one unit where the resource is meant to be shared by many categories.
_S_UNITS = {"sub_venue": 3, "focus_carousel": 2, "promo_floor": 2, "category_channel": 5}
_S_REQUIRED = set(FIRST_SCREENS) | {"main_venue"}
# A's required resources: the first screens and the venue entry (the main venue).
_A_REQUIRED = (*FIRST_SCREENS, "main_venue")


def default_resources() -> list[ResourceSpec]:
    return [ResourceSpec(key=k, name=n, units=u) for k, n, u in _CATALOG]


def default_entitlements() -> dict[Tier, list[Entitlement]]:
    s = [
        Entitlement(resource=k, units=_S_UNITS.get(k, 1), phases=list(_ALL_PHASES), required=k in _S_REQUIRED)
        for k, _, _ in _CATALOG
    ]
    # A: "the first screen and the venue entry on the four platforms" (required: all or
    # nothing, as S's are), plus some company channels, external push and supplier
    # resources (nice to have).
    a = [Entitlement(resource=k, units=1, phases=list(_WARMUP_BURST), required=True) for k in _A_REQUIRED]
    a += [
        Entitlement(resource=k, units=1, phases=list(_WARMUP_BURST), required=False)
        for k in ("company_channels", "offsite_push", "supplier_marketing")
    ]
    # B: regular entries only, burst day only (its warm-up runs on the category's own resources).
    b = [
        Entitlement(resource="category_channel", units=1, phases=list(_BURST), required=True),
        Entitlement(resource="focus_carousel", units=1, phases=list(_BURST), required=False),
        Entitlement(resource="promo_floor", units=1, phases=list(_BURST), required=False),
    ]
    return {Tier.S: s, Tier.A: a, Tier.B: b, Tier.C: []}

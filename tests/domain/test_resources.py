from domain.campaign import PhaseName
from domain.policy import Policy
from domain.resources import FIRST_SCREENS, default_entitlements, default_resources
from domain.tiers import Tier

CATALOG = {
    "app_first_screen", "pc_first_screen", "web_first_screen", "mini_program_first_screen", "main_venue",
    "sub_venue", "company_channels", "focus_carousel", "promo_floor", "category_channel", "offsite_push",
    "paid_ads", "supplier_marketing", "parcel_inserts",
}


def test_catalog(policy):
    units = {r.key: r.units for r in policy.resources}
    assert set(units) == CATALOG
    assert all(units[k] == 2 for k in FIRST_SCREENS)
    assert units["sub_venue"] == 6 and units["focus_carousel"] == 8 and units["promo_floor"] == 10
    assert units["category_channel"] == 20 and units["parcel_inserts"] == 1
    assert policy.resources == default_resources()


def test_s_gets_everything_on_every_phase(policy):
    s = policy.needs(Tier.S)
    assert {e.resource for e in s} == CATALOG
    assert all(set(e.phases) == set(PhaseName) for e in s)
    assert all(e.required for e in s if e.resource in FIRST_SCREENS)


def test_a_first_screens_and_venue_entry_required_others_optional(policy):
    """The playbook gives A "the first screen and the venue entry on the four platforms":
    both required (all or nothing, as S's are)."""
    a = {e.resource: e for e in policy.needs(Tier.A)}
    assert set(a) == set(FIRST_SCREENS) | {"main_venue", "company_channels", "offsite_push", "supplier_marketing"}
    required = set(FIRST_SCREENS) | {"main_venue"}
    assert all(a[k].required for k in required)
    assert not any(e.required for k, e in a.items() if k not in required)
    assert all(e.phases == [PhaseName.WARMUP, PhaseName.BURST] for e in a.values())


def test_b_regular_entries_on_burst_only_and_c_nothing(policy):
    b = policy.needs(Tier.B)
    assert {e.resource for e in b} == {"focus_carousel", "promo_floor", "category_channel"}
    assert all(e.phases == [PhaseName.BURST] for e in b)
    assert policy.needs(Tier.C) == []


def test_entitlements_fit_the_catalog(policy):
    units = {r.key: r.units for r in policy.resources}
    for ents in default_entitlements().values():
        assert all(e.units <= units[e.resource] for e in ents)


def test_entitlements_come_from_the_policy():
    p = Policy.for_year(2027, {"entitlements": {"B": [
        {"resource": "promo_floor", "units": 2, "phases": ["burst"], "required": True}]}})
    assert [(e.resource, e.units) for e in p.needs(Tier.B)] == [("promo_floor", 2)]

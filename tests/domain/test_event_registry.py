"""Each subject owns its event types (domain/events.py the campaign's, domain/planning,
domain/results, domain/approvals and domain/reference_events the others'); domain/events.EventBody
is the one registry the store parses with. An event type defined in a package but missing from
the registry could be appended and never read back, so the two lists must be the same."""

import importlib
import inspect
from typing import Literal, get_args, get_origin

from pydantic import BaseModel

from domain import events as ev

OWNERS = ["domain.events", "domain.planning.events", "domain.results.events", "domain.approvals.events",
          "domain.reference_events"]


def defined_event_types(module_name: str) -> set[str]:
    """The bodies a module defines: its own pydantic classes with a literal `type` field (a
    model with a plain `type: str`, like `LoggedEvent`, lists events and is none)."""
    module = importlib.import_module(module_name)
    return {cls.model_fields["type"].default for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseModel) and cls.__module__ == module_name and "type" in cls.model_fields
            and get_origin(cls.model_fields["type"].annotation) is Literal}


def registered_event_types() -> list[str]:
    return [cls.model_fields["type"].default for cls in get_args(get_args(ev.EventBody)[0])]


def test_the_registry_lists_every_event_type_of_every_package_once():
    registered = registered_event_types()
    assert len(registered) == len(set(registered))
    owned = [t for name in OWNERS for t in defined_event_types(name)]
    assert len(owned) == len(set(owned)), "an event type is defined by two packages"
    assert set(owned) == set(registered)


def test_each_package_owns_its_events():
    assert {"ActualsRecorded", "ActualsCorrected", "CampaignOutcome"} == defined_event_types("domain.results.events")
    assert {"DelegationGranted", "DelegationRevoked"} == defined_event_types("domain.approvals.events")
    assert "PlanOpened" in defined_event_types("domain.planning.events")
    assert "CampaignSubmitted" in defined_event_types("domain.events")


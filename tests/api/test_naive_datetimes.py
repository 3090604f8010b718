"""Every datetime the API accepts carries its zone: a naive one would be read in the host's
zone (TZ) and land on another day (2027-03-14T12:00 in New York is the 15th in the policy's
UTC+8), so no request body may declare a plain `datetime` (pydantic's AwareDatetime refuses a
naive value with a 422 naming the field)."""

from __future__ import annotations

from datetime import datetime


def test_no_request_body_takes_a_datetime_without_a_zone():
    """Every datetime an API body accepts is an AwareDatetime (a naive one: 422 naming the field)."""
    from pydantic import AwareDatetime, BaseModel

    from api.app import create_app

    app = create_app()
    naive = []
    seen: set[type] = set()

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, f in model.model_fields.items():
            ann = f.annotation
            if ann is datetime:
                naive.append(f"{model.__name__}.{name}")
            for arg in getattr(ann, "__args__", ()) + (ann,):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    walk(arg)
                if arg is datetime and ann is not AwareDatetime:
                    naive.append(f"{model.__name__}.{name}")

    for route in app.routes:
        body = getattr(getattr(route, "body_field", None), "type_", None)
        if isinstance(body, type) and issubclass(body, BaseModel):
            walk(body)
    assert not naive, f"request fields taking a naive datetime: {sorted(set(naive))}"

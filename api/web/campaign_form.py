"""The campaign request as a form: reading the new-campaign form (and the amend form) into
the JSON API's own models, with each problem keyed by the form field it is about, and the
forecast preview beside the form.

Field names are the body's (`name`, `month`, `revenue_target`, ...), the forecast's three
figures flat (`traffic`, `avg_order_value`, `conversion_rate`), the mechanics as numbered
rows (`mechanic-<i>-type`, `-depth`, `-share`; a row without a type is empty). Figures are
in the body's units: gross margin and conversion rate as fractions (0.03), depth and
platform share too. A figure that is not a number is refused here, beside its field; every
other rule is the models' (pydantic) and the route's (`RequestProblems`), mapped back to
the field they name, so the form says exactly what `POST /campaigns` would say.

The preview is domain/money.py's formulas over what is typed so far (one formula in one
place): forecast sales against the target, the cost to the marketing budget, the margin and
gross profit after the promotion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from domain.money import Mechanic, MechanicType, Money, money_of

MECHANIC_ROWS = 3
MECHANIC_TYPES = [t.value for t in MechanicType]
FORECAST = ("traffic", "avg_order_value", "conversion_rate")
NUMBERS = ("revenue_target", "gross_margin", "traffic", "avg_order_value", "conversion_rate", "paid_traffic", "skus",
           "inventory_value")
INTEGERS = ("traffic", "skus")
LABELS = {"name": "Name", "category": "Category", "month": "Month", "requested_tier": "Requested tier",
          "burst_start": "Burst start", "revenue_target": "Revenue target", "gross_margin": "Gross margin",
          "traffic": "Traffic", "avg_order_value": "Average order value", "conversion_rate": "Conversion rate",
          "hot_topic": "Hot topic", "paid_traffic": "Paid traffic", "skus": "SKUs",
          "inventory_value": "Inventory value", "mechanics": "Mechanics", "reason": "Reason"}


class Invalid(Exception):
    """Problems keyed by form field ("" for the form as a whole)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _number(raw: str, integer: bool) -> float | int:
    text = raw.replace(",", "").replace("_", "").replace(" ", "")
    value = float(text)
    if integer:
        if not value.is_integer():
            raise ValueError(raw)
        return int(value)
    return value


def numbers(values: Mapping[str, str], fields: tuple[str, ...] = NUMBERS) -> tuple[dict[str, Any], dict[str, str]]:
    """The figures typed (blank: absent) and the fields whose text is not a number."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        raw = (values.get(f) or "").strip()
        if not raw:
            continue
        try:
            out[f] = _number(raw, f in INTEGERS)
        except ValueError:
            errors[f] = f"{LABELS[f]}: enter a {'whole number' if f in INTEGERS else 'number'} (e.g. " \
                        f"{'2000000' if f in INTEGERS else '0.03'}), not {raw!r}"
    return out, errors


def mechanics(values: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[int], dict[str, str]]:
    """The mechanic rows filled in (as dicts for the model), the form row of each, and
    problems keyed `mechanic-<i>`."""
    rows: list[dict[str, Any]] = []
    where: list[int] = []
    errors: dict[str, str] = {}
    for i in range(MECHANIC_ROWS):
        kind = (values.get(f"mechanic-{i}-type") or "").strip()
        depth = (values.get(f"mechanic-{i}-depth") or "").strip()
        share = (values.get(f"mechanic-{i}-share") or "").strip()
        if not kind:
            if depth or share:
                errors[f"mechanic-{i}"] = f"Mechanic {i + 1}: choose its type (or clear its figures)"
            continue
        try:
            rows.append({"type": kind, "depth": _number(depth or "x", False),
                         "platform_share": _number(share or "x", False)})
            where.append(i)
        except ValueError:
            errors[f"mechanic-{i}"] = f"Mechanic {i + 1}: depth and platform share are fractions, e.g. 0.12 and 0.5"
    return rows, where, errors


def pydantic_errors(err: ValidationError, mechanic_rows: list[int],
                    field_of: Callable[[tuple[Any, ...]], str] | None = None) -> dict[str, str]:
    """The models' problems keyed by form field."""
    out: dict[str, str] = {}
    for e in err.errors():
        loc = tuple(e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        field = field_of(loc) if field_of else ""
        if not field:
            field = _field(loc, msg, mechanic_rows)
        if field.startswith("mechanic-"):
            text = f"Mechanic {int(field.split('-')[1]) + 1} ({loc[-1]}): {msg}"
        else:
            text = f"{LABELS[field]}: {msg}" if field in LABELS else msg
        out[field] = f"{out[field]}; {text}" if field in out else text
    return out


def _field(loc: tuple[Any, ...], msg: str, mechanic_rows: list[int]) -> str:
    if loc and loc[0] == "changes":  # the amend body
        loc = loc[1:]
    if not loc:  # a rule across fields: the field it names
        for f in ("burst_start", "hot_topic", "month"):
            if f in msg or (f == "hot_topic" and "hot topic" in msg):
                return f
        return ""
    if loc[0] == "forecast":
        return str(loc[1]) if len(loc) > 1 else "traffic"
    if loc[0] == "mechanics":
        if len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(mechanic_rows):
            return f"mechanic-{mechanic_rows[loc[1]]}"
        return "mechanics"
    return str(loc[0]) if str(loc[0]) in LABELS else ""


def request_body(values: Mapping[str, str], business_line: str | None) -> tuple[dict[str, Any], list[int]]:
    """The `POST /campaigns` body from the form (`Invalid` for figures that are not numbers)."""
    figures, errors = numbers(values)
    rows, where, mech_errors = mechanics(values)
    errors.update(mech_errors)
    if errors:
        raise Invalid(errors)
    body: dict[str, Any] = {
        "request_id": values.get("request_id") or "", "name": values.get("name") or "",
        "business_line": business_line or "", "category": (values.get("category") or "").strip(),
        "month": (values.get("month") or "").strip(), "hot_topic": values.get("hot_topic") in ("on", "true", "1"),
        "forecast": {k: figures[k] for k in FORECAST if k in figures},
        "mechanics": rows,
        **{k: figures[k] for k in ("revenue_target", "gross_margin", "paid_traffic", "skus", "inventory_value")
           if k in figures},
    }
    for optional in ("requested_tier", "burst_start"):
        if (v := (values.get(optional) or "").strip()):
            body[optional] = v
    return body, where


def parse(model: type[BaseModel], values: Mapping[str, str], business_line: str | None) -> BaseModel:
    """The form as `model` (the request), or `Invalid` with every problem beside its field."""
    body, where = request_body(values, business_line)
    try:
        return model.model_validate(body)
    except ValidationError as err:
        raise Invalid(pydantic_errors(err, where)) from err


def preview(values: Mapping[str, str]) -> dict[str, Any]:
    """What the preview shows for the figures typed so far (None where a figure is missing)."""
    figures, _ = numbers(values)
    rows, _, _ = mechanics(values)
    sales = None
    if all(k in figures for k in FORECAST):
        sales = figures["traffic"] * figures["avg_order_value"] * figures["conversion_rate"]
    target = figures.get("revenue_target")
    money: Money | None = None
    if sales is not None and "gross_margin" in figures:
        try:
            parsed = [Mechanic.model_validate(r) for r in rows]
            if sum(m.depth for m in parsed) < 0.9 + 1e-12:
                money = money_of(sales, figures["gross_margin"], parsed, figures.get("paid_traffic"))
        except ValidationError:
            money = None
    return {"sales": sales, "target": target, "money": money,
            "share": sales / target if sales is not None and target else None}

"""How the campaign pages write numbers: money in whole yuan with thousands separators,
shares as percentages, empty as an en dash. Registered as Jinja2 filters (`yuan`, `pct`,
`num`) on the app's one environment by `install_filters()`, which each page module that uses
them calls at import."""

from __future__ import annotations

from typing import Any

from api.web.render import environment

DASH = "–"


def yuan(value: Any) -> str:
    if value is None or value == "":
        return DASH
    v = float(value)
    return f"−¥{-v:,.0f}" if round(v) < 0 else f"¥{v:,.0f}"


def pct(value: Any, digits: int = 1) -> str:
    if value is None or value == "":
        return DASH
    return f"{float(value) * 100:.{digits}f} %"


def num(value: Any) -> str:
    if value is None or value == "":
        return DASH
    f = float(value)
    return f"{f:,.0f}" if f.is_integer() else f"{f:,.2f}"


def install_filters() -> None:
    env = environment()
    env.filters.update({"yuan": yuan, "pct": pct, "num": num})

"""The `YYYY-MM` month: one pattern, one type, and the arithmetic every layer needs.

A month string is the engine's key for balancing, the calendar and the read model.
Everything that parses, builds or compares one comes here instead of slicing strings.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import StringConstraints

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
_MONTH_RE = re.compile(MONTH_PATTERN)

# A pydantic/FastAPI type: a `YYYY-MM` string (supported years are the policy's concern).
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]


def is_month(value: str) -> bool:
    return bool(_MONTH_RE.match(value))


def month_key(year: int, month: int) -> str:
    """(2027, 3) -> "2027-03"."""
    return f"{year:04d}-{month:02d}"


def month_of_date(d: date) -> str:
    return month_key(d.year, d.month)


def year_of(month: str) -> int:
    """"2027-03" -> 2027."""
    return int(month[:4])


def number_of(month: str) -> int:
    """"2027-03" -> 3."""
    return int(month[5:7])


def first_day(month: str) -> date:
    return date(year_of(month), number_of(month), 1)


def months_of_year(year: int) -> list[str]:
    return [month_key(year, m) for m in range(1, 13)]


def previous_month(month: str) -> str:
    y, m = year_of(month), number_of(month)
    return month_key(y - 1, 12) if m == 1 else month_key(y, m - 1)


def next_month(month: str) -> str:
    y, m = year_of(month), number_of(month)
    return month_key(y + 1, 1) if m == 12 else month_key(y, m + 1)

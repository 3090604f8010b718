"""The calendar facts the rules stand on: festival days and the years we have data for.

A leaf of the domain (it imports only the generated holiday data), so the policy, the
scoring and the date rules can all read it without importing each other.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.holiday_data import CHINA_DAYS_OFF, QIXI, SPRING_FESTIVAL


def thanksgiving(year: int) -> date:
    """The 4th Thursday of November."""
    nov1 = date(year, 11, 1)
    first_thursday = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def festival_dates(year: int) -> dict[str, date]:
    """Industry festivals pinned to a date (a burst may start on them even on a weekend)."""
    return {
        "618": date(year, 6, 18),
        "double_11": date(year, 11, 11),
        # the day after Thanksgiving: not always the 4th Friday (Nov 1 a Friday, e.g. 2030)
        "black_friday": thanksgiving(year) + timedelta(days=1),
        "double_12": date(year, 12, 12),
    }


def qixi(year: int) -> date | None:
    """Chinese Valentine's Day (7th day of the 7th lunar month), when the data has the year."""
    day = QIXI.get(year)
    return date.fromisoformat(day) if day else None


def holiday_data_years() -> list[int]:
    """Years with days off and a Spring Festival date in the data."""
    return sorted(y for y in CHINA_DAYS_OFF if y in SPRING_FESTIVAL)


def supported_years() -> list[int]:
    """Years the engine can plan: the year's days off and the next year's (an encore or a
    late burst may spill over New Year) are both in the data."""
    have = set(holiday_data_years())
    return [y for y in sorted(have) if y + 1 in have]


def unsupported_year_message(year: int) -> str | None:
    """Why `year` cannot be planned, or None when it can."""
    years = supported_years()
    if year in years:
        return None
    return (f"year {year} is outside the years with holiday data ({years[0]}-{years[-1]}); "
            "regenerate domain/holiday_data.py (scripts/gen_holidays.py) to plan it")

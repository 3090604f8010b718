"""Festival days and the years the engine can plan (DOMAIN.md "Calendar rules")."""

from datetime import date

import pytest

from domain.festivals import festival_dates, qixi, supported_years, thanksgiving, unsupported_year_message
from domain.policy import Policy


@pytest.mark.parametrize("year", range(2025, 2031))
def test_black_friday_is_the_day_after_thanksgiving(year):
    bf = festival_dates(year)["black_friday"]
    tg = thanksgiving(year)
    assert tg.month == 11 and tg.weekday() == 3 and 22 <= tg.day <= 28  # the 4th Thursday
    assert bf == date(year, tg.month, tg.day + 1) and bf.weekday() == 4


def test_black_friday_2030_is_not_the_4th_friday():
    # November 1, 2030 is a Friday: the 4th Friday is Nov 22, Thanksgiving is Nov 28.
    assert date(2030, 11, 1).weekday() == 4
    assert festival_dates(2030)["black_friday"] == date(2030, 11, 29)


def test_holiday_data_reaches_this_year_plus_two():
    """Fails the day the generated data no longer covers what a team plans: regenerate it."""
    this_year = date.today().year
    assert this_year + 2 in supported_years(), (
        f"holiday data covers {supported_years()}: run scripts/gen_holidays.py with more years")


def test_a_supported_year_has_the_next_years_days_off_too():
    for y in supported_years():
        p = Policy.for_year(y)
        assert any(d.year == y + 1 for d in p.holidays), f"{y} lacks {y + 1}'s holidays for spill-over"
        assert p.spring_festival_day(y) is not None


def test_years_outside_the_data_are_named():
    last = supported_years()[-1]
    assert unsupported_year_message(last) is None
    msg = unsupported_year_message(last + 1)
    assert msg and str(last + 1) in msg and "holiday data" in msg
    assert unsupported_year_message(9999) and unsupported_year_message(0)


def test_qixi_is_in_beautys_season():
    for y in supported_years():
        q = qixi(y)
        assert q is not None and q.month in (7, 8)
        assert q.month in Policy.for_year(y).category_seasons["beauty"]

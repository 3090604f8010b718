import importlib.util
from pathlib import Path

import pytest

from domain.holiday_data import CHINA_DAYS_OFF, QIXI, SPRING_FESTIVAL

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    pytest.importorskip("holidays")
    spec = importlib.util.spec_from_file_location("gen_holidays", ROOT / "scripts" / "gen_holidays.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_data_equals_the_holidays_library():
    gen = _generator()
    days_off, spring = gen.build()
    assert CHINA_DAYS_OFF == days_off
    assert SPRING_FESTIVAL == spring
    assert QIXI == {y: gen.QIXI[y] for y in spring}


def test_years_and_spring_festival_days():
    assert set(CHINA_DAYS_OFF) == set(range(2025, 2033)) == set(SPRING_FESTIVAL) == set(QIXI)
    assert SPRING_FESTIVAL[2026] == "2026-02-17"
    assert SPRING_FESTIVAL[2027] == "2027-02-06"
    assert SPRING_FESTIVAL[2028] == "2028-01-26"
    for y, days in CHINA_DAYS_OFF.items():
        assert days == sorted(days) and all(d.startswith(str(y)) for d, _ in days)

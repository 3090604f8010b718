"""Day boundaries are the policy's zone whatever the host's `TZ`, and a datetime without a
zone is never read in the host's zone: the date rules run under two host zones and give the
same days; a naive datetime is refused."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.dates import local_date, phase_start_instant
from domain.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
ZONES = ("America/New_York", "Asia/Shanghai")


@pytest.fixture
def host_zone():
    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()
    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_naive_datetime_is_refused_not_read_in_the_host_zone():
    with pytest.raises(ValueError, match="no time zone"):
        local_date(Policy.for_year(2027), datetime(2027, 3, 14, 12, 0))


@pytest.mark.parametrize("zone", ZONES)
def test_day_boundaries_are_the_policys_whatever_the_host_zone(host_zone, zone):
    host_zone(zone)
    policy = Policy.for_year(2027)
    # 2027-03-14 12:00 New York is 2027-03-15 00:00 in Shanghai (UTC+8): the policy's day
    assert local_date(policy, datetime(2027, 3, 14, 16, 0, tzinfo=UTC)) == date(2027, 3, 15)
    assert local_date(policy, datetime(2027, 3, 14, 15, 59, tzinfo=UTC)) == date(2027, 3, 14)
    assert phase_start_instant(policy, date(2027, 5, 4)) == datetime(2027, 5, 3, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("zone", ZONES)
def test_the_date_tests_pass_under_the_host_zone(zone):
    """The suite's date tests (dates, balancing, results windows) run in a process whose
    host zone is `zone`."""
    files = ["tests/domain/test_dates.py", "tests/domain/test_balancing.py", "tests/domain/test_results.py"]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *files],
                         cwd=ROOT, env={**os.environ, "TZ": zone}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]

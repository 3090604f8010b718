"""Adversarial input: a request that would poison the log or crash the date code is refused
by validation, with a message saying what to fix (DOMAIN.md; issue "inputs that cannot
poison the log")."""

from datetime import date

import pytest
from domain_helpers import make_request
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.campaign import CampaignRequest
from domain.festivals import supported_years

_BASE = make_request().model_dump(mode="json")


def _body(**kw) -> dict:
    body = {**_BASE, **kw}
    return body


def _error(body: dict) -> str:
    with pytest.raises(ValidationError) as err:
        CampaignRequest.model_validate(body)
    return str(err.value)


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_targets_and_forecasts_are_refused(bad):
    assert "revenue_target" in _error(_body(revenue_target=bad))
    assert "gross_margin" in _error(_body(gross_margin=bad))
    for field in ("avg_order_value", "conversion_rate"):
        assert field in _error(_body(forecast={**_BASE["forecast"], field: bad}))


def test_non_finite_numbers_in_json_are_refused():
    raw = make_request().model_dump_json().replace('"revenue_target":12000000.0', '"revenue_target":Infinity')
    with pytest.raises(ValidationError):
        CampaignRequest.model_validate_json(raw)


@pytest.mark.parametrize("field,value", [
    ("revenue_target", 1e300), ("revenue_target", -1), ("gross_margin", 1.5), ("gross_margin", -2),
])
def test_huge_and_negative_numbers_are_refused(field, value):
    assert field in _error(_body(**{field: value}))


@pytest.mark.parametrize("field,value", [("traffic", 10**30), ("traffic", -5), ("avg_order_value", 1e200),
                                         ("conversion_rate", 1.01), ("conversion_rate", -0.1)])
def test_huge_and_negative_forecasts_are_refused(field, value):
    assert field in _error(_body(forecast={**_BASE["forecast"], field: value}))


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "2032-03", "2024-06", "2027-13", "2027-00", "27-01",
                                   "2027-1", " 2027-01x"])
def test_months_outside_the_supported_years_or_malformed_are_refused(month):
    msg = _error(_body(month=month, burst_start=None))
    assert "month" in msg


def test_unsupported_year_names_the_data_range():
    last = supported_years()[-1]
    msg = _error(_body(month=f"{last + 1}-03", burst_start=None))
    assert str(last + 1) in msg and "holiday data" in msg


def test_feb_29_only_in_leap_years():
    assert "burst_start" in _error(_body(month="2027-02", burst_start="2027-02-29"))
    assert make_request(month="2028-02", burst_start=date(2028, 2, 29)).burst_start == date(2028, 2, 29)


def test_hot_topic_cannot_be_s():
    msg = _error(_body(requested_tier="S", hot_topic=True))
    assert "hot topic cannot be S" in msg
    assert make_request(requested_tier="A", hot_topic=True).hot_topic


@settings(max_examples=300, deadline=None)
@given(year=st.integers(0, 9999), m=st.integers(1, 12))
def test_every_month_either_validates_or_is_refused_cleanly(year, m):
    month = f"{year:04d}-{m:02d}"
    try:
        req = make_request(month=month, burst_start=None)
    except ValidationError as err:
        assert year not in supported_years() and "holiday data" in str(err)
    else:
        assert req.year in supported_years() and req.month_number == m

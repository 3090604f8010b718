"""The webhook delivery's retries are configuration (infra/webhook_retry.py), read from
`PROMOFLOW_WEBHOOK_RETRY` as JSON: the keys given replace the defaults, a bad one stops the
process naming the variable."""

from __future__ import annotations

import pytest

from infra.settings import load_settings
from infra.webhook_retry import WebhookRule


def test_the_retries_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PROMOFLOW_WEBHOOK_RETRY", '{"max_attempts": 12, "timeout_seconds": 10}')
    rule = load_settings().webhook_retry
    assert (rule.max_attempts, rule.timeout_seconds) == (12, 10.0)
    assert rule.first_retry_seconds == WebhookRule().first_retry_seconds  # the rest keep their defaults


def test_unset_the_contracts_defaults_hold(monkeypatch):
    monkeypatch.delenv("PROMOFLOW_WEBHOOK_RETRY", raising=False)
    rule = load_settings().webhook_retry
    assert rule == WebhookRule()
    assert rule.delay_after(1) <= 10 and rule.max_interval_seconds == 60  # shared/API.md: within 10 s, 60 s apart


@pytest.mark.parametrize("bad", ['{"first_retry_seconds": 30}', '{"retries": 3}', "not json"])
def test_a_bad_retry_setting_stops_the_process_naming_the_variable(monkeypatch, bad):
    monkeypatch.setenv("PROMOFLOW_WEBHOOK_RETRY", bad)
    with pytest.raises(SystemExit, match="PROMOFLOW_WEBHOOK_RETRY"):
        load_settings()

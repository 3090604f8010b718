"""The allow-list rule (infra/webhook_allow.py): entries are hosts (any port) or host:port;
a URL must be one httpx can send to, without credentials, matching an entry; at delivery
every address a host resolves to must be an address of an allowed entry."""

from __future__ import annotations

import pytest

from infra.settings import Settings
from infra.webhook_allow import AllowList, Entry, UrlRefused

LOOPBACK = AllowList.parse("127.0.0.1,localhost,::1")


def test_entries_are_hosts_or_host_and_port():
    allow = AllowList.parse(" hooks.example.com , 10.0.0.5:8443,[::1]:9000, ::1 ,LocalHost.")
    assert allow.entries == (Entry("hooks.example.com", None), Entry("10.0.0.5", 8443), Entry("::1", 9000),
                             Entry("::1", None), Entry("localhost", None))
    for bad in ("host:abc", "host:0", "host:70000", ":80", "[::1]x"):
        with pytest.raises(ValueError, match="bad allow-list entry"):
            AllowList.parse(bad)


def test_a_bad_allow_list_stops_the_process_naming_the_variable(monkeypatch):
    from infra.settings import load_settings

    monkeypatch.setenv("PROMOFLOW_WEBHOOK_ALLOW", "hooks.example.com:https")
    with pytest.raises(SystemExit, match="PROMOFLOW_WEBHOOK_ALLOW"):
        load_settings()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:abc/", "http://127.0.0.1:99999/", "ftp://127.0.0.1/x", "http:///x", "127.0.0.1/x",
    "http://user:pw@127.0.0.1/x",
])
def test_urls_httpx_cannot_send_to_are_invalid(url):
    with pytest.raises(UrlRefused) as err:
        LOOPBACK.check_url(url)
    assert err.value.code == "invalid_request"


def test_host_and_port_must_match_an_entry():
    allow = AllowList.parse("hooks.example.com,10.0.0.5:8443")
    assert allow.check_url("https://hooks.example.com/x").port == 443
    assert allow.check_url("http://HOOKS.example.com.:8080/x").host == "hooks.example.com"
    assert allow.check_url("https://10.0.0.5:8443/x").host == "10.0.0.5"
    for url in ("https://10.0.0.5/x", "https://10.0.0.5:8444/x", "https://evil.example.com/x",
                "https://hooks.example.com.evil.com/x"):
        with pytest.raises(UrlRefused) as err:
            allow.check_url(url)
        assert err.value.code == "url_not_allowed", url
    assert LOOPBACK.check_url("http://[0:0:0:0:0:0:0:1]:8000/x").host == "::1"


async def test_resolved_addresses_must_all_be_allowed():
    answers = {"hooks.example.com": ["203.0.113.7"], "split.example.com": ["203.0.113.7", "10.0.0.9"],
               "moved.example.com": ["10.0.0.9"]}

    async def resolve(host: str) -> list[str]:
        return answers.get(host, [host])

    allow = AllowList.parse("hooks.example.com,split.example.com:443,moved.example.com")
    addresses = await allow.addresses(resolve)
    assert await addresses.connectable(allow.check_url("https://hooks.example.com/x")) == ["203.0.113.7"]
    answers["moved.example.com"] = ["169.254.169.254"]  # changed after the loop started: not allowed
    for url, refused in (("https://moved.example.com/x", "169.254.169.254"),):
        with pytest.raises(UrlRefused, match=refused) as err:
            await addresses.connectable(allow.check_url(url))
        assert err.value.code == "address_not_allowed"
    # 10.0.0.9 is allowed (as split's address on 443, moved's on any port)
    assert await addresses.connectable(allow.check_url("https://split.example.com/x")) == ["203.0.113.7", "10.0.0.9"]


def test_settings_give_the_rule():
    assert Settings(webhook_allow="a.example:81").webhook_allow_list.entries == (Entry("a.example", 81),)


async def test_an_entry_that_did_not_resolve_at_start_is_resolved_again_later():
    answers: dict[str, list[str]] = {}

    async def resolve(host: str) -> list[str]:
        if host not in answers:
            raise OSError(f"{host}: temporary failure in name resolution")
        return answers[host]

    allow = AllowList.parse("hooks.example.com")
    addresses = await allow.addresses(resolve)  # DNS down when the loop starts
    target = allow.check_url("https://hooks.example.com/x")
    with pytest.raises(UrlRefused, match="does not resolve"):
        await addresses.connectable(target)
    answers["hooks.example.com"] = ["203.0.113.7"]
    assert await addresses.connectable(target) == ["203.0.113.7"]

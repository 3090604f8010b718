"""Where a webhook may be sent: the allow-list rule, in one place for the route that takes a
subscription (api/routes/webhooks.py) and the loop that delivers it (activities/webhooks.py).

`PROMOFLOW_WEBHOOK_ALLOW` is comma-separated entries, each a host (any port) or `host:port`
(`[v6]:port` for an IPv6 address with a port). A URL is accepted when httpx can send to it
(http or https, a host, a port in 1-65535, no credentials: the secret is the signature) and
its host and port match an entry. That check alone trusts DNS at delivery time, so the
delivery also resolves the URL's host itself, requires every address it gets to be an
address of an allowed entry (the entries' hosts resolved when the delivery loop starts), and
connects to that address: a name whose answer changed to somewhere else is a failed attempt,
never a request sent there."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

DEFAULT_PORTS = {"http": 80, "https": 443}
# host -> its addresses (IP strings); the default asks the system resolver (getaddrinfo).
Resolver = Callable[[str], Awaitable[list[str]]]


class UrlRefused(ValueError):
    """A URL that may not be used; `code` is the API's error code for it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def normal_host(host: str) -> str:
    """Lower case, no trailing dot, IP literals in their canonical form (`::0001` -> `::1`)."""
    host = host.strip().strip("[]").lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        return host


@dataclass(frozen=True)
class Entry:
    host: str
    port: int | None  # None: any port

    def matches(self, host: str, port: int) -> bool:
        return self.host == host and self.port in (None, port)


def _entry(text: str) -> Entry:
    host, port = text, None
    if text.startswith("["):  # [v6] or [v6]:port
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"bad allow-list entry {text!r}")
            port = rest[1:]
    elif text.count(":") == 1:  # host:port (a bare IPv6 address has several colons)
        host, port = text.split(":")
    if not host.strip():
        raise ValueError(f"bad allow-list entry {text!r}: no host")
    if port is None:
        return Entry(normal_host(host), None)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bad allow-list entry {text!r}: the port must be a number in 1-65535")
    return Entry(normal_host(host), int(port))


@dataclass(frozen=True)
class Target:
    """A checked URL: what to connect to (`host`, `port`) and what to send."""

    url: httpx.URL
    host: str
    port: int


@dataclass(frozen=True)
class AllowList:
    entries: tuple[Entry, ...]

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """Entries of `PROMOFLOW_WEBHOOK_ALLOW`; ValueError naming a bad one."""
        return cls(tuple(_entry(part.strip()) for part in text.split(",") if part.strip()))

    def check_url(self, url: str) -> Target:
        """The URL as httpx will send it, or UrlRefused (`invalid_request`: httpx cannot send
        to it; `url_not_allowed`: its host and port match no entry)."""
        try:
            parsed = httpx.URL(url)
            httpx.Request("POST", parsed)
        except (httpx.InvalidURL, ValueError, TypeError) as err:
            raise UrlRefused("invalid_request", f"url is not a URL httpx can send to: {err}") from err
        if parsed.scheme not in DEFAULT_PORTS or not parsed.host:
            raise UrlRefused("invalid_request", "url must be an http(s) URL with a host")
        if parsed.userinfo:
            raise UrlRefused("invalid_request", "url must not carry credentials (the secret signs each delivery)")
        port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        if not 0 < port < 65536:
            raise UrlRefused("invalid_request", f"url port {port} is not in 1-65535")
        host = normal_host(parsed.host)
        if not any(e.matches(host, port) for e in self.entries):
            raise UrlRefused("url_not_allowed", f"{parsed.host}:{port} is not in the webhook allow-list")
        return Target(parsed, host, port)

    async def addresses(self, resolve: Resolver | None = None) -> AllowedAddresses:
        """The entries' addresses, to check resolved deliveries against (resolved now: a later
        answer of an entry's name does not widen them)."""
        allowed = AllowedAddresses(self.entries, resolve or system_resolve)
        await allowed.resolve_pending()
        return allowed


class AllowedAddresses:
    def __init__(self, entries: tuple[Entry, ...], resolve: Resolver):
        self.pairs: set[tuple[str, int | None]] = set()
        self.pending = list(entries)  # entries not resolved yet (their name did not resolve)
        self.resolve = resolve

    async def resolve_pending(self) -> None:
        """Resolve the entries that have not resolved so far (a DNS failure when the loop
        started must not lock a receiver out until the worker restarts); a resolved entry
        keeps its addresses."""
        still: list[Entry] = []
        for entry in self.pending:
            try:
                ips = await self.resolve(entry.host)
            except OSError:
                ips = []
            if ips:
                self.pairs.update((normal_host(ip), entry.port) for ip in ips)
            else:
                still.append(entry)
        self.pending = still

    def permits(self, ip: str, port: int) -> bool:
        ip = normal_host(ip)
        return (ip, None) in self.pairs or (ip, port) in self.pairs

    async def connectable(self, target: Target) -> list[str]:
        """The target's addresses, each allowed; UrlRefused when it resolves to nothing or to
        any address outside the allow-list."""
        if self.pending:
            await self.resolve_pending()
        try:
            ips = [normal_host(ip) for ip in await self.resolve(target.host)]
        except OSError as err:
            raise UrlRefused("unresolved", f"{target.host} does not resolve: {err}") from err
        if not ips:
            raise UrlRefused("unresolved", f"{target.host} does not resolve")
        refused = [ip for ip in ips if not self.permits(ip, target.port)]
        if refused:
            raise UrlRefused("address_not_allowed", f"{target.host} resolves to {', '.join(refused)}, "
                                                    "not an address of the webhook allow-list")
        return ips


async def system_resolve(host: str) -> list[str]:
    """The addresses of `host` (an IP literal is its own), in the resolver's order, once each."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]).split("%", 1)[0], None)
    return list(seen)

"""The address guard of every outbound request: no fetch may reach a private network.

Nashra fetches addresses that strangers control (feed links, image URLs, redirect targets,
autodiscovery probes, WebSub hubs). Each connection the HTTP client opens passes through
:class:`GuardedBackend`, which resolves the host name once, refuses the connection if *any*
address it resolves to is loopback, private, link-local, shared (CGNAT), multicast, unspecified,
reserved or documentation space, and then connects to the address it checked, never resolving
again (so DNS rebinding between check and connect is impossible). IPv4 written any way the
resolver accepts (``2130706433``, ``0x7f.1``, ``127.1``) is checked as the address it resolves
to, and IPv6 forms that carry an IPv4 address (IPv4-mapped, 6to4, NAT64, Teredo) are checked
for the address inside as well.

The only exception is an operator's: ``fetch_allow_networks`` (``NASHRA_FETCH_ALLOW_NETWORKS``),
a comma-separated list of CIDRs that may be reached although private (an intranet outlet; the
demo's loopback sites). Nothing else turns the guard off.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
import typing
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

import certifi
import httpcore
import httpx

from nashra.config import parse_networks
from nashra.observe.metrics import FETCH_BLOCKED

__all__ = [
    "AddressGuard",
    "BlockedAddress",
    "GuardedBackend",
    "GuardedTransport",
    "guarded_client",
    "parse_networks",
]

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges refused whatever Python's ``is_global`` says in this version (it has changed between
# releases); each with the word a refusal message uses.
_REFUSED: list[tuple[str, str]] = [
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (CGNAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "reserved"),  # IPv4-compatible (deprecated)
    ("100::/64", "reserved"),  # discard
    ("2001::/23", "reserved"),  # IETF protocol assignments (Teredo is looked inside below)
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("fc00::/7", "private"),  # unique local
    ("fe80::/10", "link-local"),
    ("fec0::/10", "private"),  # site-local (deprecated)
    ("ff00::/8", "multicast"),
]
_REFUSED_NETWORKS: list[tuple[Network, str]] = [
    (ipaddress.ip_network(cidr), why) for cidr, why in _REFUSED
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class BlockedAddress(Exception):
    """A connection the guard refused; the message says which address and why."""

    def __init__(self, host: str, address: str, why: str) -> None:
        self.host = host
        self.address = address
        self.why = why
        name = "" if host == address else f" ({host})"
        super().__init__(f"blocked: {address}{name} is a{_article(why)} {why} address")


def _article(word: str) -> str:
    return "n" if word[:1] in "aeiou" else ""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, NAT64, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # (server, client): the client is where traffic goes
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class AddressGuard:
    """Decides which resolved addresses a fetch may connect to."""

    def __init__(self, allow_networks: str | Iterable[str] = "") -> None:
        self.allowed = parse_networks(allow_networks)

    def refusal(self, address: Address) -> str | None:
        """Why ``address`` may not be reached (a word like ``"private"``), or None."""
        if self._allowed(address):
            return None
        if isinstance(address, ipaddress.IPv6Address):
            inner = _embedded_ipv4(address)
            if inner is not None:
                why = self.refusal(inner)
                if why is not None:
                    return why
                if address.ipv4_mapped is not None:
                    return None  # ::ffff:a.b.c.d is a.b.c.d
        for network, why in _REFUSED_NETWORKS:
            if address.version == network.version and address in network:
                return why
        if not address.is_global:
            return "non-public"
        return None

    def _allowed(self, address: Address) -> bool:
        candidates: list[Address] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(a.version == n.version and a in n for a in candidates for n in self.allowed)

    def check(self, host: str, address: str) -> Address:
        """The parsed ``address`` if it may be reached, else :class:`BlockedAddress`."""
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
        why = self.refusal(parsed)
        if why is not None:
            FETCH_BLOCKED.labels(why).inc()
            log.warning("fetch blocked host=%s address=%s reason=%s", host, address, why)
            raise BlockedAddress(host, str(parsed), why)
        return parsed

    def check_url(self, url: str) -> None:
        """Refuse a URL whose host is a forbidden address in any spelling a browser reads as one,
        before any parser or resolver has a say (some reject ``0177.0.0.1``, which browsers
        open as 127.0.0.1: such a link must not be stored either)."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return
        literal = _literal(host)
        if literal is not None:
            self.check(host, literal)

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address of ``host``, each checked; raises if any one is refused.

        A name that resolves to a public and a private address at once is refused whole: that
        is how a rebinding attack looks, and no real outlet needs it.
        """
        literal = _literal(host)
        if literal is not None:
            self.check(host, literal)
            return [literal]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses: list[str] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            text = str(sockaddr[0])
            if text not in addresses:
                addresses.append(text)
        for text in addresses:
            self.check(host, text)
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        return addresses


def _literal(host: str) -> str | None:
    """``host`` as an address when it is an IP literal: IPv6, or IPv4 in any spelling that the
    WHATWG URL standard (so every browser) reads as one — ``0177.0.0.1``, ``0x7f.1``,
    ``2130706433``, ``127.000.000.001``. The resolver does not read all of these the same way,
    so they are never left to it."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    number = _whatwg_ipv4(host)
    return None if number is None else str(ipaddress.IPv4Address(number))


def _whatwg_ipv4(host: str) -> int | None:
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        value = _whatwg_number(part)
        if value is None:
            return None
        values.append(value)
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(head):
        number += value * 256 ** (3 - index)
    return number


def _whatwg_number(part: str) -> int | None:
    if not part:
        return None
    base, digits = 10, part
    if part[:2].lower() == "0x":
        base, digits = 16, part[2:]
    elif len(part) > 1 and part[0] == "0":
        base, digits = 8, part[1:]
    if digits == "":
        return 0
    allowed = {10: "0123456789", 8: "01234567", 16: "0123456789abcdefABCDEF"}[base]
    if any(ch not in allowed for ch in digits):
        return None
    return int(digits, base)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with every TCP connection checked by an :class:`AddressGuard`.

    TLS is started later on the stream with the URL's host name, so SNI and certificate checks
    are those of the name, while the socket goes to the checked address.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.resolve(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        raise httpcore.ConnectError("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool whose every socket passes the guard.

    No proxy is read from the environment: a proxy would resolve names itself, past the guard.
    """

    def __init__(self, guard: AddressGuard, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits()
        super().__init__(limits=limits, trust_env=False)
        self.guard = guard
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """A redirect's target is checked here, before httpx parses it (httpx refuses some
        spellings that browsers read as addresses, with an error that would hide why)."""
        response = await super().handle_async_request(request)
        location = response.headers.get("location")
        if location and 300 <= response.status_code < 400:
            try:
                self.guard.check_url(urljoin(str(request.url), location.strip()))
            except BlockedAddress:
                await response.aclose()
                raise
        return response


def guarded_client(
    guard: AddressGuard | str, *, limits: httpx.Limits | None = None, **kwargs: typing.Any
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose every connection passes ``guard`` (or a guard allowing
    those networks). Redirects are not followed: the caller follows them, so each hop is
    checked again when its connection opens."""
    if isinstance(guard, str):
        guard = AddressGuard(guard)
    transport = GuardedTransport(guard, limits)
    return httpx.AsyncClient(transport=transport, follow_redirects=False, **kwargs)

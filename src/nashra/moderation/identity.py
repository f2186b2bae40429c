"""Who is reporting, as far as an anonymous site can tell, without keeping anyone's address.

* A reporter is the random id in a signed first-party cookie (``nashra_reporter``), set on the
  first report. The signature (itsdangerous, keyed by the instance secret) means an id cannot be
  invented, only obtained from us.
* A network is the client's /24 (IPv4) or /56 (IPv6), kept only as an HMAC keyed by the instance
  secret: the same network always gives the same value, and no address can be read back from it.
* The client address is the connecting peer's, unless that peer is one of ``trusted_proxies``;
  then it is the right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path

from itsdangerous import BadSignature, Signer

from nashra.config import Settings, parse_networks

__all__ = [
    "REPORTER_COOKIE",
    "client_address",
    "instance_secret",
    "network_key",
    "new_reporter_cookie",
    "reporter_from_cookie",
]

REPORTER_COOKIE = "nashra_reporter"
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def instance_secret(settings: Settings) -> bytes:
    """``settings.secret_key``, else a random secret created once in the data directory."""
    if settings.secret_key:
        return settings.secret_key.encode()
    return _persisted_secret(settings.data_dir.resolve())


@lru_cache(maxsize=8)
def _persisted_secret(data_dir: Path) -> bytes:
    path = data_dir / "secret_key"
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker created it first: read theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(fresh)
    return path.read_text().strip().encode()


def derive(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose, so no two features share a key."""
    return hmac.new(secret, f"nashra:{purpose}".encode(), hashlib.sha256).digest()


def _signer(secret: bytes) -> Signer:
    return Signer(derive(secret, "reporter-cookie"), salt="reporter")


def new_reporter_cookie(secret: bytes) -> tuple[str, str]:
    """``(reporter_id, cookie_value)`` for a new reporter."""
    reporter = secrets.token_hex(16)
    return reporter, _signer(secret).sign(reporter).decode()


def reporter_from_cookie(secret: bytes, value: str | None) -> str | None:
    """The reporter id of a genuine cookie, None for a missing or forged one."""
    if not value:
        return None
    try:
        reporter = _signer(secret).unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    if len(reporter) != 32 or any(c not in "0123456789abcdef" for c in reporter):
        return None
    return reporter


@lru_cache(maxsize=64)
def _parse_proxies(entries: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(parse_networks(entries, "trusted_proxies"))


def _trusted(address: str, proxies: tuple[_Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address, believing ``X-Forwarded-For`` only from a trusted proxy."""
    peer = peer or ""
    proxies = _parse_proxies(tuple(trusted))
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a garbled header: fall back to what we saw ourselves
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def network_of(address: str) -> str:
    """The /24 or /56 an address belongs to (IPv4-mapped IPv6 counts as IPv4)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        # Not an address (a garbled header passed on by a proxy): all such share one network,
        # so inventing strings cannot make new reporters or new login budgets.
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 56
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_key(secret: bytes, address: str) -> str:
    """The salted hash of an address's network: what is stored instead of any address."""
    return hmac.new(
        derive(secret, "network"), network_of(address).encode(), hashlib.sha256
    ).hexdigest()[:32]

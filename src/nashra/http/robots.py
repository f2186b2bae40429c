"""robots.txt: what an answer means (a pure function) and a per-origin cache with a TTL.

The fetching itself belongs to :mod:`nashra.http.fetch`, which hands this module a coroutine so
robots.txt requests go through the same client, timeouts, size cap and concurrency limits as
every other request.

What a robots.txt answer means here (RFC 9309 §2.3.1, with one deliberate deviation):

* 2xx: the rules are parsed with protego; a file over the size cap is parsed up to the cap, as
  Google does with its 500 KiB limit.
* 4xx (other than 429): "unavailable": no rules, everything is allowed (RFC 9309 §2.3.1.3).
* 5xx, 429, timeouts, refused connections, redirect loops: "unreachable". RFC 9309 §2.3.1.4 says
  to assume everything is disallowed; we **allow** instead, and remember that only for a short
  time (:data:`ROBOTS_ERROR_TTL`) so a robots.txt that comes back is honoured within minutes.
  Why: a Nashra instance only fetches the feeds and article links its operator registered, at a
  per-host concurrency limit, and many news sites of the region have flaky or overloaded servers
  (or a CDN that times out on ``/robots.txt`` alone); treating every 5xx as "disallow everything"
  would silently drop whole outlets from the portal for hours, which an operator cannot see or
  fix, while the politeness the rule protects is already provided by the rate limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

__all__ = [
    "ROBOTS_ERROR_TTL",
    "ROBOTS_MAX_BYTES",
    "ROBOTS_TTL",
    "RobotsAnswer",
    "RobotsCache",
    "RobotsRules",
    "robots_url",
    "rules_from_answer",
]

ROBOTS_TTL = 24 * 3600.0
"""How long parsed rules (or a 4xx "no robots.txt") are trusted before fetching again."""
ROBOTS_ERROR_TTL = 600.0
"""How long an unreachable robots.txt (5xx, timeout...) counts as "allow all" before retrying."""
ROBOTS_MAX_BYTES = 500 * 1024
"""robots.txt bytes parsed at most (Google's limit; RFC 9309 asks for at least 500 KiB)."""


@dataclass
class RobotsAnswer:
    """What came back when robots.txt was requested (status 0 when no HTTP response)."""

    status: int
    content: bytes
    error_kind: str | None = None


@dataclass
class RobotsRules:
    """The rules for one origin; ``parser`` None means everything is allowed."""

    parser: Protego | None
    reason: str  # "rules" | "unavailable" | "unreachable"
    ttl: float

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, user_agent))


def robots_url(url: str) -> str:
    """The robots.txt URL governing ``url`` (same scheme, host and port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def rules_from_answer(
    answer: RobotsAnswer, ttl: float = ROBOTS_TTL, error_ttl: float = ROBOTS_ERROR_TTL
) -> RobotsRules:
    """Decide what a robots.txt answer means (see the module docstring for the why)."""
    if 200 <= answer.status < 300 and answer.error_kind is None:
        text = answer.content.decode("utf-8", "replace")
        return RobotsRules(Protego.parse(text), "rules", ttl)
    if 400 <= answer.status < 500 and answer.status != 429:
        return RobotsRules(None, "unavailable", ttl)
    return RobotsRules(None, "unreachable", error_ttl)


class RobotsCache:
    """Rules per origin, fetched once (concurrent callers wait for the same fetch) and kept for
    their TTL."""

    def __init__(
        self,
        fetch_robots: Callable[[str], Awaitable[RobotsAnswer]],
        user_agent: str,
        ttl: float = ROBOTS_TTL,
        error_ttl: float = ROBOTS_ERROR_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_robots = fetch_robots
        self._user_agent = user_agent
        self._ttl = ttl
        self._error_ttl = error_ttl
        self._clock = clock
        self._entries: dict[str, tuple[RobotsRules, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules_for(self, url: str) -> RobotsRules:
        key = robots_url(url)
        entry = self._fresh(key)
        if entry is not None:
            return entry
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._fresh(key)  # another task may have fetched it while we waited
            if entry is not None:
                return entry
            answer = await self._fetch_robots(key)
            rules = rules_from_answer(answer, self._ttl, self._error_ttl)
            self._entries[key] = (rules, self._clock() + rules.ttl)
            return rules

    async def allowed(self, url: str) -> bool:
        """True if our user agent may fetch ``url``."""
        rules = await self.rules_for(url)
        return rules.allows(url, self._user_agent)

    def _fresh(self, key: str) -> RobotsRules | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        rules, expires = entry
        if self._clock() >= expires:
            return None
        return rules

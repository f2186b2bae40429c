"""The view counter: one view per article per browser per hour, no cookie, no stored address.

A "browser" is a salted hash (SHA-256) of its address and user agent with the article and the
hour, under a random salt made in memory and replaced every day: nothing written anywhere can
be tied back to a reader, and yesterday's hashes cannot be recomputed once the salt is gone.
Crawlers (their user agents) are not counted, and one network (a /24 or /56) counts at most
``network_cap`` views of one article an hour, so one client cannot push an article up.
Counts are added up in memory and written as hourly buckets in one transaction every
``flush_seconds`` (or ``flush_views`` views): a busy portal does not write per view.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from nashra.config import ViewsSettings
from nashra.moderation.identity import network_of
from nashra.store.store import Store
from nashra.views.store import add_views

log = logging.getLogger("nashra.views")

# Crawlers, link previewers, monitors and HTTP libraries (lower case): not readers.
BOT_WORDS = (
    "bot", "crawl", "spider", "slurp", "archiver", "facebookexternalhit", "embedly", "preview",
    "monitor", "pingdom", "uptime", "headless", "lighthouse", "curl/", "wget/", "python-",
    "httpx", "aiohttp", "go-http-client", "java/", "okhttp", "libwww", "scrapy", "feedfetcher",
    "rss", "fetch",
)  # fmt: skip
SEEN_LIMIT = 500_000  # hashes remembered per hour (~60 MB at most); past it, networks still cap


@lru_cache(maxsize=8192)
def _bot_agent(user_agent: str) -> bool:
    lowered = user_agent.lower()
    return not lowered.strip() or any(word in lowered for word in BOT_WORDS)


def is_bot(user_agent: str | None) -> bool:
    """True for an empty user agent or one of a crawler, previewer or HTTP library (user
    agents repeat: the answer is cached per agent)."""
    return not user_agent or _bot_agent(user_agent[:512])


def _network(address: str) -> str:
    """The /24 of a dotted IPv4 address (the common case, without parsing), else the /24 or
    /56 that ``network_of`` works out."""
    if address.count(".") == 3 and ":" not in address:
        return address.rsplit(".", 1)[0]
    return network_of(address)


class ViewCounter:
    """Counts views in memory and writes them in batches (thread-safe)."""

    def __init__(
        self,
        store: Store,
        config: ViewsSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.config = config or ViewsSettings()
        self.clock = clock
        self._lock = threading.Lock()
        self._day = -1
        self._salt = b""
        self._hour = -1
        self._seen: set[bytes] = set()
        self._per_network: Counter[tuple[bytes, int]] = Counter()
        self._pending: Counter[tuple[int, int]] = Counter()  # (article pk, hour) -> views
        self._pending_views = 0
        self._flushed_at = clock()
        self.counted = 0
        self.refused = 0

    def _rotate(self, now: float) -> int:
        day, hour = int(now // 86400), int(now // 3600)
        if day != self._day:
            self._day, self._salt = day, secrets.token_bytes(32)
        if hour != self._hour:
            self._hour = hour
            self._seen.clear()
            self._per_network.clear()
        return hour

    def _key(self, *parts: bytes) -> bytes:
        return hashlib.sha256(self._salt + b"\x00".join(parts)).digest()[:16]

    def record(self, article_pk: int, address: str, user_agent: str | None) -> bool:
        """Count one view of ``article_pk``; False when it is not counted (a crawler, the same
        browser again within the hour, or its network's cap reached)."""
        if is_bot(user_agent):
            self.refused += 1
            return False
        now = self.clock()
        pk = int(article_pk).to_bytes(8, "big", signed=True)
        with self._lock:
            hour = self._rotate(now)
            browser = self._key(address.encode(), (user_agent or "").encode(), pk)
            network = self._key(_network(address).encode())
            if browser in self._seen or self._per_network[(network, article_pk)] >= (
                self.config.views_network_cap
            ):
                self.refused += 1
                return False
            if len(self._seen) < SEEN_LIMIT:
                self._seen.add(browser)
            self._per_network[(network, article_pk)] += 1
            self._pending[(article_pk, hour)] += 1
            self._pending_views += 1
            self.counted += 1
            due = (
                self._pending_views >= self.config.views_flush_views
                or now - self._flushed_at >= self.config.views_flush_seconds
            )
        if due:
            self.flush()
        return True

    def flush(self) -> int:
        """Write the views counted so far (one transaction); returns how many were written.
        A failed write keeps them for the next flush."""
        with self._lock:
            batch, self._pending = self._pending, Counter()
            self._pending_views = 0
            self._flushed_at = self.clock()
        if not batch:
            return 0
        rows = [
            (pk, datetime.fromtimestamp(hour * 3600, UTC), views)
            for (pk, hour), views in batch.items()
        ]
        try:
            add_views(self.store, rows)
        except Exception:
            log.exception("writing %d view buckets failed; kept for the next flush", len(rows))
            with self._lock:
                self._pending.update(batch)
                self._pending_views += sum(batch.values())
            return 0
        return sum(batch.values())

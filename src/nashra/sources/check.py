"""``nashra sources check --all``: poll every enabled outlet's address once, through the guarded
client, and say what answered, what redirected (the address to update) and what failed. Nothing is
stored: this is how an operator verifies the registry's unverified addresses."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

from nashra.config import Settings
from nashra.crawl.feeds import parse_feed
from nashra.http.fetch import Fetcher
from nashra.sources.registry import Registry, same_address_key

__all__ = ["AddressCheck", "check_all", "apply_checks"]

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, */*;q=0.5"


@dataclass
class AddressCheck:
    source: str
    kind: str  # feed | site (an outlet known by its home page: feeds by autodiscovery)
    url: str
    outcome: str  # ok | redirected | failed
    status: int
    final_url: str
    entries: int  # feed items read (feeds only)
    error: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _check(fetcher: Fetcher, source: str, kind: str, url: str) -> AddressCheck:
    result = await fetcher.fetch(url, accept=FEED_ACCEPT if kind == "feed" else None)
    moved = bool(result.final_url) and same_address_key(result.final_url) != same_address_key(url)
    if not result.ok:
        return AddressCheck(source, kind, url, "failed", result.status, result.final_url or "",
                            0, result.error or f"HTTP {result.status}")  # fmt: skip
    entries, error = 0, ""
    if kind == "feed":
        parsed = await asyncio.to_thread(
            parse_feed, result.content, result.final_url, result.headers
        )
        entries = len(parsed.entries)
        if not entries and parsed.bozo:
            error = f"not a readable feed: {parsed.bozo_reason}"
    outcome = "failed" if error else ("redirected" if moved else "ok")
    return AddressCheck(source, kind, url, outcome, result.status, result.final_url, entries, error)


async def check_all(settings: Settings, registry: Registry) -> list[AddressCheck]:
    """Every enabled outlet's feeds (or its home page when it has none), polled once."""
    targets = []
    for source in registry.enabled():
        if source.feeds:
            targets += [(source.slug, "feed", url) for url in source.feeds]
        elif source.site_url:
            targets.append((source.slug, "site", source.site_url))
    async with Fetcher(settings.fetch) as fetcher:
        return list(await asyncio.gather(*(_check(fetcher, *t) for t in targets)))


def apply_checks(registry: Registry, checks: list[AddressCheck], today: str) -> list[str]:
    """Write what the checks learnt into the registry: a redirected address becomes where it now
    leads, and every outlet whose addresses all answered is marked verified ``today``."""
    changed = []
    failed = {check.source for check in checks if check.outcome == "failed"}
    for check in checks:
        source = registry[check.source]
        if check.outcome == "redirected":
            if check.kind == "feed":
                source.feeds = [check.final_url if f == check.url else f for f in source.feeds]
            else:
                source.site_url = check.final_url
            changed.append(f"{check.source}: {check.url} -> {check.final_url}")
        if check.source not in failed and source.verified != today:
            source.verified = today
            changed.append(f"{check.source}: verified {today}")
    return changed

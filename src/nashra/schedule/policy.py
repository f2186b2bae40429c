"""When to poll a feed next: a pure function of what the last poll learnt.

Why pure: every rule here (publishing rate, ``Cache-Control: max-age``, ``Retry-After``, 429/503,
exponential backoff, automatic disabling) is checked on plain values with any clock, and the
worker only has to apply the :class:`Decision` to the feed's row.

The healthy interval is the outlet's mean gap between items over the last week — count of items
published in the window divided by the span they cover (a feed that only lists its last ten
items of a busy morning still reads as busy) — clamped to [min, max]. A server's
``max-age`` lengthens it (never beyond max); errors replace it by backoff
``min * 2**(failures-1)`` (capped), or by ``Retry-After`` when the server gave one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from nashra.config import ScheduleSettings

WEEK = timedelta(days=7)
THROTTLE_STATUSES = frozenset({429, 503})
GONE_STATUSES = frozenset({410})
_MAX_AGE_RE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.I)


@dataclass(frozen=True)
class PollFacts:
    """What one poll learnt, and what the archive knows about the outlet's recent items."""

    ok: bool  # a readable 2xx, or a 304
    status: int  # HTTP status, 0 without a response
    error_kind: str | None = None  # "timeout", "http", "connection", "parse", ...
    error: str | None = None
    headers: Mapping[str, str] | None = None  # lower-case names
    new_items: int = 0
    failures: int = 0  # consecutive failed polls, this one included
    recent_items: int = 0  # the outlet's items published in the last week
    oldest_recent: datetime | None = None  # the oldest of those
    websub_active: bool = False


@dataclass(frozen=True)
class Decision:
    """What the worker writes back: when next, and why (shown by ``nashra sources status``)."""

    next_poll_at: datetime
    wait: float  # seconds from now
    interval: int | None  # the healthy interval to remember (None: keep the previous one)
    reason: str
    disable: bool = False
    disabled_reason: str | None = None
    host_retry_at: datetime | None = None  # the whole host asked us to hold off until then


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=now.tzinfo)
    return max(0.0, (when - now).total_seconds())


def parse_max_age(cache_control: str | None) -> int | None:
    """``max-age`` of a ``Cache-Control`` header; None when absent or when caching is refused."""
    if not cache_control:
        return None
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return None
    match = _MAX_AGE_RE.search(lowered)
    return int(match.group(1)) if match else None


def publishing_interval(count: int, oldest: datetime | None, now: datetime) -> float | None:
    """Mean seconds between items: ``count`` items since ``oldest`` (within the last week).

    None when there are fewer than two items to measure a gap between.
    """
    if count < 2 or oldest is None:
        return None
    span = min(WEEK, max(now - oldest, timedelta(minutes=1)))
    return span.total_seconds() / count


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def decide(
    facts: PollFacts,
    now: datetime,
    options: ScheduleSettings,
    *,
    rand: Callable[[], float] = random.random,
) -> Decision:
    """The next poll time of a feed after a poll described by ``facts``."""
    low, high = float(options.schedule_min_interval), float(options.schedule_max_interval)
    headers = facts.headers or {}
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    if retry_after is not None:
        retry_after = min(retry_after, float(options.schedule_max_retry_after))

    def jittered(seconds: float) -> float:
        if options.schedule_jitter <= 0:
            return seconds
        return seconds * (1 + options.schedule_jitter * (2 * rand() - 1))

    if facts.ok:
        rate = publishing_interval(facts.recent_items, facts.oldest_recent, now)
        if facts.websub_active:
            base, reason = high, "WebSub push active; polling as a safety net"
        elif rate is None:
            base, reason = high, f"quiet: {facts.recent_items} item(s) in the last week"
        else:
            base = rate
            reason = f"publishing rate: {facts.recent_items} items in the last week"
        base = _clamp(base, low, high)
        wait = _clamp(jittered(base), low, high)
        max_age = parse_max_age(headers.get("cache-control"))
        if max_age is not None and max_age > wait:
            wait = min(float(max_age), high)
            reason = f"Cache-Control max-age={max_age}"
        if retry_after is not None and retry_after > wait:
            wait = retry_after
            reason = f"Retry-After {int(retry_after)} s"
        return Decision(now + timedelta(seconds=wait), wait, int(base), reason)

    failures = max(1, facts.failures)
    kind = facts.error_kind or "error"
    throttled = facts.status in THROTTLE_STATUSES
    backoff = min(float(options.schedule_max_backoff), low * 2 ** min(failures - 1, 30))
    wait = _clamp(jittered(backoff), low, max(low, float(options.schedule_max_backoff)))
    reason = f"backoff after {failures} failure(s): {kind}"
    host_retry_at = None
    if throttled:
        reason = f"throttled (HTTP {facts.status}), backoff after {failures} failure(s)"
    if retry_after is not None and retry_after > wait:
        wait = retry_after
        reason = f"HTTP {facts.status} with Retry-After {int(retry_after)} s"
    if throttled and retry_after and options.schedule_host_retry_after:
        host_retry_at = now + timedelta(seconds=retry_after)
    next_at = now + timedelta(seconds=wait)
    detail = (facts.error or kind)[:300]
    if facts.status in GONE_STATUSES:
        return Decision(next_at, wait, None, reason, True, f"HTTP {facts.status}: {detail}")
    if not throttled and failures >= options.schedule_max_failures:
        why = f"{failures} consecutive failures; last: {detail}"
        return Decision(next_at, wait, None, reason, True, why, host_retry_at)
    return Decision(next_at, wait, None, reason, host_retry_at=host_retry_at)

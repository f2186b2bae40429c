"""Prometheus metrics of the crawl and the web, and the ``/metrics`` and ``/readyz`` routes.

Counters live in one process-wide registry (:data:`METRICS`); each process (``nashra run``,
``nashra worker --metrics-port``, ``nashra serve``) exposes its own, and Prometheus sums them.
Queue figures (lag = now − the oldest due feed, due, leased, disabled) are read from the database
at scrape time, so every process reports the shared queue the same way
(:mod:`nashra.observe.gauges`, which reads the schedule, stories and sources: this module stays
below them, since the HTTP client counts its refusals here).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)

log = logging.getLogger("nashra.observe")

METRICS = CollectorRegistry()

FEEDS_POLLED = Counter(
    "nashra_feeds_polled", "Feed polls, by outcome (ok, not_modified, error).", ["outcome"],
    registry=METRICS,
)  # fmt: skip
FEEDS_NOT_MODIFIED = Counter(
    "nashra_feeds_not_modified", "Feed polls answered 304 Not Modified.", registry=METRICS
)
FEED_ERRORS = Counter(
    "nashra_feed_errors", "Failed feed polls, by kind (timeout, http, parse...).", ["kind"],
    registry=METRICS,
)  # fmt: skip
FETCH_BLOCKED = Counter(
    "nashra_fetch_blocked",
    "Outbound connections refused by the address guard, by reason (private, loopback...).",
    ["reason"],
    registry=METRICS,
)
ARTICLES_STORED = Counter(
    "nashra_articles_stored", "Articles written, by status (new, updated).", ["status"],
    registry=METRICS,
)  # fmt: skip
EXTRACTION_FAILURES = Counter(
    "nashra_extraction_failures",
    "Entries whose page could not be fetched or extracted.",
    registry=METRICS,
)
FEEDS_DISABLED = Counter(
    "nashra_feeds_auto_disabled", "Feeds switched off after a run of failures.", registry=METRICS
)
POLL_SECONDS = Histogram(
    "nashra_feed_poll_seconds",
    "Time to poll one feed (fetch, parse, pages, store).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=METRICS,
)
DB_RETRIES = Counter(
    "nashra_db_retries", "Database operations retried after a connection error.", registry=METRICS
)
WEBSUB = Counter(
    "nashra_websub_events",
    "WebSub events (subscribe, verified, denied, push_ok, push_bad_signature...).",
    ["event"],
    registry=METRICS,
)
REQUEST_SECONDS = Histogram(
    "nashra_http_request_seconds",
    "Web request latency by route template.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=METRICS,
)
# Pages answered from the portal's page cache never reach the routes (nor the timing above):
# at tens of thousands a second, a counter is all they cost.
PAGE_CACHE = Counter(
    "nashra_page_cache_requests_total",
    "Portal requests by page-cache outcome",
    ["result"],
    registry=METRICS,
)
PAGE_CACHE_HIT = PAGE_CACHE.labels("hit")
PAGE_CACHE_MISS = PAGE_CACHE.labels("miss")
QUEUE_LAG = Gauge(
    "nashra_queue_lag_seconds", "Now minus the next-poll time of the oldest due feed.",
    registry=METRICS,
)  # fmt: skip
QUEUE = Gauge("nashra_feeds", "Feeds by state (due, leased, enabled, disabled).", ["state"],
              registry=METRICS)  # fmt: skip
STORY_BACKLOG = Gauge(
    "nashra_story_backlog_articles",
    "Articles older than the live story window waiting to be assigned to a story.",
    registry=METRICS,
)
STORY_BACKLOG_AGE = Gauge(
    "nashra_story_backlog_age_seconds", "How long the longest-waiting backlog article has waited.",
    registry=METRICS,
)  # fmt: skip
SILENT_OUTLETS = Gauge(
    "nashra_outlets_silent",
    "Outlets with no new article for three times their usual gap (nashra.sources.health).",
    registry=METRICS,
)
LATE_ASSIGNED = Counter(
    "nashra_story_late_assigned", "Backlog articles assigned to a story (in date order).",
    registry=METRICS,
)  # fmt: skip


def record_poll(poll: Any, seconds: float) -> None:
    """Count one feed poll (a :class:`nashra.crawl.pipeline.FeedPoll`)."""
    POLL_SECONDS.observe(seconds)
    if poll.not_modified:
        FEEDS_POLLED.labels("not_modified").inc()
        FEEDS_NOT_MODIFIED.inc()
    elif poll.ok:
        FEEDS_POLLED.labels("ok").inc()
    else:
        FEEDS_POLLED.labels("error").inc()
        FEED_ERRORS.labels(poll.error_kind or "error").inc()
    if poll.new_items:
        ARTICLES_STORED.labels("new").inc(poll.new_items)
    if poll.updated_items:
        ARTICLES_STORED.labels("updated").inc(poll.updated_items)
    if poll.page_errors:
        EXTRACTION_FAILURES.inc(poll.page_errors)


class MetricsMiddleware:
    """Times every HTTP request and labels it with the route template (``/{source}/{num}``),
    never the raw path, so the number of series stays bounded."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            REQUEST_SECONDS.labels(path, scope.get("method", ""), str(status["code"])).observe(
                time.perf_counter() - started
            )

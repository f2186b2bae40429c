"""The gauges read from the database at scrape time, and the exposition text.

The queue (lag = now − the oldest due feed, due, leased, enabled, disabled), the story backlog
and the silent outlets are read from the shared database, so every process reports them the same
way. Apart from :mod:`nashra.observe.metrics` because it reads the schedule, stories and sources,
which the metrics module (imported by the HTTP client) must not.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from prometheus_client import generate_latest

from nashra.observe.metrics import (
    METRICS,
    QUEUE,
    QUEUE_LAG,
    SILENT_OUTLETS,
    STORY_BACKLOG,
    STORY_BACKLOG_AGE,
)
from nashra.schedule.queries import queue_state
from nashra.sources.health import silent_outlets
from nashra.stories.backlog import status as backlog_status

__all__ = ["metrics_text", "refresh_queue"]

log = logging.getLogger("nashra.observe")


def refresh_queue(store: Any, now: datetime | None = None) -> None:
    """Read the shared queue into the gauges (called at scrape time)."""
    now = now or datetime.now(UTC)
    state = queue_state(store, now)
    QUEUE_LAG.set(state.lag_seconds)
    QUEUE.labels("due").set(state.due)
    QUEUE.labels("leased").set(state.leased)
    QUEUE.labels("enabled").set(state.enabled)
    QUEUE.labels("disabled").set(state.disabled)
    waiting, since = backlog_status(store)
    STORY_BACKLOG.set(waiting)
    STORY_BACKLOG_AGE.set(0 if since is None else max(0.0, (now - since).total_seconds()))
    SILENT_OUTLETS.set(len(silent_outlets(store, now)))


def metrics_text(store: Any | None = None) -> bytes:
    """The exposition text; queue gauges refreshed from ``store`` when given."""
    if store is not None:
        try:
            refresh_queue(store)
        except Exception:  # a scrape must not fail because the database blinked
            log.exception("metrics: could not read the queue")
    return generate_latest(METRICS)

"""The schedule's and workers' knobs: fields of ``Settings`` (so ``NASHRA_<NAME>`` or the TOML
file set them), checked here, with per-call overrides for tests and the command line."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from nashra.config import Settings


@dataclass(frozen=True)
class ScheduleOptions:
    schedule_min_interval: int = 300  # seconds: never poll a feed more often
    schedule_max_interval: int = 6 * 3600  # never leave a healthy feed longer
    schedule_max_retry_after: int = 24 * 3600  # cap on a server's Retry-After
    schedule_max_backoff: int = 6 * 3600  # cap on exponential backoff after errors
    schedule_max_failures: int = 10  # consecutive failures before a feed is disabled
    schedule_jitter: float = 0.1  # +/- fraction added to intervals to spread load
    # A 429/503 with Retry-After holds off every feed of that host, for every worker.
    schedule_host_retry_after: bool = True
    worker_concurrency: int = 32  # feeds polled at once by one worker process
    worker_lease_seconds: int = 300  # a claim expires this long after its last renewal
    worker_idle_seconds: float = 5.0  # longest sleep when nothing is due
    worker_shutdown_grace: float = 20.0  # seconds SIGTERM waits for in-flight polls
    worker_db_retry_max: float = 30.0  # longest pause between database reconnection attempts
    # a busy worker still works the story backlog once its oldest article waited this long
    worker_story_backlog_wait: float = 300.0
    websub_lease_seconds: int = 7 * 24 * 3600  # subscription length asked of hubs

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ScheduleOptions:
        """The settings' values, then ``overrides``."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            kind = type(f.default)
            raw = getattr(settings, f.name, None)
            if f.name in overrides and overrides[f.name] is not None:
                raw = overrides[f.name]
            if raw is None:
                continue
            try:
                if kind is bool and isinstance(raw, str):
                    values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
                    continue
                values[f.name] = kind(raw)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{f.name}: expected {kind.__name__}, got {raw!r}") from exc
        options = cls(**values)
        if options.schedule_min_interval <= 0:
            raise ValueError("schedule_min_interval must be positive")
        if options.schedule_max_interval < options.schedule_min_interval:
            raise ValueError("schedule_max_interval must not be below schedule_min_interval")
        return options

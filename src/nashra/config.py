"""One settings object for the whole instance.

Values come, lowest priority first, from the defaults below, an optional TOML file
(``NASHRA_CONFIG`` or ``./nashra.toml``) and environment variables ``NASHRA_<FIELD>``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Settings:
    data_dir: Path = Path("nashra-data")
    database_url: str = ""
    # web processes read pages, feeds, search and the API from these (comma-separated URLs)
    database_replica_urls: str = ""
    replica_max_lag_seconds: float = 30.0  # a replica further behind is skipped
    replica_check_seconds: float = 5.0  # how often each replica's health and lag are checked
    sources_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""
    user_agent: str = "NashraBot/0.1 (+https://github.com/nashra/nashra; news aggregator)"
    # fetcher
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_image_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5
    per_host_concurrency: int = 4
    total_concurrency: int = 32
    respect_robots: bool = True
    # CIDRs a fetch may reach although private/loopback (an intranet outlet); empty: none
    fetch_allow_networks: str = ""
    # pipeline
    max_entries_per_feed: int = 200
    # days of fetched article HTML kept per outlet, for `nashra sources reextract` (0: none)
    keep_pages_days: int = 14
    # seconds of CPU-bound work (parsing, extraction, sanitising) one feed or entry may take
    item_time_budget: float = 10.0
    # import: a JSON line longer than this is refused unread
    import_max_line_bytes: int = 10 * 1024 * 1024
    # demo
    demo_port: int = 8001
    secret_key: str = ""  # signs reporter cookies and sessions; generated in the data dir if empty
    # images and crowd reporting
    max_image_pixels: int = 40_000_000
    phash_distance: int = 2  # bits apart for two pictures to count as one image
    report_threshold: int = 3  # distinct reporters that hide an image
    report_network_cap: int = 2  # reporters of one /24 (IPv4) or /56 (IPv6) that count
    report_rate_limit: int = 10  # reports per reporter per hour
    report_network_rate_limit: int = 60  # reports per network per hour
    trusted_proxies: str = ""  # comma-separated addresses/CIDRs whose X-Forwarded-For is believed
    login_rate_limit: int = 5  # failed moderator logins per (user, network) per 15 minutes
    login_network_rate_limit: int = 20  # failed moderator logins per network per 15 minutes
    session_hours: int = 12
    cookie_secure: str = "auto"  # "auto": Secure when the request came over https
    # the view counter behind "most read" (issue 18)
    views_network_cap: int = 20  # views of one article from one /24 or /56 in an hour
    views_flush_seconds: float = 30.0  # counted views are written at least this often
    views_flush_views: int = 1000  # or once this many are waiting
    # portal
    timezone: str = "Africa/Casablanca"  # dates on pages and the day archive
    page_cache_entries: int = 5000
    page_cache_mb: int = 256
    cache_check_seconds: float = 1.0  # how often the page cache asks whether the archive changed
    # schedule and workers
    schedule_min_interval: int = 300  # seconds: never poll a feed more often
    schedule_max_interval: int = 6 * 3600  # never leave a healthy feed longer
    schedule_max_retry_after: int = 24 * 3600  # cap on a server's Retry-After
    schedule_max_backoff: int = 6 * 3600  # cap on exponential backoff after errors
    schedule_max_failures: int = 10  # consecutive failures before a feed is disabled
    schedule_jitter: float = 0.1  # +/- fraction added to intervals to spread load
    schedule_host_retry_after: bool = True  # a 429/503 Retry-After holds the whole host
    worker_concurrency: int = 32  # feeds polled at once by one worker process
    worker_lease_seconds: int = 300  # a claim expires this long after its last renewal
    worker_idle_seconds: float = 5.0  # longest sleep when nothing is due
    worker_shutdown_grace: float = 20.0  # seconds SIGTERM waits for in-flight polls
    worker_db_retry_max: float = 30.0  # longest pause between database reconnection attempts
    # a busy worker still works the story backlog once its oldest article waited this long
    worker_story_backlog_wait: float = 300.0
    websub_lease_seconds: int = 7 * 24 * 3600  # subscription length asked of hubs
    # stories
    story_window_hours: float = 48.0  # articles further apart are never one story
    # fitted: the values between these marks are written by scripts/fit_stories.py
    story_match: float = 0.33  # similarity that joins an article to a story
    story_merge: float = 0.45  # similarity that merges two stories
    story_title_weight: float = 3.0  # a headline term counts this many body occurrences
    story_centroid: float = 1.0  # share of the story centroid in the score (rest: best member)
    story_entity_weight: float = 0.0  # added per place, name or figure the story also names
    story_decay_hours: float = 48.0  # score x exp(-hours outside the story's span / this); 0 off
    story_guards: str = "figure,place,negation"  # headline contradictions that veto a match
    # end fitted
    story_margin: float = 0.15
    story_copy: float = 0.6  # near-duplicate (MinHash) similarity of a copy
    story_outlet_weights: str = ""  # "slug=1.5,other=0.5": preferred representatives
    # search: relevance ranks this many newest matches, older ones follow newest first (0: all)
    search_rank_window: int = 5000
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'nashra.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def registry_path(self) -> Path:
        return self.sources_file or (self.data_dir / "sources.yaml")


def _coerce(kind: Any, raw: Any) -> Any:
    text = str(raw)
    if kind in (bool, "bool"):
        return text.strip().lower() in {"1", "true", "yes", "on"}
    if kind in (int, "int"):
        return int(text)
    if kind in (float, "float"):
        return float(text)
    if kind in (Path, "Path", "Path | None"):
        return Path(text) if text else None
    return text


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from defaults, the TOML file, the environment, then ``overrides``."""
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    config_path = Path(env.get("NASHRA_CONFIG", "nashra.toml"))
    if config_path.is_file():
        with config_path.open("rb") as fh:
            values.update(tomllib.load(fh))
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    for name in fields:
        key = f"NASHRA_{name.upper()}"
        if key in env:
            values[name] = env[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings()
    for name, raw in values.items():
        if name not in fields:
            settings.extra[name] = raw
            continue
        setattr(settings, name, _coerce(fields[name].type, raw))
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    """Refuse at load, with the setting's name, what would otherwise fail deep inside a fetch."""
    from nashra.http.guard import parse_networks
    from nashra.store.replicas import parse_replica_urls

    parse_networks(settings.fetch_allow_networks)  # "fetch_allow_networks: 'x' is not a network"
    parse_replica_urls(settings.database_replica_urls)  # "database_replica_urls: 'x' is not …"

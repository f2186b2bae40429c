"""The instance's settings: typed sections, each setting declared once.

A setting is one field of one section (a frozen dataclass below), declared with :func:`setting`:
its field name is its TOML key, ``NASHRA_<NAME>`` its environment variable, and the declaration
carries its type, default, documentation and check. Values come, lowest priority first, from the
defaults, an optional TOML file (``NASHRA_CONFIG`` or ``./nashra.toml``), the environment, then
keyword overrides; each is parsed strictly for its type and checked when the section is built, and
every refusal names the setting (see :class:`SettingError`).

Consumers take the section they need, whole: ``Fetcher(settings.fetch)``,
``StoryConfig.of(settings.stories)``. Tests derive changed settings with
``settings.override(name=value)`` or ``dataclasses.replace`` on a section.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import ipaddress
import math
import os
import tomllib
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url

__all__ = [
    "CrawlSettings",
    "FetchSettings",
    "MediaSettings",
    "ModerationSettings",
    "ReplicaSettings",
    "ScheduleSettings",
    "SearchSettings",
    "SettingError",
    "Settings",
    "StorySettings",
    "ViewsSettings",
    "WebSettings",
    "declared_settings",
    "env_name",
    "load_settings",
    "parse_guards",
    "parse_networks",
    "parse_replica_urls",
    "parse_weights",
]

Check = Callable[[Any], None]  # raises ValueError saying what is wrong with the value


def setting(default: Any, doc: str, *, check: Check | None = None, shown: str = "") -> Any:
    """Declare one setting: its default, what it is for, an optional check of its value, and how
    the README shows the default when the value itself does not say it well (``shown``)."""
    if isinstance(default, list | dict | set):
        raise TypeError("settings are immutable: use a tuple or a string")
    return field(default=default, metadata={"doc": doc, "check": check, "shown": shown})


def env_name(name: str) -> str:
    """The environment variable of a setting: ``story_match`` → ``NASHRA_STORY_MATCH``."""
    return f"NASHRA_{name.upper()}"


class SettingError(ValueError):
    """A value a setting cannot take; the message names the setting (its TOML key and its
    environment variable) and where the value came from."""

    def __init__(self, name: str, problem: str, origin: str = "") -> None:
        message = problem if name in problem else f"{name} {problem}"
        source = f"; from {origin}" if origin else ""
        super().__init__(f"{message} ({env_name(name)} / TOML key {name}{source})")
        self.setting = name
        self.problem = problem


# -- checks ------------------------------------------------------------------------------------


def positive(value: float) -> None:
    if not value > 0:
        raise ValueError(f"must be positive, not {value!r}")


def non_negative(value: float) -> None:
    if value < 0:
        raise ValueError(f"must be 0 or more, not {value!r}")


def between(low: float, high: float) -> Check:
    def check(value: float) -> None:
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}, not {value!r}")

    return check


def parse_networks(
    value: str | Iterable[str], setting: str = "fetch_allow_networks"
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``"10.1.0.0/16, 127.0.0.2"`` → networks; a bad item raises ``ValueError`` naming it."""
    items = value.split(",") if isinstance(value, str) else list(value)
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"{setting}: {item!r} is not a network ({exc})") from exc
    return networks


def _proxies(value: tuple[str, ...]) -> None:
    parse_networks(value, "trusted_proxies")


def parse_replica_urls(raw: str) -> list[str]:
    """The comma-separated replica URLs of the setting; each must be a PostgreSQL URL."""
    urls = [part.strip() for part in raw.split(",") if part.strip()]
    for url in urls:
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise ValueError(f"database_replica_urls: {url!r} is not a database URL") from exc
        if not parsed.drivername.startswith("postgresql"):
            raise ValueError(f"database_replica_urls: {url!r} is not a PostgreSQL URL")
    return urls


def _timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known time zone (e.g. Africa/Casablanca)") from None


def _cookie_secure(value: str) -> None:
    if value.lower() not in {"auto", *_TRUE, *_FALSE}:
        raise ValueError(f"must be auto, true or false, not {value!r}")


STORY_GUARDS = ("figure", "place", "country", "negation")


def parse_guards(raw: object) -> tuple[str, ...]:
    """``"figure,place,negation"`` (or a list) → the guards that veto a match; ``""``: none."""
    items = raw if isinstance(raw, list | tuple) else str(raw or "").split(",")
    out = tuple(dict.fromkeys(str(g).strip() for g in items if str(g).strip()))
    unknown = [g for g in out if g not in STORY_GUARDS]
    if unknown:
        raise ValueError(
            f"story_guards: unknown guard {unknown[0]!r}: any of {', '.join(STORY_GUARDS)}"
        )
    return out


def parse_weights(raw: object) -> dict[str, float]:
    """Outlet weights from settings: a TOML table ``{slug = weight}`` or ``"slug=1.5,other=0.5"``
    (the form an environment variable can carry)."""
    if not raw:
        return {}
    if isinstance(raw, Mapping):
        return {str(k): float(v) for k, v in raw.items()}
    out: dict[str, float] = {}
    for part in str(raw).split(","):
        if not part.strip():
            continue
        slug, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"story_outlet_weights: expected slug=weight, got {part.strip()!r}")
        out[slug.strip()] = float(value)
    return out


def _outlet_weights(value: str) -> None:
    try:
        parse_weights(value)
    except ValueError as exc:
        if "story_outlet_weights" in str(exc):
            raise
        raise ValueError(f"must be slug=weight,…, not {value!r}") from None


# -- sections ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A group of settings; building one checks every value (and the section's own rules)."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            check = f.metadata.get("check")
            if check is None:
                continue
            try:
                check(getattr(self, f.name))
            except ValueError as exc:
                raise SettingError(f.name, str(exc)) from None
        self.check()

    def check(self) -> None:
        """Rules between the section's settings (raise :class:`SettingError`)."""


@dataclass(frozen=True)
class FetchSettings(Section):
    """The HTTP client: every feed, page, image and robots.txt fetch."""

    user_agent: str = setting(
        "NashraBot/0.1 (+https://github.com/nashra/nashra; news aggregator)",
        "sent with every request",
        shown="`NashraBot/0.1 (+…)`",
    )
    connect_timeout: float = setting(10.0, "seconds to connect, per fetch", check=positive)
    read_timeout: float = setting(20.0, "seconds between bytes, per fetch", check=positive)
    total_timeout: float = setting(60.0, "seconds for a whole fetch", check=positive)
    max_body_bytes: int = setting(
        10 * 1024 * 1024,
        "a response larger than this (after decompression) is refused",
        check=positive,
        shown="10 MiB",
    )
    max_redirects: int = setting(5, "redirects followed per fetch", check=non_negative)
    per_host_concurrency: int = setting(4, "requests open to one site", check=positive)
    total_concurrency: int = setting(32, "requests open in all", check=positive)
    respect_robots: bool = setting(True, "robots.txt is honoured")
    fetch_allow_networks: str = setting(
        "",
        "comma-separated CIDRs that fetches may reach although private (an intranet outlet); "
        "see [Security](#security)",
        check=parse_networks,
    )


@dataclass(frozen=True)
class CrawlSettings(Section):
    """What the crawler and the importer do with what was fetched."""

    max_entries_per_feed: int = setting(200, "entries read from one feed", check=positive)
    keep_pages_days: int = setting(
        14,
        "days of fetched article HTML kept per outlet for `nashra sources reextract` (0: none)",
        check=non_negative,
    )
    item_time_budget: float = setting(
        10.0,
        "seconds of CPU one feed, entry or image may take (parsing, extraction, cleaning, "
        "decoding) before it is refused",
        check=positive,
    )
    import_max_line_bytes: int = setting(
        10 * 1024 * 1024, "a longer import line is skipped unread", check=positive, shown="10 MiB"
    )
    import_bulk_bytes: int = setting(
        20 * 1024 * 1024,
        "`nashra import` takes the bulk path (a process per core) for a larger file",
        check=positive,
        shown="20 MiB",
    )


@dataclass(frozen=True)
class ScheduleSettings(Section):
    """When feeds are polled, and how worker processes share them."""

    schedule_min_interval: int = setting(
        300, "seconds: never poll a feed more often", check=positive
    )
    schedule_max_interval: int = setting(
        6 * 3600, "seconds: never leave a healthy feed longer", check=positive
    )
    schedule_max_retry_after: int = setting(
        24 * 3600, "seconds: cap on a server's Retry-After", check=non_negative
    )
    schedule_max_backoff: int = setting(
        6 * 3600, "seconds: cap on exponential backoff after errors", check=positive
    )
    schedule_max_failures: int = setting(
        10, "consecutive failures before a feed is disabled", check=positive
    )
    schedule_jitter: float = setting(
        0.1, "+/- fraction added to intervals to spread load", check=between(0, 1)
    )
    schedule_host_retry_after: bool = setting(
        True, "a 429/503 with Retry-After holds off every feed of that host, for every worker"
    )
    worker_concurrency: int = setting(32, "feeds polled at once by one worker", check=positive)
    worker_lease_seconds: int = setting(
        300, "seconds: a claim expires this long after its last renewal", check=positive
    )
    worker_idle_seconds: float = setting(
        5.0, "seconds: longest sleep when nothing is due", check=positive
    )
    worker_shutdown_grace: float = setting(
        20.0, "seconds SIGTERM waits for in-flight polls", check=non_negative
    )
    worker_db_retry_max: float = setting(
        30.0, "seconds: longest pause between database reconnection attempts", check=positive
    )
    worker_story_backlog_wait: float = setting(
        300.0,
        "seconds: a busy worker works the story backlog once its oldest article waited this long",
        check=non_negative,
    )
    websub_lease_seconds: int = setting(
        7 * 24 * 3600, "seconds: subscription length asked of WebSub hubs", check=positive
    )

    def check(self) -> None:
        if self.schedule_max_interval < self.schedule_min_interval:
            raise SettingError(
                "schedule_max_interval",
                f"must not be below schedule_min_interval ({self.schedule_min_interval})",
            )


@dataclass(frozen=True)
class StorySettings(Section):
    """Story assignment: thresholds and weights (``StoryConfig.of`` reads them)."""

    story_window_hours: float = setting(
        48.0, "hours: articles further apart are never one story", check=positive
    )
    # fitted: the values between these marks are written by scripts/fit_stories.py
    story_match: float = setting(0.33, "similarity that joins an article to a story")
    story_merge: float = setting(0.45, "similarity that merges two stories")
    story_title_weight: float = setting(3.0, "a headline term counts this many body occurrences")
    story_centroid: float = setting(
        1.0, "share of the story centroid in the score (rest: best member)", check=between(0, 1)
    )
    story_entity_weight: float = setting(
        0.0, "added to the score per place, name or figure the story also names"
    )
    story_decay_hours: float = setting(
        48.0, "score × exp(-hours outside the story's span / this); 0: off", check=non_negative
    )
    story_guards: str = setting(
        "figure,place,negation",
        "headline contradictions that keep two events apart (any of "
        "`figure,place,country,negation`, or empty)",
        check=parse_guards,
    )
    # end fitted
    story_margin: float = setting(
        0.15, "how much better a new match must be to pull an article over"
    )
    story_copy: float = setting(0.6, "near-duplicate (MinHash) similarity of a copy")
    story_outlet_weights: str = setting(
        "", '`"slug=1.5,other=0.5"`: preferred story representatives', check=_outlet_weights
    )


@dataclass(frozen=True)
class MediaSettings(Section):
    """Lead images."""

    max_image_bytes: int = setting(
        8 * 1024 * 1024, "a larger lead image is refused", check=positive, shown="8 MiB"
    )
    max_image_pixels: int = setting(
        40_000_000, "a lead image with more pixels is refused", check=positive, shown="40 M"
    )
    # at most 3: the band index of nashra.media.phash (BANDS = 4) finds matches up to 3 bits apart
    phash_distance: int = setting(
        2, "bits apart for two pictures to count as one image", check=between(0, 3)
    )


@dataclass(frozen=True)
class ModerationSettings(Section):
    """Crowd reporting of images and moderator accounts."""

    report_threshold: int = setting(3, "distinct reporters that hide an image", check=positive)
    report_network_cap: int = setting(
        2, "reporters of one /24 (IPv4) or /56 (IPv6) network that count", check=positive
    )
    report_rate_limit: int = setting(10, "reports per reporter per hour", check=positive)
    report_network_rate_limit: int = setting(60, "reports per network per hour", check=positive)
    login_rate_limit: int = setting(
        5, "failed moderator logins per (user name, network) per 15 minutes", check=positive
    )
    login_network_rate_limit: int = setting(
        20, "failed moderator logins per network per 15 minutes", check=positive
    )
    session_hours: int = setting(12, "moderator session lifetime", check=positive)
    cookie_secure: str = setting(
        "auto",
        "the Secure flag on cookies: `auto` sets it when the request came over https",
        check=_cookie_secure,
    )


@dataclass(frozen=True)
class ViewsSettings(Section):
    """The view counter behind "most read"."""

    views_network_cap: int = setting(
        20, "views of one article one /24 or /56 network may add an hour", check=positive
    )
    views_flush_seconds: float = setting(
        30.0, "counted views are written at least this often (seconds)", check=non_negative
    )
    views_flush_views: int = setting(1000, "… or once this many are waiting", check=positive)


@dataclass(frozen=True)
class WebSettings(Section):
    """The portal's processes."""

    host: str = setting("127.0.0.1", "where `serve` listens")
    port: int = setting(8000, "where `serve` listens", check=between(0, 65535))
    timezone: str = setting(
        "Africa/Casablanca", "dates on pages and the day archive", check=_timezone
    )
    page_cache_entries: int = setting(5000, "pages the in-memory cache keeps", check=non_negative)
    page_cache_mb: int = setting(
        256, "megabytes the in-memory page cache keeps", check=non_negative
    )
    cache_check_seconds: float = setting(
        1.0,
        "seconds: how often the page cache asks whether the archive changed",
        check=non_negative,
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "comma-separated addresses/CIDRs whose `X-Forwarded-For` / `X-Forwarded-Proto` are "
        "believed; unset, proxy headers are ignored",
        check=_proxies,
    )
    demo_port: int = setting(8001, "where the demo outlets are served", check=between(0, 65535))


@dataclass(frozen=True)
class SearchSettings(Section):
    """Search."""

    search_rank_window: int = setting(
        5000,
        "search ranks this many newest matches by relevance, older ones follow newest first "
        "(`0`: rank all)",
        check=non_negative,
    )
    search_phrase_rank_window: int = setting(
        1000,
        "a query with a phrase ranks at most this many newest matches (`0`: as many as "
        "`search_rank_window`)",
        check=non_negative,
    )


@dataclass(frozen=True)
class ReplicaSettings(Section):
    """PostgreSQL read replicas for the web processes (see *Read replicas*)."""

    database_replica_urls: str = setting(
        "", "comma-separated PostgreSQL replicas web processes read from", check=parse_replica_urls
    )
    replica_max_lag_seconds: float = setting(
        30.0, "seconds: a replica further behind is skipped", check=non_negative
    )
    replica_check_seconds: float = setting(
        5.0,
        "seconds: how often each replica's health and lag are checked (0: on every read)",
        check=non_negative,
    )


@dataclass(frozen=True)
class Settings(Section):
    """The instance: where its data lives, and one section per concern."""

    data_dir: Path = setting(
        Path("nashra-data"), "database (SQLite, WAL mode), media, registry", shown="`./nashra-data`"
    )
    database_url: str = setting(
        "", "e.g. `postgresql+psycopg://user@host/nashra`", shown="SQLite in the data dir"
    )
    sources_file: Path | None = setting(
        None, "the outlets registry", shown="`$NASHRA_DATA_DIR/sources.yaml`"
    )
    base_url: str = setting("", "the portal's public address (WebSub callbacks, absolute links)")
    secret_key: str = setting(
        "", "signs reporter cookies and moderator sessions", shown="generated in the data dir"
    )
    fetch: FetchSettings = field(default_factory=FetchSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    stories: StorySettings = field(default_factory=StorySettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    moderation: ModerationSettings = field(default_factory=ModerationSettings)
    views: ViewsSettings = field(default_factory=ViewsSettings)
    web: WebSettings = field(default_factory=WebSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    replicas: ReplicaSettings = field(default_factory=ReplicaSettings)

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

    def override(self, **values: Any) -> Settings:
        """These settings with some changed (by name, as in the TOML file), parsed and checked
        like loaded values; ``None`` leaves a setting as it is."""
        return _build(self, ({k: v for k, v in values.items() if v is not None}, "the overrides"))


# -- the declarations, and loading -------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """One declared setting: where it lives, its type and its declaration."""

    section: str  # the attribute of ``Settings`` holding it; "" for the instance's own
    name: str
    kind: Any
    field: dataclasses.Field[Any]

    @property
    def env(self) -> str:
        return env_name(self.name)

    @property
    def doc(self) -> str:
        return str(self.field.metadata["doc"])

    @property
    def default(self) -> Any:
        return self.field.default


def _declare() -> dict[str, Declared]:
    out: dict[str, Declared] = {}
    sections = typing.get_type_hints(Settings)
    for top in dataclasses.fields(Settings):
        kind = sections[top.name]
        owner, section = (kind, top.name) if dataclasses.is_dataclass(kind) else (Settings, "")
        hints = typing.get_type_hints(owner)
        members = dataclasses.fields(owner) if section else [top]
        for f in members:
            if f.name in out:
                raise TypeError(f"setting {f.name} is declared twice")
            out[f.name] = Declared(section, f.name, hints[f.name], f)
    return out


_DECLARED = _declare()


def declared_settings() -> list[Declared]:
    """Every setting, in declaration order (the instance's own first, then section by section)."""
    return list(_DECLARED.values())


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse(kind: Any, raw: Any) -> Any:
    """``raw`` (text from the environment, or a TOML / Python value) as a value of ``kind``."""
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ValueError(f"must be true or false (1/0, yes/no, on/off), not {raw!r}")
    if kind is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            try:
                return int(raw.strip())
            except ValueError:
                pass
        raise ValueError(f"must be a whole number, not {raw!r}")
    if kind is float:
        value: float | None = None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, str):
            with contextlib.suppress(ValueError):
                value = float(raw.strip())
        if value is None or not math.isfinite(value):
            raise ValueError(f"must be a number, not {raw!r}")
        return value
    if kind in (Path, Path | None):
        if isinstance(raw, Path):
            return raw
        if isinstance(raw, str):
            return Path(raw) if raw or kind is Path else None
        raise ValueError(f"must be a path, not {raw!r}")
    if kind == tuple[str, ...]:
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ValueError(f"must be a comma-separated list, not {raw!r}")
        return tuple(i.strip() for i in items if i.strip())
    if kind is str:
        if isinstance(raw, str):
            return raw
        if isinstance(raw, list | tuple) and all(isinstance(i, str) for i in raw):
            return ",".join(raw)  # a TOML array for a comma-separated setting
        if isinstance(raw, Mapping):
            return ",".join(f"{k}={v}" for k, v in raw.items())  # a TOML table of slug = weight
        raise ValueError(f"must be text, not {raw!r}")
    raise TypeError(f"no parser for settings of type {kind!r}")


def _build(base: Settings, *sources: tuple[Mapping[str, Any], str]) -> Settings:
    """``base`` with the values of each ``(values by setting name, origin)`` source, later
    sources winning, parsed, put in their sections and checked once, all together (a rule
    between two settings sees their final values, wherever each came from)."""
    changes: dict[str, dict[str, Any]] = {}
    origins: dict[str, str] = {}
    for values, origin in sources:
        for name, raw in values.items():
            declared = _DECLARED.get(name)
            if declared is None:
                close = difflib.get_close_matches(name, _DECLARED, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ValueError(f"{name!r} is not a setting (from {origin}{hint})")
            try:
                value = _parse(declared.kind, raw)
            except ValueError as exc:
                raise SettingError(name, str(exc), origin) from None
            changes.setdefault(declared.section, {})[name] = value
            origins[name] = origin
    top = changes.pop("", {})
    try:
        for section, members in changes.items():
            top[section] = dataclasses.replace(getattr(base, section), **members)
        return dataclasses.replace(base, **top) if top else base
    except SettingError as exc:  # a section's check: say where the value came from
        raise SettingError(exc.setting, exc.problem, origins.get(exc.setting, "")) from None


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from defaults, the TOML file, the environment, then ``overrides``
    (by setting name; ``None`` is no override). Raises :class:`SettingError` naming the setting."""
    env = os.environ if env is None else env
    sources: list[tuple[Mapping[str, Any], str]] = []
    config_path = Path(env.get("NASHRA_CONFIG", "nashra.toml"))
    if config_path.is_file():
        with config_path.open("rb") as fh:
            sources.append((tomllib.load(fh), str(config_path)))
    sources.append(
        ({d.name: env[d.env] for d in _DECLARED.values() if d.env in env}, "the environment")
    )
    sources.append(({k: v for k, v in overrides.items() if v is not None}, "the overrides"))
    return _build(Settings(), *sources)

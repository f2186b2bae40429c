"""The settings: loaded from defaults, TOML, the environment and overrides; parsed strictly;
every refusal names its setting; each section's defaults are the documented ones."""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from nashra.config import (
    FetchSettings,
    ScheduleSettings,
    SettingError,
    Settings,
    StorySettings,
    declared_settings,
    load_settings,
)
from nashra.config_reference import BEGIN, END, markdown

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

# The defaults the README's Configuration section documented before the settings had sections
# (variable → value): the sections must keep every one of them.
DOCUMENTED = {
    "NASHRA_DATA_DIR": Path("nashra-data"),
    "NASHRA_DATABASE_URL": "",
    "NASHRA_SOURCES_FILE": None,
    "NASHRA_HOST": "127.0.0.1",
    "NASHRA_PORT": 8000,
    "NASHRA_USER_AGENT": "NashraBot/0.1 (+https://github.com/nashra/nashra; news aggregator)",
    "NASHRA_CONNECT_TIMEOUT": 10.0,
    "NASHRA_READ_TIMEOUT": 20.0,
    "NASHRA_TOTAL_TIMEOUT": 60.0,
    "NASHRA_MAX_BODY_BYTES": 10 * MIB,
    "NASHRA_MAX_REDIRECTS": 5,
    "NASHRA_PER_HOST_CONCURRENCY": 4,
    "NASHRA_TOTAL_CONCURRENCY": 32,
    "NASHRA_RESPECT_ROBOTS": True,
    "NASHRA_FETCH_ALLOW_NETWORKS": "",
    "NASHRA_ITEM_TIME_BUDGET": 10.0,
    "NASHRA_IMPORT_MAX_LINE_BYTES": 10 * MIB,
    "NASHRA_IMPORT_BULK_BYTES": 20 * MIB,
    "NASHRA_MAX_ENTRIES_PER_FEED": 200,
    "NASHRA_KEEP_PAGES_DAYS": 14,
    "NASHRA_DEMO_PORT": 8001,
    "NASHRA_BASE_URL": "",
    "NASHRA_SECRET_KEY": "",
    "NASHRA_TIMEZONE": "Africa/Casablanca",
    "NASHRA_PAGE_CACHE_ENTRIES": 5000,
    "NASHRA_PAGE_CACHE_MB": 256,
    "NASHRA_CACHE_CHECK_SECONDS": 1.0,
    "NASHRA_DATABASE_REPLICA_URLS": "",
    "NASHRA_REPLICA_MAX_LAG_SECONDS": 30.0,
    "NASHRA_REPLICA_CHECK_SECONDS": 5.0,
    "NASHRA_MAX_IMAGE_BYTES": 8 * MIB,
    "NASHRA_MAX_IMAGE_PIXELS": 40_000_000,
    "NASHRA_PHASH_DISTANCE": 2,
    "NASHRA_REPORT_THRESHOLD": 3,
    "NASHRA_REPORT_NETWORK_CAP": 2,
    "NASHRA_REPORT_RATE_LIMIT": 10,
    "NASHRA_REPORT_NETWORK_RATE_LIMIT": 60,
    "NASHRA_TRUSTED_PROXIES": (),
    "NASHRA_LOGIN_RATE_LIMIT": 5,
    "NASHRA_LOGIN_NETWORK_RATE_LIMIT": 20,
    "NASHRA_SESSION_HOURS": 12,
    "NASHRA_COOKIE_SECURE": "auto",
    "NASHRA_SCHEDULE_MIN_INTERVAL": 300,
    "NASHRA_SCHEDULE_MAX_INTERVAL": 21600,
    "NASHRA_SCHEDULE_MAX_BACKOFF": 21600,
    "NASHRA_SCHEDULE_MAX_RETRY_AFTER": 86400,
    "NASHRA_SCHEDULE_MAX_FAILURES": 10,
    "NASHRA_SCHEDULE_JITTER": 0.1,
    "NASHRA_SCHEDULE_HOST_RETRY_AFTER": True,
    "NASHRA_WORKER_CONCURRENCY": 32,
    "NASHRA_WORKER_LEASE_SECONDS": 300,
    "NASHRA_WORKER_IDLE_SECONDS": 5.0,
    "NASHRA_WORKER_SHUTDOWN_GRACE": 20.0,
    "NASHRA_WORKER_DB_RETRY_MAX": 30.0,
    "NASHRA_WORKER_STORY_BACKLOG_WAIT": 300.0,
    "NASHRA_WEBSUB_LEASE_SECONDS": 604800,
    "NASHRA_STORY_WINDOW_HOURS": 48.0,
    "NASHRA_STORY_MATCH": 0.33,
    "NASHRA_STORY_MERGE": 0.45,
    "NASHRA_STORY_MARGIN": 0.15,
    "NASHRA_STORY_COPY": 0.6,
    "NASHRA_STORY_TITLE_WEIGHT": 3.0,
    "NASHRA_STORY_CENTROID": 1.0,
    "NASHRA_STORY_ENTITY_WEIGHT": 0.0,
    "NASHRA_STORY_DECAY_HOURS": 48.0,
    "NASHRA_STORY_GUARDS": "figure,place,negation",
    "NASHRA_STORY_OUTLET_WEIGHTS": "",
    "NASHRA_VIEWS_NETWORK_CAP": 20,
    "NASHRA_VIEWS_FLUSH_SECONDS": 30.0,
    "NASHRA_VIEWS_FLUSH_VIEWS": 1000,
    "NASHRA_SEARCH_RANK_WINDOW": 5000,
    "NASHRA_SEARCH_PHRASE_RANK_WINDOW": 1000,
}


def _value(settings: Settings, name: str) -> object:
    declared = {d.name: d for d in declared_settings()}[name]
    holder = getattr(settings, declared.section) if declared.section else settings
    return getattr(holder, name)


def test_every_section_defaults_to_the_documented_values() -> None:
    settings = load_settings(env={})
    declared = {d.env: d for d in declared_settings()}
    assert set(declared) == set(DOCUMENTED)  # no setting lost, renamed or undocumented
    for env, expected in DOCUMENTED.items():
        got = _value(settings, declared[env].name)
        assert got == expected and type(got) is type(expected), env


def test_each_setting_is_declared_once_with_a_doc_and_reached_through_its_section() -> None:
    names = [d.name for d in declared_settings()]
    assert len(names) == len(set(names))
    assert all(d.doc for d in declared_settings())
    settings = Settings()
    sections = {d.section for d in declared_settings()} - {""}
    assert sections == {
        "fetch", "crawl", "schedule", "stories", "media", "moderation", "views", "web",
        "search", "replicas",
    }  # fmt: skip
    assert isinstance(settings.fetch, FetchSettings)
    assert isinstance(settings.schedule, ScheduleSettings)
    assert isinstance(settings.stories, StorySettings)


def test_loading_the_settings_imports_nothing_else_of_nashra() -> None:
    """``config`` is a foundation: its checks are its own, not the stages' (fresh interpreter)."""
    code = (
        "import sys\n"
        "from nashra.config import load_settings\n"
        "load_settings(env={})\n"
        "print(sorted(m for m in sys.modules if m.startswith('nashra')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['nashra', 'nashra.config']"


def test_the_readme_shows_the_declared_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    assert readme[start:end].strip() == markdown().strip(), (
        "run .venv/bin/python scripts/settings_doc.py --write"
    )
    for env in DOCUMENTED:
        assert f"`{env}`" in readme[start:end]


def test_toml_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "nashra.toml"
    config.write_text(
        'user_agent = "FromToml/1"\n'
        "respect_robots = false\n"
        "story_match = 0.5\n"
        "worker_concurrency = 4\n"
        'trusted_proxies = ["10.0.0.1", "10.0.0.0/8"]\n'
        "story_outlet_weights = { hespress = 1.5 }\n"
        'data_dir = "toml-data"\n',
        encoding="utf-8",
    )
    env = {
        "NASHRA_CONFIG": str(config),
        "NASHRA_WORKER_CONCURRENCY": "8",
        "NASHRA_RESPECT_ROBOTS": "yes",
        "NASHRA_SCHEDULE_JITTER": "0",
    }
    settings = load_settings(env=env, story_match=0.4, data_dir=None)
    assert settings.fetch.user_agent == "FromToml/1"  # TOML over the default
    assert settings.fetch.respect_robots is True  # the environment over TOML
    assert settings.schedule.worker_concurrency == 8
    assert settings.schedule.schedule_jitter == 0.0
    assert settings.stories.story_match == 0.4  # an override over both; None overrides nothing
    assert settings.data_dir == Path("toml-data")
    assert settings.web.trusted_proxies == ("10.0.0.1", "10.0.0.0/8")
    assert settings.stories.story_outlet_weights == "hespress=1.5"


def test_a_missing_config_file_leaves_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(env={"NASHRA_CONFIG": str(tmp_path / "absent.toml")})
    assert settings == Settings()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", True), ("true", True), ("Yes", True), (" on ", True), ("0", False), ("off", False)],
)
def test_booleans_are_parsed_strictly(text: str, expected: bool) -> None:
    assert load_settings(env={"NASHRA_RESPECT_ROBOTS": text}).fetch.respect_robots is expected


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("respect_robots", "maybe", "must be true or false"),
        ("respect_robots", "", "must be true or false"),
        ("respect_robots", 1, "must be true or false"),
        ("max_redirects", "1.5", "must be a whole number"),
        ("max_redirects", True, "must be a whole number"),
        ("max_redirects", 2.0, "must be a whole number"),
        ("connect_timeout", "ten", "must be a number"),
        ("connect_timeout", "nan", "must be a number"),
        ("connect_timeout", "inf", "must be a number"),
        ("connect_timeout", False, "must be a number"),
        ("user_agent", 5, "must be text"),
        ("data_dir", 5, "must be a path"),
        ("trusted_proxies", 5, "must be a comma-separated list"),
    ],
)
def test_values_of_the_wrong_type_are_refused_naming_the_setting(
    name: str, raw: object, problem: str
) -> None:
    with pytest.raises(SettingError, match=problem) as caught:
        load_settings(env={}, **{name: raw})
    message = str(caught.value)
    assert name in message and f"NASHRA_{name.upper()}" in message
    assert caught.value.setting == name


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("connect_timeout", "0", "must be positive"),
        ("max_body_bytes", "-1", "must be positive"),
        ("max_redirects", "-1", "must be 0 or more"),
        ("fetch_allow_networks", "10.0.0.0/8, intranet", "'intranet' is not a network"),
        ("keep_pages_days", "-2", "must be 0 or more"),
        ("item_time_budget", "0", "must be positive"),
        ("schedule_min_interval", "0", "must be positive"),
        ("schedule_jitter", "1.5", "must be between 0 and 1"),
        ("worker_concurrency", "0", "must be positive"),
        ("story_window_hours", "0", "must be positive"),
        ("story_centroid", "1.5", "must be between 0 and 1"),
        ("story_decay_hours", "-1", "must be 0 or more"),
        ("story_guards", "place,colour", "unknown guard 'colour'"),
        ("story_outlet_weights", "hespress", "slug=weight"),
        ("story_outlet_weights", "hespress=much", "slug=weight"),
        ("phash_distance", "4", "must be between 0 and 3"),
        ("report_threshold", "0", "must be positive"),
        ("cookie_secure", "sometimes", "must be auto, true or false"),
        ("views_flush_views", "0", "must be positive"),
        ("port", "70000", "must be between 0 and 65535"),
        ("timezone", "Mars/Olympus", "not a known time zone"),
        ("trusted_proxies", "10.0.0.1, proxy.local", "'proxy.local' is not a network"),
        ("search_rank_window", "-1", "must be 0 or more"),
        ("search_phrase_rank_window", "-2", "must be 0 or more"),
        ("database_replica_urls", "sqlite:///x.db", "is not a PostgreSQL URL"),
        ("replica_check_seconds", "-1", "must be 0 or more"),
    ],
)
def test_values_out_of_range_are_refused_at_load_naming_the_setting(
    name: str, raw: str, problem: str
) -> None:
    env = {f"NASHRA_{name.upper()}": raw}
    with pytest.raises(SettingError, match=problem) as caught:
        load_settings(env=env)
    assert name in str(caught.value) and f"NASHRA_{name.upper()}" in str(caught.value)


def test_phash_distance_stops_where_the_band_index_stops() -> None:
    from nashra.media.phash import BANDS

    assert load_settings(env={}, phash_distance=BANDS - 1).media.phash_distance == BANDS - 1
    with pytest.raises(SettingError, match="phash_distance must be between 0 and"):
        load_settings(env={}, phash_distance=BANDS)


def test_rules_between_settings_name_the_setting() -> None:
    env = {"NASHRA_SCHEDULE_MIN_INTERVAL": "600", "NASHRA_SCHEDULE_MAX_INTERVAL": "60"}
    with pytest.raises(SettingError, match="schedule_max_interval must not be below") as caught:
        load_settings(env=env)
    assert "NASHRA_SCHEDULE_MAX_INTERVAL" in str(caught.value)


def test_the_error_says_where_the_value_came_from(tmp_path: Path) -> None:
    config = tmp_path / "nashra.toml"
    config.write_text('max_redirects = "many"\n', encoding="utf-8")
    with pytest.raises(SettingError, match=f"from {config}"):
        load_settings(env={"NASHRA_CONFIG": str(config)})
    with pytest.raises(SettingError, match="from the environment"):
        load_settings(env={"NASHRA_MAX_REDIRECTS": "many"})


def test_rules_between_settings_see_every_source_at_once(tmp_path: Path) -> None:
    """A rule between two settings judges the final values, wherever each came from: a minimum
    raised in the TOML file with the maximum raised in the environment is a valid setup."""
    config = tmp_path / "nashra.toml"
    config.write_text("schedule_min_interval = 30000\n", encoding="utf-8")
    env = {"NASHRA_CONFIG": str(config), "NASHRA_SCHEDULE_MAX_INTERVAL": "40000"}
    schedule = load_settings(env=env).schedule
    assert (schedule.schedule_min_interval, schedule.schedule_max_interval) == (30000, 40000)
    assert load_settings(env=env, schedule_max_interval=50000).schedule.schedule_max_interval == (
        50000
    )


def test_a_value_out_of_range_says_where_it_came_from(tmp_path: Path) -> None:
    config = tmp_path / "nashra.toml"
    config.write_text("schedule_jitter = 2\n", encoding="utf-8")
    with pytest.raises(SettingError, match=f"between 0 and 1.*from {config}"):
        load_settings(env={"NASHRA_CONFIG": str(config)})
    with pytest.raises(SettingError, match="between 0 and 1.*from the environment"):
        load_settings(env={"NASHRA_SCHEDULE_JITTER": "2"})


def test_unknown_names_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "nashra.toml"
    config.write_text("stroy_match = 0.5\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match="'stroy_match' is not a setting .*did you mean story_match"
    ):
        load_settings(env={"NASHRA_CONFIG": str(config)})
    with pytest.raises(ValueError, match="'stroy_match' is not a setting"):
        Settings().override(stroy_match=0.5)


def test_settings_are_frozen_and_derived_copies_are_checked() -> None:
    settings = load_settings(env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.secret_key = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.fetch.max_redirects = 1  # type: ignore[misc]
    changed = settings.override(max_redirects="2", secret_key="s", cache_check_seconds=0)
    assert changed.fetch.max_redirects == 2 and changed.secret_key == "s"
    assert changed.web.cache_check_seconds == 0.0
    assert settings.fetch.max_redirects == 5  # the original is untouched
    assert changed.stories is settings.stories  # untouched sections are shared
    slower = dataclasses.replace(settings.fetch, per_host_concurrency=1)
    assert slower.per_host_concurrency == 1
    with pytest.raises(SettingError, match="per_host_concurrency must be positive"):
        dataclasses.replace(settings.fetch, per_host_concurrency=0)


def test_the_command_line_reports_a_bad_setting_by_name(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from nashra.cli import main

    env = {"NASHRA_RESPECT_ROBOTS": "maybe", "NASHRA_CONFIG": str(tmp_path / "none.toml")}
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "sources", "list"], env=env)
    assert result.exit_code == 2
    assert "bad setting: respect_robots must be true or false" in result.output
    assert "NASHRA_RESPECT_ROBOTS" in result.output


def test_fit_stories_writes_the_fitted_defaults(tmp_path: Path, monkeypatch) -> None:
    """``scripts/fit_stories.py --write`` rewrites the fitted block of config.py; the module it
    writes still loads, with the new story defaults."""
    script = importlib.util.spec_from_file_location(
        "fit_stories", ROOT / "scripts" / "fit_stories.py"
    )
    assert script is not None and script.loader is not None
    fit = importlib.util.module_from_spec(script)
    script.loader.exec_module(fit)
    copy = tmp_path / "fitted_config.py"
    copy.write_text((ROOT / "src" / "nashra" / "config.py").read_text(encoding="utf-8"))
    fitted = {
        "story_match": 0.3,
        "story_merge": 0.55,
        "story_title_weight": 2.0,
        "story_centroid": 0.75,
        "story_entity_weight": 0.02,
        "story_decay_hours": 24.0,
        "story_guards": "place,negation",
    }
    fit.write_defaults(fitted, copy)
    spec = importlib.util.spec_from_file_location("fitted_config", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fitted_config", module)
    spec.loader.exec_module(module)
    stories = module.StorySettings()
    for name, value in fitted.items():
        assert getattr(stories, name) == value, name
    assert stories.story_window_hours == 48.0 and stories.story_copy == 0.6  # not fitted

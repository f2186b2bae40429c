"""Shared fixtures: real stores (SQLite in a temp dir, and PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nashra.config import Settings, load_settings
from nashra.store import Store
from nashra.store.scratch import throwaway_database

PG_URL = os.environ.get("NASHRA_TEST_DATABASE_URL", "")
DATA = Path(__file__).parent / "data"
# The fetch guard refuses loopback; tests allow only the addresses their servers listen on:
# 127.0.0.1 and the feed farm's 127.0.0.2 … 127.0.0.16.
LOOPBACK_ALLOWED = "127.0.0.0/27"


def _pg_database() -> Iterator[str]:
    """A throw-away database on the test server, dropped afterwards."""
    with throwaway_database(PG_URL, prefix="nashra_t") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and, when NASHRA_TEST_DATABASE_URL is set, on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nashra.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need NASHRA_TEST_DATABASE_URL (set by .ci/run)")
    yield from _pg_database()


@pytest.fixture
def second_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty archive on the same backend as ``database_url`` (to compare two runs)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    yield from _pg_database()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.open(database_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'nashra.db'}")
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a throw-away instance, with short timeouts so failing cases end quickly."""
    return load_settings(
        env={},
        data_dir=tmp_path / "data",
        connect_timeout=2.0,
        read_timeout=3.0,
        total_timeout=8.0,
        per_host_concurrency=8,
        fetch_allow_networks=LOOPBACK_ALLOWED,
    )


# The fast subset (`make test-fast`, i.e. `pytest -m "not slow"`): what checks a change in about
# a minute. Marked slow here, in one place: the PostgreSQL half of every test that runs on both
# backends (each makes a database and migrates it; the SQLite half checks the same logic),
# browser tests, and the modules and tests that crawl, fuzz, replicate, spawn processes or
# evaluate on a labelled corpus. `make test` runs everything.
SLOW_MODULES = frozenset(
    {
        "test_api_fuzz",  # thousands of generated requests
        "test_replicas",  # a streaming replica
        "test_workers",  # worker processes against a feed farm
        "test_run_process",  # `nashra run` as a process
        "test_stories_dev",  # the labelled development set, imported
        "test_stories_eval",  # the labelled pairs
        "test_search_ranking",  # the ARCD questions on both backends
        "test_web_demo",  # crawls the demo outlets
        "test_video",  # crawls the demo outlets
        "test_media_crawl",  # crawls with images
        "test_search_pg_count",  # PostgreSQL estimates
        "test_websub",
    }
)
SLOW_TESTS = frozenset(
    {
        "test_import_streams_a_large_file",  # 3,000 lines through `nashra import`
        "test_relevance_set",  # indexes the relevance collection
        "test_both_backends_find_the_same_articles",  # the relevance collection on both backends
        "test_rebuild_recomputes_the_same_stories_and_keeps_invariants",
        "test_500_feeds_are_each_polled_once_and_scheduled_by_behaviour",
        "test_killed_crawl_resumes_without_loss_or_duplicates",
        "test_failures_from_many_networks_lock_the_moderator_out_of_none",
        "test_one_network_trying_many_user_names_is_limited",
        "test_refused_logins_are_aggregated_in_the_audit_log",
        "test_login_attempts_are_rate_limited",
        "test_crawl_recovers_every_article_and_none_of_the_boilerplate",
        "test_recrawl_inserts_nothing_and_costs_no_page_fetches",
        "test_large_feed_is_capped_and_large_garbage_is_bounded",
        "test_stream_of_the_corpus_keeps_every_article_in_exactly_one_story",
        "test_crawled_demo_articles_get_the_expected_sections_and_clean_bylines",
        "test_shipped_model_beats_the_tfidf_svm_baseline_on_the_held_out_week",
        "test_trusted_proxy_forwards_real_addresses_and_garbage_counts_as_one",
        # each crawls demo pages through the whole pipeline
        "test_windows_1256_outlet_comes_out_in_arabic",
        "test_page_without_body_keeps_the_feed_summary_as_partial",
        "test_exact_wire_copy_is_recorded_as_copy",
        "test_article_page_keeps_sub_headings_and_date_line_fields",
        "test_hostile_items_are_handled_while_the_portal_keeps_answering",
        # each waits out real timers or runs a real server
        "test_forged_forwarded_for_is_not_believed_without_trusted_proxies",
        "test_dripping_server_hits_the_total_deadline",
        "test_robots_fetch_obeys_the_deadline",
        "test_cache_is_dropped_when_an_article_is_saved",
        "test_the_portal_shows_only_sure_answers",
        "test_fifty_concurrent_requests",
    }
)
# Fixtures that crawl the demo outlets into an archive (a minute per test process).
SLOW_FIXTURES = frozenset({"archives"})


def _is_slow(item: pytest.Item) -> bool:
    if item.get_closest_marker("browser") is not None:
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("database_url") == "postgresql":
        return True
    module = item.module.__name__.rpartition(".")[2] if item.module else ""
    if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    return module in SLOW_MODULES or item.originalname in SLOW_TESTS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)

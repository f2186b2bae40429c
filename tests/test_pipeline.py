"""The whole ingest pipeline against the bundled demo outlet sites, served on loopback."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import LOOPBACK_ALLOWED
from nashra.config import Settings
from nashra.crawl.pipeline import crawl
from nashra.demo.sites import DemoServer, DemoSites
from nashra.sources.registry import Registry
from nashra.store import Store
from nashra.store.queries import get_article
from nashra.store.schema import articles

SMALL = 60  # corpus articles in the small demo the tests crawl


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(DemoSites(limit=SMALL)) as server:
        yield server


@pytest.fixture
def demo_sources(demo_server: DemoServer):
    return demo_server.sites.sources(demo_server.base_url)


def _crawl(settings: Settings, store: Store, sources) -> object:
    store.sync_sources(sources)
    return crawl(settings, store, sources)


def _rows(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(articles))]


def test_crawl_recovers_every_article_and_none_of_the_boilerplate(
    settings: Settings, store: Store, demo_server: DemoServer, demo_sources
) -> None:
    report = _crawl(settings, store, demo_sources)
    assert report.feed_errors == 0, report.errors
    expected = demo_server.sites.expected_articles()
    rows = {(r["source"], r["url"].split("/", 3)[3]): r for r in _rows(store)}
    assert len(rows) >= len(expected)
    by_path = {r["url"].split("/", 3)[3]: r for r in rows.values()}
    missing, leaked = [], []
    for exp in expected:
        path = exp["url_path"].lstrip("/")
        row = by_path.get(path)
        if row is None:
            missing.append(path)
            continue
        assert row["title"].split() == exp["title"].split()
        if exp.get("partial"):
            continue
        for paragraph in exp["paragraphs"]:
            assert " ".join(paragraph.split()) in " ".join(row["body_text"].split()), path
        # Boilerplate that surrounds every demo article must never reach the body.
        for marker in (
            "تعليقات القراء",
            "النشرة البريدية",
            "جميع الحقوق محفوظة",
            "اقرأ أيضا",
            "WhatsApp",
        ):
            if marker in row["body_text"]:
                leaked.append((path, marker))
    assert not missing
    assert not leaked
    # Only the paywalled page is partial: short articles (a video caption, a breaking line)
    # are recovered whole, not replaced by their feed summary.
    partial = {r["url"].split("/", 3)[3] for r in rows.values() if r["partial"]}
    assert partial == {e["url_path"].lstrip("/") for e in expected if e.get("partial")}


def test_windows_1256_outlet_comes_out_in_arabic(
    settings: Settings, sqlite_store: Store, demo_server: DemoServer, demo_sources
) -> None:
    _crawl(settings, sqlite_store, demo_sources)
    cp1256 = [s for s in demo_sources if s.slug == "cnnarabic"]  # the demo's windows-1256 outlet
    assert cp1256
    rows = [r for r in _rows(sqlite_store) if r["source"] == cp1256[0].slug]
    assert rows
    for row in rows:
        assert "\ufffd" not in row["body_text"] and "Ø" not in row["title"]
        assert any("\u0600" <= ch <= "\u06ff" for ch in row["title"])


def test_page_without_body_keeps_the_feed_summary_as_partial(
    settings: Settings, sqlite_store: Store, demo_server: DemoServer, demo_sources
) -> None:
    _crawl(settings, sqlite_store, demo_sources)
    case = demo_server.sites.special_cases()["paywall"][0]
    rows = [r for r in _rows(sqlite_store) if r["url"].endswith(case["url_path"])]
    assert len(rows) == 1
    assert rows[0]["partial"] is True
    assert " ".join(case["summary"].split())[:80] in " ".join(rows[0]["body_text"].split())


def test_exact_wire_copy_is_recorded_as_copy(
    settings: Settings, sqlite_store: Store, demo_server: DemoServer, demo_sources
) -> None:
    _crawl(settings, sqlite_store, demo_sources)
    first, second = sorted(
        demo_server.sites.special_cases()["wire_copy"], key=lambda a: a["published"]
    )
    rows = {r["url"]: r for r in _rows(sqlite_store)}
    original = next(r for u, r in rows.items() if u.endswith(first["url_path"]))
    copy = next(r for u, r in rows.items() if u.endswith(second["url_path"]))
    assert original["title"] != copy["title"] and original["copy_of"] is None
    assert copy["copy_of"] == original["pk"]


def test_recrawl_inserts_nothing_and_costs_no_page_fetches(
    settings: Settings, store: Store, demo_server: DemoServer, demo_sources
) -> None:
    first = _crawl(settings, store, demo_sources)
    assert first.new > 0
    count = store.stats()["articles"]
    before = len(demo_server.request_log)
    second = _crawl(settings, store, demo_sources)
    assert second.new == 0 and second.updated == 0
    assert store.stats()["articles"] == count
    feed_paths = {"/" + f.split("/", 3)[3] for s in demo_sources for f in s.feeds}
    later = demo_server.request_log[before:]
    # Conditional GET: every feed answered 304, and no article page was fetched again.
    assert second.not_modified == second.feeds
    assert [(p, s) for _m, p, s in later if p in feed_paths and s != 304] == []
    assert [p for _m, p, _s in later if p not in feed_paths and p != "/robots.txt"] == []


def test_article_page_keeps_sub_headings_and_date_line_fields(
    settings: Settings, sqlite_store: Store, demo_server: DemoServer, demo_sources
) -> None:
    _crawl(settings, sqlite_store, demo_sources)
    seed = [r for r in _rows(sqlite_store) if r["source"] == "hespress"]
    assert len(seed) == 1
    row = get_article(sqlite_store, "hespress", seed[0]["num"])
    assert row["title"].startswith("التعاون الأمني بين المغرب وفرنسا")
    assert "<h2>مدخل لتقوية العلاقات</h2>" in row["body_html"].replace("h3", "h2")
    assert row["published"].date().isoformat() == "2023-12-14"
    assert "<script" not in row["body_html"]


def _child_env(settings: Settings, registry_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NASHRA_DATA_DIR=str(settings.data_dir),
        NASHRA_FETCH_ALLOW_NETWORKS=LOOPBACK_ALLOWED,
        NASHRA_SOURCES_FILE=str(registry_path),
        NASHRA_PER_HOST_CONCURRENCY="1",
    )
    return env


def test_killed_crawl_resumes_without_loss_or_duplicates(
    settings: Settings, tmp_path: Path, demo_server: DemoServer, demo_sources
) -> None:
    registry_path = tmp_path / "sources.yaml"
    Registry(demo_sources).save(registry_path)
    env = _child_env(settings, registry_path)
    cmd = [sys.executable, "-m", "nashra.cli", "crawl", "--once", "--json"]
    demo_server.delay = 0.15  # slow pages down so the kill lands mid-crawl
    try:
        child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        db = Store.open(settings.resolved_database_url)
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline:
            with db.engine.connect() as conn:
                stored = conn.execute(select(func.count()).select_from(articles)).scalar_one()
            if stored >= 5:
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert 5 <= stored < len(demo_server.sites.expected_articles())
    finally:
        demo_server.delay = 0.0
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rows = _rows(db)
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls))
    expected_paths = {e["url_path"].lstrip("/") for e in demo_server.sites.expected_articles()}
    got_paths = {u.split("/", 3)[3] for u in urls}
    assert expected_paths <= got_paths
    db.close()


def test_outlet_known_only_by_its_home_page_gets_its_feed_by_autodiscovery(
    settings: Settings, sqlite_store: Store, demo_server: DemoServer, demo_sources
) -> None:
    hespress = next(s for s in demo_sources if s.slug == "hespress")
    bare = dataclasses.replace(hespress, feeds=[])
    report = _crawl(settings, sqlite_store, [bare])
    feeds = sqlite_store.list_feeds(source="hespress")
    assert [f.url for f in feeds] == hespress.feeds
    assert report.new == 1
    # The next round does not discover again: the feed is known.
    _crawl(settings, sqlite_store, [bare])
    assert len(sqlite_store.list_feeds(source="hespress")) == 1

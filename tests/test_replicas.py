"""Reads from streaming replicas, writes to the primary — on a real PostgreSQL primary and a real
replica made by pg_basebackup (see tests/pg_replica.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from conftest import PG_URL, _pg_database
from nashra.config import Settings, load_settings
from nashra.ingest import save_article
from nashra.model import Article
from nashra.moderation.accounts import create_user
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.db import create_db_engine
from nashra.store.replicas import ReadRouter, parse_replica_urls
from nashra.web.app import create_app
from pg_replica import free_port, on_database, shared_replica_url, start_replica, stop_replica

T0 = datetime(2024, 5, 1, 8, tzinfo=UTC)
PASSWORD = "a long moderator password"

needs_pg = pytest.mark.skipif(not PG_URL, reason="replica tests need NASHRA_TEST_DATABASE_URL")


def article(n: int) -> Article:
    title = f"خبر رقم {n} عن الأمطار في الرباط"
    return Article(source="hespress", url=f"https://www.hespress.com/{n}", title=title,
                   body_html=f"<p>{title}</p>", published=T0 + timedelta(minutes=n))  # fmt: skip


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def replica_server() -> Iterator[str]:
    """The replica of .ci/run, or one started for this module."""
    if not PG_URL:
        pytest.skip("replica tests need NASHRA_TEST_DATABASE_URL")
    shared = shared_replica_url()
    if shared:
        yield shared
        return
    port = free_port()
    url = start_replica(port)
    yield url
    stop_replica(port)


@pytest.fixture
def primary_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("replica tests need NASHRA_TEST_DATABASE_URL")
    yield from _pg_database()


@pytest.fixture
def primary(primary_url: str) -> Iterator[Store]:
    store = Store.open(primary_url)
    store.sync_sources([Source(slug="hespress", name_ar="هسبريس")])
    yield store
    store.close()


def replica_settings(tmp_path: Path, primary_url: str, replica_url: str, **extra) -> Settings:
    return load_settings(
        env={},
        data_dir=tmp_path / "data",
        database_url=primary_url,
        database_replica_urls=replica_url,
        cache_check_seconds=0.0,  # the page cache asks the (replica's) archive on every request
        **extra,
    )


class Replica:
    """SQL on the replica's copy of the test database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)

    def scalar(self, sql: str):
        with self.engine.connect() as conn:
            return conn.execute(text(sql)).scalar()

    def catch_up(self, primary: Store) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with primary.engine.connect() as conn:
            lsn = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar()
        sql = f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"
        wait_until(lambda: self.scalar(sql) is True)

    def pause(self) -> None:
        self.scalar("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.scalar("SELECT pg_wal_replay_resume()")


@pytest.fixture
def replica(replica_server: str, primary: Store, primary_url: str) -> Iterator[Replica]:
    r = Replica(on_database(replica_server, primary_url))
    try:
        yield r
    finally:
        r.resume()  # a test that paused replay never leaves it paused
        r.engine.dispose()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, html
    return match.group(1)


# -- tests --------------------------------------------------------------------------------------


@needs_pg
def test_pages_read_the_replica_and_writes_reach_the_primary(tmp_path, primary, primary_url,
                                                             replica):  # fmt: skip
    first = save_article(primary, article(1))
    create_user(primary, "mod", PASSWORD)
    replica.catch_up(primary)
    settings = replica_settings(tmp_path, primary_url, replica.url)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["reads_from"] == "replicas"
        assert ready["replicas"][0]["in_use"] is True and ready["replicas"][0]["reason"] == "ok"
        for path in ("/", f"/hespress/{first.num}", "/hespress", "/search?q=الأمطار",
                     "/api/v1/articles?source=hespress", "/rss", "/sitemap.xml"):  # fmt: skip
            assert client.get(path).status_code == 200, path

        # With replay paused, the primary has an article the replica has not: the portal, which
        # reads the replica, does not show it yet — proof the pages come from the replica.
        replica.pause()
        second = save_article(primary, article(2))
        assert client.get(f"/hespress/{second.num}").status_code == 404
        assert client.get(f"/api/v1/articles/hespress/{second.num}").status_code == 404
        # Writes go to the primary: a login stores a session there (a replica would refuse
        # the write), and the admin, which reads the primary, knows the session at once.
        page = client.get("/admin/login")
        login = client.post("/admin/login", data={"username": "mod", "password": PASSWORD,
                                                  "csrf": _csrf(page.text)})  # fmt: skip
        assert login.status_code == 303, login.text
        assert client.get("/admin").status_code == 200

        replica.resume()
        wait_until(lambda: client.get(f"/hespress/{second.num}").status_code == 200)


@needs_pg
def test_a_lagging_replica_is_skipped_until_it_catches_up(tmp_path, primary, primary_url,
                                                          replica):  # fmt: skip
    save_article(primary, article(1))
    replica.catch_up(primary)
    settings = replica_settings(tmp_path, primary_url, replica.url, replica_max_lag_seconds=1.0,
                                replica_check_seconds=0)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        # The replica streams the whole server's WAL: other databases' writes on a busy server
        # can hold it a moment behind, so wait for it to be in use rather than assume it.
        wait_until(lambda: client.get("/readyz").json()["reads_from"] == "replicas")
        replica.pause()
        second = save_article(primary, article(2))
        time.sleep(1.5)  # the replica is now more than 1 s behind
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["reads_from"] == "primary"
        assert ready["replicas"][0]["in_use"] is False
        assert ready["replicas"][0]["reason"].startswith("lagging")
        # The new article is served from the primary meanwhile.
        assert client.get(f"/hespress/{second.num}").status_code == 200
        replica.resume()
        wait_until(lambda: client.get("/readyz").json()["reads_from"] == "replicas")
        assert client.get(f"/hespress/{second.num}").status_code == 200


@needs_pg
def test_pages_keep_answering_when_the_replica_is_killed(tmp_path, primary, primary_url):
    first = save_article(primary, article(1))
    port = free_port()
    server = start_replica(port)
    try:
        replica = Replica(on_database(server, primary_url))
        replica.catch_up(primary)
        replica.engine.dispose()
        # Checks are rare here: the dead replica is found by the failed connection itself.
        settings = replica_settings(tmp_path, primary_url, replica.url,
                                    replica_check_seconds=3600)  # fmt: skip
        with TestClient(create_app(settings)) as client:
            paths = ("/", f"/hespress/{first.num}", "/hespress", "/search?q=الأمطار",
                     "/api/v1/articles", "/rss")  # fmt: skip
            for path in paths:
                assert client.get(path).status_code == 200, path
            assert client.get("/readyz").json()["reads_from"] == "replicas"

            stop_replica(port)  # immediate shutdown: connections are cut

            for path in paths:
                response = client.get(path)
                assert response.status_code == 200, (path, response.text[:300])
            ready = client.get("/readyz").json()
            assert ready["status"] == "ready" and ready["reads_from"] == "primary"
            assert ready["replicas"][0]["in_use"] is False
            assert ready["replicas"][0]["reason"].startswith("connection failed")
    finally:
        stop_replica(port)


@needs_pg
def test_reads_route_to_a_replica_and_transactions_to_the_primary(primary, replica):
    router = ReadRouter(primary.engine, [replica.url], check_seconds=3600)
    try:
        with router.connect() as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is True
        with router.begin() as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
        assert router.dialect.name == "postgresql"
    finally:
        router.dispose()


@needs_pg
def test_an_unreachable_replica_is_reported_and_reads_go_to_the_primary(primary):
    dead = f"postgresql+psycopg://postgres:secret@127.0.0.1:{free_port()}/nashra"
    router = ReadRouter(primary.engine, [dead])
    try:
        with router.connect() as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
        status = router.status()
        assert status["reads_from"] == "primary"
        (state,) = status["replicas"]
        assert state["in_use"] is False and state["reason"].startswith("unreachable")
        assert "secret" not in state["url"] and "***" in state["url"]
    finally:
        router.dispose()


# -- settings (no server needed) --------------------------------------------------------------


def test_replica_urls_are_checked_when_settings_load():
    assert parse_replica_urls("") == []
    urls = " postgresql+psycopg://a@h1/db , postgresql://b@h2/db ,"
    assert parse_replica_urls(urls) == ["postgresql+psycopg://a@h1/db", "postgresql://b@h2/db"]
    with pytest.raises(ValueError, match="database_replica_urls: 'sqlite:///x.db' is not a Postg"):
        load_settings(env={"NASHRA_DATABASE_REPLICA_URLS": "sqlite:///x.db"})
    with pytest.raises(ValueError, match="database_replica_urls: 'not a url' is not a database"):
        parse_replica_urls("not a url")


def test_replicas_need_a_postgresql_primary(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'n.db'}")
    with pytest.raises(ValueError, match="replicas need a PostgreSQL primary"):
        ReadRouter(engine, ["postgresql+psycopg://a@127.0.0.1/db"])
    engine.dispose()


def test_without_replicas_the_app_reads_its_own_store(tmp_path):
    settings = load_settings(env={}, data_dir=tmp_path / "data")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz").json()
        assert "replicas" not in ready and "reads_from" not in ready

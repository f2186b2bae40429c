"""Worker processes sharing one database: no feed polled twice at once, everything due polled,
politeness per host across workers, SIGKILL lease takeover, SIGTERM, database loss."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from conftest import LOOPBACK_ALLOWED
from nashra.config import ScheduleSettings
from nashra.demo.farm import FeedFarm
from nashra.observe.metrics import DB_RETRIES
from nashra.schedule.worker import Worker
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.db import create_db_engine
from nashra.store.schema import feeds

PG_URL = os.environ.get("NASHRA_TEST_DATABASE_URL", "")

needs_pg = pytest.mark.skipif(not PG_URL, reason="needs NASHRA_TEST_DATABASE_URL (PostgreSQL)")


def _register(store: Store, farm: FeedFarm) -> None:
    store.sync_sources(
        [
            Source(slug=f"o{f.index}", name_ar=f"مصدر {f.index}", feeds=[farm.url(f)])
            for f in farm.feeds
        ]  # fmt: skip
    )


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _spawn(store: Store, tmp_path: Path, name: str, *args: str, **env: str) -> subprocess.Popen:
    environ = {
        **os.environ,
        "NASHRA_DATA_DIR": str(tmp_path / "data"),
        "NASHRA_RESPECT_ROBOTS": "false",
        "NASHRA_FETCH_ALLOW_NETWORKS": LOOPBACK_ALLOWED,
        "NASHRA_CONNECT_TIMEOUT": "2",
        "NASHRA_READ_TIMEOUT": "30",
        "NASHRA_TOTAL_TIMEOUT": "40",
        "NASHRA_WORKER_IDLE_SECONDS": "0.1",
        "NASHRA_SCHEDULE_JITTER": "0",
        **env,
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    cmd = [sys.executable, "-m", "nashra.schedule", "--database-url", _url(store), "worker",
           "--no-sync", *args]  # fmt: skip
    return subprocess.Popen(cmd, env=environ, stdout=log, stderr=subprocess.STDOUT)


def _rows(store: Store) -> dict[str, object]:
    with store.engine.connect() as conn:
        return {r.url: r for r in conn.execute(select(feeds))}


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@needs_pg
@pytest.mark.parametrize("workers", [2, 4])
def test_workers_share_the_queue_without_polling_a_feed_twice(
    tmp_path: Path, workers: int, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several worker processes need PostgreSQL")
    store = Store.open(database_url)
    with FeedFarm(120, hosts=8, items=1, behaviours=["etag"], delay=0.01) as farm:
        _register(store, farm)
        farm.gate.clear()  # feeds answer once every worker is up, so they all get a share
        procs = [
            _spawn(
                store,
                tmp_path,
                f"w{n}",
                "--once",
                "--concurrency",
                "16",
                NASHRA_PER_HOST_CONCURRENCY="2",
            )  # fmt: skip
            for n in range(workers)
        ]
        logs = [tmp_path / f"w{n}.log" for n in range(workers)]
        _wait_for(lambda: all("worker started" in p.read_text() for p in logs), 60, "workers")
        time.sleep(0.3)
        farm.gate.set()
        for proc in procs:
            assert proc.wait(timeout=60) == 0, (tmp_path / "w0.log").read_text()[-2000:]
        rows = _rows(store)
        for f in farm.feeds:
            assert farm.hits[f.path] == 1, f  # polled, and only once
            assert farm.max_in_flight[f.path] == 1
            row = rows[farm.url(f)]
            assert row.last_polled_at is not None and row.lease_owner is None
            assert row.next_poll_at > datetime.now(UTC)
        # politeness across processes: never more than 2 requests at once on any host
        assert max(farm.host_max_in_flight.values()) <= 2
        busy = [n for n in range(workers) if "feed polled" in (tmp_path / f"w{n}.log").read_text()]
        assert len(busy) >= 2  # the work was shared
    store.close()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_worker_killed_mid_poll_has_its_lease_taken_over(tmp_path: Path, store: Store) -> None:
    with FeedFarm(1, items=1, behaviours=["slow"], slow_seconds=20) as farm:
        _register(store, farm)
        path = farm.feeds[0].path
        lease = {"NASHRA_WORKER_LEASE_SECONDS": "3"}
        first = _spawn(store, tmp_path, "first", **lease)
        try:
            _wait_for(lambda: farm.in_flight[path] == 1, 30, "the first poll")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            first.kill()
        row = _rows(store)[farm.url(0)]
        assert row.lease_owner is not None  # the dead worker still holds it...
        until = row.lease_until
        farm.feeds[0].behaviour = "etag"
        second = _spawn(store, tmp_path, "second", **lease)
        try:
            _wait_for(lambda: farm.hits[path] == 2, 30, "the takeover")
            taken_at = datetime.now(UTC)
            assert taken_at >= until  # ...until its lease runs out, not before
            _wait_for(lambda: _rows(store)[farm.url(0)].last_status == 200, 10, "write-back")
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0
        finally:
            second.kill()
        row = _rows(store)[farm.url(0)]
        assert row.lease_owner is None and row.error_count == 0


def test_sigterm_lets_the_poll_in_flight_finish(tmp_path: Path, sqlite_store: Store) -> None:
    with FeedFarm(1, items=1, behaviours=["slow"], slow_seconds=1.5) as farm:
        _register(sqlite_store, farm)
        proc = _spawn(sqlite_store, tmp_path, "w")
        _wait_for(lambda: farm.in_flight[farm.feeds[0].path] == 1, 30, "the poll")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        row = _rows(sqlite_store)[farm.url(0)]
        assert row.last_status == 200 and row.lease_owner is None and row.next_poll_at


def test_sigterm_hands_back_what_does_not_finish_in_the_grace_period(
    tmp_path: Path, sqlite_store: Store
) -> None:
    with FeedFarm(1, items=1, behaviours=["slow"], slow_seconds=20) as farm:
        _register(sqlite_store, farm)
        proc = _spawn(sqlite_store, tmp_path, "w", NASHRA_WORKER_SHUTDOWN_GRACE="0.3")
        _wait_for(lambda: farm.in_flight[farm.feeds[0].path] == 1, 30, "the poll")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 8
        row = _rows(sqlite_store)[farm.url(0)]
        assert row.lease_owner is None and row.lease_until is None  # free for the next worker
        assert row.last_polled_at is None  # not polled: still due
        assert "leases released" in (tmp_path / "w.log").read_text()


class FlakyProxy:
    """A TCP relay to the database that can drop every connection and refuse new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        self.up = False
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self.sockets.clear()

    def close(self) -> None:
        self.down()
        self.listener.close()


@needs_pg
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_database_loss_is_retried_with_backoff_not_fatal(tmp_path: Path, store: Store) -> None:
    url = make_url(_url(store))
    proxy = FlakyProxy((url.host or "127.0.0.1", url.port or 5432))
    flaky = Store(
        create_db_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    )
    from nashra.config import load_settings

    settings = load_settings(
        env={}, data_dir=tmp_path, respect_robots=False, fetch_allow_networks=LOOPBACK_ALLOWED
    )
    options = ScheduleSettings(schedule_jitter=0, worker_idle_seconds=0.05, worker_db_retry_max=0.5)
    with FeedFarm(30, hosts=4, items=1, behaviours=["etag"], delay=0.02) as farm:
        _register(store, farm)
        worker = Worker(settings, flaky, options=options)
        retries_before = DB_RETRIES._value.get()
        polled: list[int] = []

        def on_poll(row, poll, decision) -> None:
            polled.append(row.id)
            if len(polled) == 10:  # mid-run: every connection dropped, none accepted for 1 s
                proxy.down()
                threading.Timer(1.0, lambda: setattr(proxy, "up", True)).start()

        worker.on_poll = on_poll
        proxy.down()  # the database is unreachable when the worker starts
        threading.Timer(1.0, lambda: setattr(proxy, "up", True)).start()
        asyncio.run(worker.run(asyncio.Event(), until_idle=True))
        rows = _rows(store)
        assert all(rows[farm.url(f)].last_polled_at is not None for f in farm.feeds)
        assert all(rows[farm.url(f)].lease_owner is None for f in farm.feeds)
        assert DB_RETRIES._value.get() > retries_before
    flaky.close()
    proxy.close()


def test_farm_pages_are_distinct_news_articles_the_same_every_time() -> None:
    from nashra.crawl.extract import extract_page

    pages = {(i, n): FeedFarm.page(i, n) for i in range(3) for n in range(20)}
    assert FeedFarm.page(2, 7) == pages[(2, 7)]
    assert len(set(pages.values())) == len(pages)
    extracted = extract_page(pages[(1, 3)].decode(), "http://127.0.0.1/f/1/3.html")
    assert extracted.body_html.count("<p>") >= 3 and extracted.title


def _unsigned(store: Store) -> int:
    """Stored articles without a story yet."""
    from sqlalchemy import func

    from nashra.store.schema import article_signatures, articles

    with store.engine.connect() as conn:
        n_articles = conn.execute(select(func.count()).select_from(articles)).scalar_one()
        signed = conn.execute(select(func.count()).select_from(article_signatures)).scalar_one()
    return n_articles - signed


def _worker(store: Store, tmp_path: Path, **options: object) -> Worker:
    from nashra.config import load_settings

    settings = load_settings(
        env={}, data_dir=tmp_path, respect_robots=False, fetch_allow_networks=LOOPBACK_ALLOWED
    )
    opts = ScheduleSettings(schedule_jitter=0, worker_idle_seconds=0.05, **options)
    return Worker(settings, store, options=opts)


def test_a_worker_run_until_idle_leaves_no_article_without_a_story(
    tmp_path: Path, store: Store
) -> None:
    """Daily outlets' feeds reach weeks back: those articles wait in the story backlog and the
    worker assigns them, oldest first, before it calls the round done."""
    from nashra.observe.metrics import LATE_ASSIGNED
    from nashra.stories import backlog

    late_before = LATE_ASSIGNED._value.get()
    with FeedFarm(8, hosts=2, items=10, behaviours=["etag"]) as farm:
        _register(store, farm)
        asyncio.run(_worker(store, tmp_path).run(asyncio.Event(), until_idle=True))
    assert backlog.status(store)[0] == 0
    assert _unsigned(store) == 0
    assert LATE_ASSIGNED._value.get() > late_before  # the daily feeds' old items went that way


def test_a_running_worker_works_the_story_backlog_beside_the_crawl(
    tmp_path: Path, store: Store
) -> None:
    from nashra.observe.metrics import LATE_ASSIGNED
    from nashra.stories import backlog

    late_before = LATE_ASSIGNED._value.get()
    with FeedFarm(8, hosts=2, items=10, behaviours=["etag"]) as farm:
        _register(store, farm)
        worker = _worker(store, tmp_path, worker_story_backlog_wait=0.0)
        stop = asyncio.Event()

        async def main() -> None:
            run = asyncio.create_task(worker.run(stop))
            for _ in range(600):  # the loop never goes idle-until-done: the task must do it
                await asyncio.sleep(0.05)
                polled = all(farm.hits[f.path] for f in farm.feeds)
                if polled and not worker.inflight and backlog.status(store)[0] == 0:
                    break
            stop.set()
            await run

        asyncio.run(main())
    assert _unsigned(store) == 0
    assert LATE_ASSIGNED._value.get() > late_before

"""The worker loop: claim due feeds, poll them, write the schedule back; forever, politely.

Any number of these run against one database (on PostgreSQL; one on SQLite). Each holds leases
on what it polls and renews them while polling; SIGTERM stops claiming, lets in-flight polls
finish for ``worker_shutdown_grace`` seconds and hands back the rest; a lost database connection
is retried with backoff instead of ending the process.

Politeness across workers: a worker polls at most one feed per host at a time with at most one
request in flight to that host (its fetcher's per-host limit is 1), and a host is polled by at
most ``per_host_concurrency`` workers at once (counted on the shared database), so however many
workers run, a host never sees more than ``per_host_concurrency`` concurrent requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import signal
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from nashra.config import ScheduleSettings, Settings
from nashra.crawl.pipeline import Crawler, FeedPoll
from nashra.http.fetch import Fetcher
from nashra.observe.gauges import refresh_queue
from nashra.observe.logs import event
from nashra.observe.metrics import DB_RETRIES, FEEDS_DISABLED, record_poll
from nashra.schedule.claims import (
    apply_decision,
    claim_due,
    claim_feed,
    claimable,
    ensure_hosts,
    failures_of,
    release_leases,
    renew_leases,
)
from nashra.schedule.clock import Clock, SystemClock
from nashra.schedule.policy import Decision, PollFacts, decide
from nashra.schedule.queries import outlet_activity
from nashra.schedule.websub import discover_hub, needs_subscription, subscribe
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import sources as sources_table
from nashra.stories import backlog
from nashra.stories.store import story_store

log = logging.getLogger("nashra.worker")
T = TypeVar("T")
DB_ERRORS = (OperationalError, InterfaceError)
STORY_SLICE = 2.0  # seconds of story backlog work per call, so that a stop is heard quickly


class SourceBook(dict):
    """Outlets by slug: the registry's, else built from the database row, so a worker on
    another machine needs no copy of the registry file."""

    def __init__(self, store: Store, registry: Mapping[str, Source] | None = None) -> None:
        super().__init__(registry or {})
        self._store = store

    def __missing__(self, slug: str) -> Source:
        with self._store.connect() as conn:
            row = conn.execute(select(sources_table).where(sources_table.c.slug == slug)).first()
        if row is None:
            raise KeyError(slug)
        source = Source.from_row(row)
        self[slug] = source
        return source


@dataclass
class WorkerStats:
    polled: int = 0
    failed: int = 0
    new_items: int = 0
    released: int = 0
    lost_leases: int = 0


def default_owner() -> str:
    """A lease owner name that says where the worker runs: ``host:pid:random``."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """One crawl worker process's loop (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        options: ScheduleSettings | None = None,
        clock: Clock | None = None,
        registry: Mapping[str, Source] | None = None,
        owner: str | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.store = store
        self.options = options or settings.schedule
        self.clock = clock or SystemClock()
        self.owner = owner or default_owner()
        self.sources = SourceBook(store, registry)
        self.rand = rand
        self.stats = WorkerStats()
        self.ready = False
        self.inflight: dict[int, tuple[asyncio.Task, str]] = {}
        self.hard_stop = asyncio.Event()
        self.on_poll: Callable[[Any, FeedPoll, Decision], None] | None = None
        # The process's one assigner (the crawl's too): its live window and its backlog window
        # share the story ids; the backlog is worked in a thread, in slices, beside the crawl.
        self.late = story_store(store, settings)
        self._sweeping = asyncio.Lock()

    # -- database calls that survive a lost connection ---------------------------------------
    async def db(self, fn: Callable[..., T], *args: Any, attempts: int = 0, **kw: Any) -> T:
        """Call ``fn``; on a connection error wait (0.5 s doubling up to
        ``worker_db_retry_max``) and try again, forever unless ``attempts`` is given."""
        delay, tries = 0.5, 0
        while True:
            try:
                return fn(*args, **kw)
            except DB_ERRORS as exc:
                tries += 1
                DB_RETRIES.inc()
                if (attempts and tries >= attempts) or self.hard_stop.is_set():
                    raise
                event(log, "database unavailable", logging.WARNING, call=fn.__name__,
                      retry_in=delay, error=str(exc).splitlines()[0][:200])  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.options.worker_db_retry_max)

    # -- the loop ----------------------------------------------------------------------------
    def _fetcher(self) -> Fetcher:
        return Fetcher(dataclasses.replace(self.settings.fetch, per_host_concurrency=1))

    def _crawler(self) -> Crawler:
        crawler = Crawler(self.settings, self.store, ())
        crawler.sources = self.sources
        return crawler

    async def run(self, stop: asyncio.Event, *, until_idle: bool = False) -> WorkerStats:
        """Poll due feeds until ``stop`` is set (or, with ``until_idle``, until none is due)."""
        opts = self.options
        async with self._fetcher() as fetcher:
            crawler = self._crawler()
            beat = asyncio.create_task(self._heartbeat(stop))
            late_stop = asyncio.Event()
            late = asyncio.create_task(self._story_backlog(late_stop))
            try:
                await self.db(ensure_hosts, self.store)
                self.ready = True
                event(log, "worker started", owner=self.owner, dialect=self.store.dialect,
                      concurrency=opts.worker_concurrency)  # fmt: skip
                while not stop.is_set():
                    free = opts.worker_concurrency - len(self.inflight)
                    claimed: list[Any] = []
                    if free > 0:
                        claimed = await self.db(
                            claim_due,
                            self.store,
                            self.owner,
                            self.clock.now(),
                            limit=free,
                            lease_seconds=opts.worker_lease_seconds,
                            per_host=max(1, self.settings.fetch.per_host_concurrency),
                            busy_hosts={host for _, host in self.inflight.values()},
                        )
                    for row in claimed:
                        task = asyncio.create_task(self._poll_one(crawler, fetcher, row))
                        self.inflight[row.id] = (task, row.host)
                        task.add_done_callback(lambda _t, fid=row.id: self.inflight.pop(fid, None))
                    if claimed and len(self.inflight) < opts.worker_concurrency:
                        continue  # more may be due on other hosts
                    if until_idle and not claimed and not self.inflight:
                        left = await self.db(claimable, self.store, self.clock.now())
                        if not left:
                            await self._drain_story_backlog(stop)
                            break
                    await self._wait(stop, opts.worker_idle_seconds)
                    if not claimed and not self.inflight:
                        await self.db(ensure_hosts, self.store)
            finally:
                await self._shutdown()
                beat.cancel()
                late_stop.set()
                await late  # a slice of backlog work in progress ends first (STORY_SLICE)
        return self.stats

    async def _wait(self, stop: asyncio.Event, timeout: float) -> None:
        stopper = asyncio.create_task(stop.wait())
        tasks = {stopper, *(t for t, _ in self.inflight.values())}
        try:
            await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        """Renew the leases of in-flight polls (and refresh the queue gauges) until cancelled."""
        period = max(0.2, self.options.worker_lease_seconds / 3)
        while True:
            await asyncio.sleep(period)
            ids = list(self.inflight)
            try:
                until = self.clock.now() + timedelta(seconds=self.options.worker_lease_seconds)
                held = renew_leases(self.store, self.owner, ids, until)
                if held < len(ids):
                    self.stats.lost_leases += len(ids) - held
                    event(log, "leases lost", logging.WARNING, owner=self.owner,
                          lost=len(ids) - held)  # fmt: skip
                refresh_queue(self.store, self.clock.now())
            except DB_ERRORS as exc:
                DB_RETRIES.inc()
                event(log, "lease renewal failed", logging.WARNING, error=str(exc)[:200])

    async def _story_backlog(self, stop: asyncio.Event) -> None:
        """Work the story backlog (late articles, in date order) when no feed is in flight, or
        once its oldest article has waited ``worker_story_backlog_wait`` seconds."""
        wait = self.options.worker_story_backlog_wait
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(self.options.worker_idle_seconds, 5.0))
                return
            try:
                waiting, since = await asyncio.to_thread(backlog.status, self.store)
            except DB_ERRORS:
                continue  # the crawl loop reports the outage
            if not waiting:
                continue
            waited = 0.0 if since is None else (datetime.now(UTC) - since).total_seconds()
            if self.inflight and waited < wait:
                continue
            await self._sweep_story_backlog(stop)

    async def _sweep_story_backlog(self, stop: asyncio.Event) -> int:
        """One sweep of the backlog, oldest first, in slices; returns the articles assigned
        (-1 when another process is working it)."""
        done = 0
        async with self._sweeping:
            while not stop.is_set():
                try:
                    sweep = await asyncio.to_thread(self.late.assign_late, budget=STORY_SLICE)
                except DB_ERRORS as exc:
                    event(log, "story backlog interrupted", logging.WARNING,
                          error=str(exc).splitlines()[0][:200])  # fmt: skip
                    return done
                except Exception:  # a bug in one article's assignment must not stop the worker
                    log.exception("story backlog failed")
                    return done
                done += len(sweep.assigned)
                if sweep.elsewhere:
                    return -1
                if sweep.complete:
                    break
        if done:
            event(log, "story backlog worked", owner=self.owner, assigned=done)
        return done

    async def _drain_story_backlog(self, stop: asyncio.Event) -> None:
        """Sweep until nothing is left (or another process has the backlog): the end of a
        ``--until-idle`` run."""
        while not stop.is_set():
            if await self._sweep_story_backlog(stop) <= 0:
                return

    async def _shutdown(self) -> None:
        """Let in-flight polls finish within the grace period; hand the rest back."""
        if not self.inflight:
            return
        tasks = {fid: t for fid, (t, _) in self.inflight.items()}
        event(log, "worker stopping", owner=self.owner, in_flight=len(tasks),
              grace=self.options.worker_shutdown_grace)  # fmt: skip
        hard = asyncio.create_task(self.hard_stop.wait())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.worker_shutdown_grace
        remaining = set(tasks.values())
        while remaining and not hard.done() and loop.time() < deadline:
            done, _ = await asyncio.wait(
                remaining | {hard},
                timeout=deadline - loop.time(),
                return_when=asyncio.FIRST_COMPLETED,
            )
            remaining -= done
        hard.cancel()
        pending = [fid for fid, t in tasks.items() if not t.done()]
        for fid in pending:
            tasks[fid].cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        if pending:
            try:
                released = release_leases(self.store, self.owner, pending)
            except DB_ERRORS:
                released = 0  # the leases will expire on their own
            self.stats.released += released
            event(log, "leases released", owner=self.owner, feeds=pending, released=released)

    # -- one feed ----------------------------------------------------------------------------
    async def _poll_one(
        self, crawler: Crawler, fetcher: Fetcher, row: Any, *, manual: bool = False
    ) -> tuple[FeedPoll, Decision] | None:
        started = time.perf_counter()
        try:
            poll = await crawler.poll_feed(fetcher, row)
        except DB_ERRORS as exc:
            # Not the feed's fault: hand it back once the database answers again.
            event(log, "poll interrupted: database error", logging.WARNING, feed_id=row.id,
                  error=str(exc).splitlines()[0][:200])  # fmt: skip
            await self.db(release_leases, self.store, self.owner, [row.id])
            return None
        except Exception as exc:  # a stage's bug must not stop the worker
            log.exception("poll failed feed_id=%s url=%s", row.id, row.url)
            error = f"internal error: {type(exc).__name__}: {exc}"
            await self.db(self.store.record_feed_poll, row.id, status=0, error=error)
            poll = FeedPoll(row.id, row.url, None, False, 0, False, error, "internal", 0, 0, 0, 0)
        elapsed = time.perf_counter() - started
        record_poll(poll, elapsed)
        decision = await self._finish(row, poll, manual=manual)
        event(log, "feed polled", feed_id=row.id, url=row.url, status=poll.status,
              outcome="304" if poll.not_modified else ("ok" if poll.ok else poll.error_kind),
              new=poll.new_items, ms=round(elapsed * 1000), next_in=round(decision.wait),
              why=decision.reason)  # fmt: skip
        if self.on_poll is not None:
            self.on_poll(row, poll, decision)
        if poll.ok and not poll.not_modified and poll.fetch is not None:
            await self._websub(row, poll)
        return poll, decision

    async def _finish(self, row: Any, poll: FeedPoll, *, manual: bool) -> Decision:
        now = self.clock.now()
        failures, websub_state = await self.db(failures_of, self.store, row.id)
        recent, oldest = (0, None)
        if poll.ok:
            recent, oldest = await self.db(outlet_activity, self.store, row.source, now)
        facts = PollFacts(
            ok=poll.ok,
            status=poll.status,
            error_kind=poll.error_kind,
            error=poll.error,
            headers=poll.fetch.headers if poll.fetch is not None else {},
            new_items=poll.new_items,
            failures=0 if poll.ok else failures,
            recent_items=recent,
            oldest_recent=oldest,
            websub_active=websub_state == "active",
        )
        decision = decide(facts, now, self.options, rand=self.rand)
        kept = await self.db(
            apply_decision,
            self.store,
            self.owner,
            row.id,
            row.host,
            decision,
            now,
            new_items=poll.new_items,
            error_kind=None if poll.ok else poll.error_kind,
            enable=manual and poll.ok,
        )
        self.stats.polled += 1
        self.stats.failed += not poll.ok
        self.stats.new_items += poll.new_items
        if not kept:
            self.stats.lost_leases += 1
        if decision.disable:
            FEEDS_DISABLED.inc()
            event(log, "feed disabled", logging.WARNING, feed_id=row.id, url=row.url,
                  reason=decision.disabled_reason)  # fmt: skip
        return decision

    async def _websub(self, row: Any, poll: FeedPoll) -> None:
        if not self.settings.base_url:
            return
        hub, topic = discover_hub(poll.fetch.headers, poll.fetch.content)
        topic = topic or row.url
        if needs_subscription(row, hub, topic, self.clock.now()):
            try:
                await subscribe(self.settings, self.store, row.id, hub, topic,
                                lease_seconds=self.options.websub_lease_seconds)  # fmt: skip
            except DB_ERRORS:
                DB_RETRIES.inc()  # tried again after the next poll

    async def check(self, feed_id: int) -> tuple[FeedPoll, Decision] | None:
        """Poll one feed now, by hand; success re-enables a disabled feed. None when another
        worker is polling it at this moment."""
        row = claim_feed(
            self.store, self.owner, feed_id, self.clock.now(),
            self.options.worker_lease_seconds,
        )  # fmt: skip
        if row is None:
            return None
        async with self._fetcher() as fetcher:
            return await self._poll_one(self._crawler(), fetcher, row, manual=True)


def run_worker(
    settings: Settings,
    store: Store,
    *,
    options: ScheduleSettings | None = None,
    registry: Mapping[str, Source] | None = None,
    until_idle: bool = False,
) -> WorkerStats:
    """Run a worker in this process until SIGTERM/SIGINT (a second one stops at once)."""

    async def main() -> WorkerStats:
        worker = Worker(settings, store, options=options, registry=registry)
        stop = asyncio.Event()
        install_stop_signals(stop, worker.hard_stop)
        return await worker.run(stop, until_idle=until_idle)

    return asyncio.run(main())


def install_stop_signals(stop: asyncio.Event, hard_stop: asyncio.Event) -> None:
    """SIGTERM / SIGINT set ``stop``; a second one sets ``hard_stop`` (no more grace)."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            hard_stop.set()
        stop.set()
        event(log, "signal received", signal=signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)

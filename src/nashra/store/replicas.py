"""Reads from PostgreSQL streaming replicas, writes to the primary.

A web process configured with ``database_replica_urls`` builds one :class:`ReadRouter` and hands
it to everything that only reads (pages, feeds, search, the API) as a :class:`Store` engine; the
primary keeps the writes (reports, moderation, sessions, WebSub, crawling). Each replica is
checked at most every ``replica_check_seconds``: one that does not answer, or whose replay is
more than ``replica_max_lag_seconds`` behind, is skipped until a later check finds it well again.
A replica that dies between two checks is noticed when a connection to it fails (the pool pings
before lending a connection) and the read goes to the next replica, then to the primary.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from nashra.config import parse_replica_urls
from nashra.store.db import create_db_engine

log = logging.getLogger("nashra.store")

# Seconds the replica's replay is behind its primary. A replica that has replayed everything it
# received is not behind, however old its last transaction (an idle primary sends nothing).
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)
# A replica caught between receiving a record and replaying it (a few milliseconds) reads as
# far behind when the primary had been idle; a second look this much later tells the two apart.
RECHECK_DELAY = 0.1
CONNECT_TIMEOUT = 2  # seconds: a replica that does not answer is skipped quickly


@dataclass
class ReplicaState:
    """What the last check found out about one replica."""

    url: str  # shown without its password
    engine: Engine
    in_use: bool = False
    lag_seconds: float | None = None
    reason: str = "not checked yet"
    checked_at: float = float("-inf")

    def as_dict(self) -> dict[str, Any]:
        lag = None if self.lag_seconds is None else round(self.lag_seconds, 3)
        return {"url": self.url, "in_use": self.in_use, "lag_seconds": lag, "reason": self.reason}


class ReadRouter:
    """Stands where a :class:`Store` expects its engine, for readers: ``connect()`` lends a
    connection to a healthy replica (in turn), else to the primary; ``begin()`` — a transaction
    that may write — always goes to the primary."""

    def __init__(
        self,
        primary: Engine,
        replica_urls: list[str],
        *,
        max_lag_seconds: float = 30.0,
        check_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if replica_urls and primary.dialect.name != "postgresql":
            raise ValueError("database_replica_urls: replicas need a PostgreSQL primary")
        self.primary = primary
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self._clock = clock
        self.replicas = [
            ReplicaState(
                url=make_url(url).render_as_string(hide_password=True),
                engine=create_db_engine(url, connect_timeout=CONNECT_TIMEOUT),
            )
            for url in replica_urls
        ]
        self._turn = itertools.count()
        self._lock = threading.Lock()

    # -- the engine surface readers use ------------------------------------------------------

    @property
    def dialect(self) -> Any:
        return self.primary.dialect

    @property
    def url(self) -> Any:
        return self.primary.url

    def connect(self) -> Connection:
        for replica in self._in_use():
            try:
                return replica.engine.connect()
            except DBAPIError as exc:
                self._mark_down(replica, f"connection failed: {type(exc.orig).__name__}")
        return self.primary.connect()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.primary.begin() as conn:
            yield conn

    def dispose(self) -> None:
        for replica in self.replicas:
            replica.engine.dispose()

    # -- health ------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """For ``/readyz``: where reads go and what each replica's last check found."""
        self.refresh()
        used = [r.url for r in self.replicas if r.in_use]
        return {
            "reads_from": "replicas" if used else "primary",
            "replicas": [r.as_dict() for r in self.replicas],
        }

    def refresh(self, *, force: bool = False) -> None:
        """Check every replica whose last check is older than ``check_seconds``."""
        now = self._clock()
        due = [r for r in self.replicas if force or now - r.checked_at >= self.check_seconds]
        if not due or not self._lock.acquire(blocking=force):
            return  # another thread is checking; the previous verdicts stand meanwhile
        try:
            for replica in due:
                self._check(replica)
        finally:
            self._lock.release()

    def _in_use(self) -> list[ReplicaState]:
        self.refresh()
        healthy = [r for r in self.replicas if r.in_use]
        if len(healthy) > 1:
            start = next(self._turn) % len(healthy)
            healthy = healthy[start:] + healthy[:start]
        return healthy

    def _lag(self, replica: ReplicaState) -> float:
        with replica.engine.connect() as conn:
            return float(conn.execute(LAG_SQL).scalar_one())

    def _check(self, replica: ReplicaState) -> None:
        was = replica.in_use
        try:
            lag = self._lag(replica)
            if lag > self.max_lag_seconds:
                time.sleep(RECHECK_DELAY)
                lag = self._lag(replica)
        except DBAPIError as exc:
            replica.lag_seconds = None
            replica.in_use = False
            replica.reason = f"unreachable: {type(exc.orig).__name__}"
        else:
            replica.lag_seconds = lag
            replica.in_use = lag <= self.max_lag_seconds
            replica.reason = (
                "ok"
                if replica.in_use
                else f"lagging {lag:.1f} s behind (limit {self.max_lag_seconds:g} s)"
            )
        replica.checked_at = self._clock()
        if was != replica.in_use:
            log.warning(
                "replica %s %s", replica.url, "in use" if replica.in_use else replica.reason
            )

    def _mark_down(self, replica: ReplicaState, reason: str) -> None:
        replica.in_use = False
        replica.reason = reason
        replica.checked_at = self._clock()
        replica.engine.dispose()  # its pooled connections are dead too
        log.warning("replica %s skipped: %s", replica.url, reason)


def reading_store(settings: Any, store: Any) -> tuple[Any, ReadRouter | None]:
    """The store web readers use: ``store`` itself, or — with ``database_replica_urls`` — a
    store on a :class:`ReadRouter` over the replicas (its writes still reach the primary)."""
    urls = parse_replica_urls(settings.replicas.database_replica_urls)
    if not urls:
        return store, None
    from nashra.store.store import Store

    router = ReadRouter(
        store.engine,
        urls,
        max_lag_seconds=settings.replicas.replica_max_lag_seconds,
        check_seconds=settings.replicas.replica_check_seconds,
    )
    return Store(router), router  # type: ignore[arg-type]

"""Claiming due feeds with leases, and writing back what a poll decided.

One code path for both databases. On PostgreSQL a claim is one short transaction that locks the
due rows with ``FOR UPDATE SKIP LOCKED`` (concurrent workers skip each other's rows instead of
waiting) and each candidate host's ``crawl_hosts`` row the same way, counts that host's live
leases while holding its row, and stamps ``lease_owner``/``lease_until`` on what it takes. On
SQLite (one worker process) the same statements run inside ``BEGIN IMMEDIATE``, which serialises
writers; ``FOR UPDATE`` renders to nothing there.

A lease is renewed while its poll runs; a worker killed mid-poll simply stops renewing, and once
``lease_until`` passes the feed is due again for anyone. Every write-back is fenced on
``lease_owner`` so a worker that lost its lease cannot overwrite the new holder's schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, func, or_, select, update

from nashra.schedule.policy import Decision
from nashra.store import Store
from nashra.store.db import upsert
from nashra.store.schema import crawl_hosts, feeds

log = logging.getLogger("nashra.schedule")


def host_of(url: str) -> str:
    """The politeness key of a feed URL: its lower-case host name."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def ensure_hosts(store: Store) -> int:
    """Give feeds added since the last call their host, and each host its ``crawl_hosts`` row.

    Feeds are added by the registry sync and autodiscovery, which know nothing of hosts.
    """
    with store.connect() as conn:
        missing = list(conn.execute(select(feeds.c.id, feeds.c.url).where(feeds.c.host.is_(None))))
        known = set(conn.execute(select(crawl_hosts.c.host)).scalars())
        hosts = set(
            conn.execute(select(feeds.c.host).where(feeds.c.host.is_not(None)).distinct()).scalars()
        )
    if missing:
        with store.begin() as conn:
            for row in missing:
                host = host_of(row.url)
                hosts.add(host)
                conn.execute(update(feeds).where(feeds.c.id == row.id).values(host=host))
    added = [{"host": host} for host in sorted(hosts - known)]
    if added:
        with store.begin() as conn:
            upsert(conn, crawl_hosts, added, ["host"])  # another worker may add one first
    return len(missing)


def _due(now: datetime) -> Any:
    return and_(
        feeds.c.enabled.is_(True),
        feeds.c.host.is_not(None),
        or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now),
        or_(feeds.c.lease_until.is_(None), feeds.c.lease_until < now),
    )


def _order() -> tuple[Any, Any]:
    return (feeds.c.next_poll_at.asc().nulls_first(), feeds.c.id)


def claim_due(
    store: Store,
    owner: str,
    now: datetime,
    *,
    limit: int,
    lease_seconds: float,
    per_host: int,
    busy_hosts: Iterable[str] = (),
) -> list[Any]:
    """Lease up to ``limit`` due feeds to ``owner``, at most one per host per call, never a host
    this worker is already polling (``busy_hosts``) nor one with ``per_host`` live leases or a
    host-wide Retry-After still running. Returns the claimed feed rows, most overdue first."""
    if limit <= 0:
        return []
    busy = sorted(set(busy_hosts))
    with store.write_transaction() as conn:
        full = (
            select(feeds.c.host)
            .where(feeds.c.lease_until >= now, feeds.c.host.is_not(None))
            .group_by(feeds.c.host)
            .having(func.count() >= max(1, per_host))
        )
        held = select(crawl_hosts.c.host).where(crawl_hosts.c.next_request_at > now)
        excluded = set(conn.execute(full).scalars()) | set(conn.execute(held).scalars())
        excluded.update(busy)
        rank = func.row_number().over(partition_by=feeds.c.host, order_by=_order()).label("rank")
        where = _due(now)
        if excluded:
            where = and_(where, feeds.c.host.not_in(sorted(excluded)))
        ranked = select(feeds.c.id, rank).where(where).subquery()
        first_per_host = select(ranked.c.id).where(ranked.c.rank == 1)
        rows = list(
            conn.execute(
                select(feeds)
                .where(feeds.c.id.in_(first_per_host), _due(now))
                .order_by(*_order())
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not rows:
            return []
        hosts = sorted({r.host for r in rows})
        locked = set(
            conn.execute(
                select(crawl_hosts.c.host)
                .where(
                    crawl_hosts.c.host.in_(hosts),
                    or_(
                        crawl_hosts.c.next_request_at.is_(None),
                        crawl_hosts.c.next_request_at <= now,
                    ),
                )
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not locked:
            return []
        live = dict(
            conn.execute(
                select(feeds.c.host, func.count())
                .where(feeds.c.host.in_(sorted(locked)), feeds.c.lease_until >= now)
                .group_by(feeds.c.host)
            ).all()
        )
        chosen = [r for r in rows if r.host in locked and live.get(r.host, 0) < per_host]
        if not chosen:
            return []
        until = now + timedelta(seconds=lease_seconds)
        ids = [r.id for r in chosen]
        claimed = conn.execute(
            update(feeds)
            .where(feeds.c.id.in_(ids))
            .values(lease_owner=owner, lease_until=until)
            .returning(*feeds.c)
        ).all()
        order = {fid: n for n, fid in enumerate(ids)}
        return sorted(claimed, key=lambda r: order[r.id])


def claimable(store: Store, now: datetime) -> int:
    """Due feeds no one holds, on hosts not under a Retry-After: what is left to poll now."""
    held = select(crawl_hosts.c.host).where(crawl_hosts.c.next_request_at > now)
    with store.connect() as conn:
        return conn.execute(
            select(func.count()).where(_due(now), feeds.c.host.not_in(held))
        ).scalar_one()


def claim_feed(store: Store, owner: str, feed_id: int, now: datetime, lease_seconds: float) -> Any:
    """Lease one given feed now (a manual check), due or not, enabled or not; None when
    another worker holds it."""
    with store.write_transaction() as conn:
        row = conn.execute(
            select(feeds).where(feeds.c.id == feed_id).with_for_update(skip_locked=True)
        ).first()
        if row is None or (row.lease_until is not None and row.lease_until >= now):
            return None
        conn.execute(
            update(feeds)
            .where(feeds.c.id == feed_id)
            .values(
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_seconds),
                host=row.host or host_of(row.url),
            )
        )
        return conn.execute(select(feeds).where(feeds.c.id == feed_id)).first()


def renew_leases(store: Store, owner: str, feed_ids: Iterable[int], until: datetime) -> int:
    """Push the expiry of ``owner``'s leases on ``feed_ids``; returns how many it still holds."""
    ids = sorted(set(feed_ids))
    if not ids:
        return 0
    with store.begin() as conn:
        result = conn.execute(
            update(feeds)
            .where(feeds.c.id.in_(ids), feeds.c.lease_owner == owner)
            .values(lease_until=until)
        )
        return result.rowcount


def release_leases(store: Store, owner: str, feed_ids: Iterable[int]) -> int:
    """Give feeds back unpolled (shutdown): they stay due, so any worker takes them next."""
    ids = sorted(set(feed_ids))
    if not ids:
        return 0
    with store.begin() as conn:
        return conn.execute(
            update(feeds)
            .where(feeds.c.id.in_(ids), feeds.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        ).rowcount


def failures_of(store: Store, feed_id: int) -> tuple[int, str | None]:
    """The feed's run of consecutive failures (kept by the crawl) and its WebSub state."""
    with store.connect() as conn:
        row = conn.execute(
            select(feeds.c.error_count, feeds.c.websub_state, feeds.c.websub_expires_at).where(
                feeds.c.id == feed_id
            )
        ).first()
    if row is None:
        return 0, None
    return int(row.error_count or 0), row.websub_state


def apply_decision(
    store: Store,
    owner: str,
    feed_id: int,
    host: str | None,
    decision: Decision,
    now: datetime,
    *,
    new_items: int,
    error_kind: str | None,
    enable: bool = False,
) -> bool:
    """Write the schedule back and drop the lease; False when the lease was lost meanwhile."""
    values: dict[str, Any] = {
        "lease_owner": None,
        "lease_until": None,
        "next_poll_at": decision.next_poll_at,
        "last_polled_at": now,
        "last_error_kind": error_kind,
    }
    if decision.interval is not None:
        values["poll_interval"] = decision.interval
    if new_items:
        values["last_new_item_at"] = now
    if decision.disable:
        values["enabled"] = False
        values["disabled_reason"] = decision.disabled_reason
    elif enable:
        values.update(enabled=True, disabled_reason=None, error_count=0)
    with store.begin() as conn:
        done = conn.execute(
            update(feeds)
            .where(feeds.c.id == feed_id, feeds.c.lease_owner == owner)
            .values(**values)
        ).rowcount
        if decision.host_retry_at is not None and host:
            conn.execute(
                update(crawl_hosts)
                .where(
                    crawl_hosts.c.host == host,
                    or_(
                        crawl_hosts.c.next_request_at.is_(None),
                        crawl_hosts.c.next_request_at < decision.host_retry_at,
                    ),
                )
                .values(next_request_at=decision.host_retry_at)
            )
    if not done:
        log.warning("lease lost before write-back feed_id=%s owner=%s", feed_id, owner)
    return bool(done)


def enable_feeds(store: Store, feed_ids: Iterable[int], now: datetime) -> int:
    """Switch feeds back on by hand: failures forgotten, due at once."""
    ids = sorted(set(feed_ids))
    if not ids:
        return 0
    with store.begin() as conn:
        return conn.execute(
            update(feeds)
            .where(feeds.c.id.in_(ids))
            .values(enabled=True, disabled_reason=None, error_count=0, next_poll_at=now)
        ).rowcount


def make_due(store: Store, feed_id: int, now: datetime) -> None:
    """Bring a feed's next poll forward to ``now`` (a WebSub push announced new items)."""
    with store.begin() as conn:
        conn.execute(
            update(feeds)
            .where(
                feeds.c.id == feed_id,
                or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at > now),
            )
            .values(next_poll_at=now)
        )

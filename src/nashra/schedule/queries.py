"""Read queries of the schedule: what ``nashra sources status``, ``/metrics`` and ``/readyz``
show, and the outlet activity the policy measures publishing rate from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from nashra.schedule.policy import WEEK
from nashra.store import Store
from nashra.store.schema import articles, feeds


def _aware(value: Any) -> datetime | None:
    """Aggregates (min/max) lose the column type on SQLite: bring them back to aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# Items dated a little in the future (clock skew at the outlet) still count as published.
_SKEW = timedelta(hours=1)


def outlet_activity(store: Store, source: str, now: datetime) -> tuple[int, datetime | None]:
    """How many of the outlet's items were published in the week before ``now``, and the
    oldest of them. (Articles are kept per outlet, not per feed, so the rate is the outlet's.)"""
    with store.connect() as conn:
        row = conn.execute(
            select(func.count(), func.min(articles.c.published)).where(
                articles.c.source == source,
                articles.c.published > now - WEEK,
                articles.c.published <= now + _SKEW,
            )
        ).one()
    oldest = _aware(row[1])
    return int(row[0]), oldest


@dataclass
class FeedStatus:
    """One line of ``nashra sources status``."""

    id: int
    source: str
    url: str
    enabled: bool
    last_polled_at: datetime | None
    last_new_item_at: datetime | None
    next_poll_at: datetime | None
    poll_interval: int | None
    error_count: int
    last_status: int | None
    why: str
    leased_by: str | None
    websub: str | None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        return data


def _why(row: Any, now: datetime) -> str:
    if not row.enabled:
        return f"disabled: {row.disabled_reason}" if row.disabled_reason else "disabled"
    if row.lease_until is not None and row.lease_until >= now:
        return f"being polled by {row.lease_owner}"
    if row.last_error:
        kind = f" ({row.last_error_kind})" if row.last_error_kind else ""
        return f"failing{kind}: {row.last_error}"
    if row.last_polled_at is None:
        return "new: due now"
    if row.last_status == 304:
        return "unchanged (304)"
    return "ok"


def feed_statuses(
    store: Store, now: datetime, *, source: str | None = None, failing_only: bool = False
) -> list[FeedStatus]:
    """Every feed (of one outlet, or only failing/disabled ones) with its schedule and why."""
    query = select(feeds).order_by(feeds.c.source, feeds.c.id)
    if source:
        query = query.where(feeds.c.source == source)
    if failing_only:
        query = query.where(or_(feeds.c.error_count > 0, feeds.c.enabled.is_(False)))
    with store.connect() as conn:
        rows = list(conn.execute(query))
    return [
        FeedStatus(
            id=r.id,
            source=r.source,
            url=r.url,
            enabled=bool(r.enabled),
            last_polled_at=r.last_polled_at,
            last_new_item_at=r.last_new_item_at,
            next_poll_at=r.next_poll_at,
            poll_interval=r.poll_interval,
            error_count=int(r.error_count or 0),
            last_status=r.last_status,
            why=_why(r, now),
            leased_by=r.lease_owner if r.lease_until and r.lease_until >= now else None,
            websub=r.websub_state,
        )
        for r in rows
    ]


@dataclass
class QueueState:
    """The crawl queue at one instant (metrics, readiness)."""

    feeds: int
    enabled: int
    disabled: int
    due: int
    leased: int
    lag_seconds: float  # now − the oldest due feed's next poll time (0 when none is overdue)


def queue_state(store: Store, now: datetime) -> QueueState:
    due = and_(
        feeds.c.enabled.is_(True),
        or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= now),
        or_(feeds.c.lease_until.is_(None), feeds.c.lease_until < now),
    )
    with store.connect() as conn:
        total, enabled = conn.execute(
            select(func.count(), func.count().filter(feeds.c.enabled.is_(True)))
        ).one()
        due_count, oldest, never = conn.execute(
            select(
                func.count(),
                func.min(feeds.c.next_poll_at),
                func.count().filter(feeds.c.next_poll_at.is_(None)),
            ).where(due)
        ).one()
        leased = conn.execute(select(func.count()).where(feeds.c.lease_until >= now)).scalar_one()
    oldest = _aware(oldest)
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return QueueState(
        feeds=int(total),
        enabled=int(enabled),
        disabled=int(total) - int(enabled),
        due=int(due_count),
        leased=int(leased),
        lag_seconds=lag,
    )

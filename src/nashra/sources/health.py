"""The outlet health board (``/admin/outlets``, ``nashra sources status --outlets --json``): per
outlet and feed, whether it answers, what it publishes and how well we read it; worst first.

Figures over the archive look at the outlet's articles fetched in the last ``days`` (7), through
the ``(source, published)`` index; poll error rates come from ``feed_polls`` (a week per feed).
An outlet is **silent** when its newest article is older than three times its usual gap between
articles (the median gap over the last 30 days, at least an hour) — it stopped publishing, or we
stopped reading it, without any error to show for it.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from nashra.store import Store
from nashra.store.schema import articles, feed_polls, feeds, sources

__all__ = ["FeedHealth", "OutletHealth", "outlet_health", "silent_outlets", "sparkline"]

SPARK = "▁▂▃▄▅▆▇█"
SILENT_FACTOR = 3
MIN_GAP = timedelta(hours=1)
HISTORY = timedelta(days=30)


def sparkline(values: list[int]) -> str:
    """``values`` as a line of block characters (all lowest when all are zero)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] for v in values)


@dataclass
class FeedHealth:
    id: int
    url: str
    enabled: bool
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    error_rate_24h: float | None  # failed polls / polls; None without polls
    error_rate_7d: float | None
    polls_7d: int
    next_poll: str | None


@dataclass
class OutletHealth:
    slug: str
    name: str
    articles_7d: int
    per_day: list[int]  # articles per day, oldest first (``days`` days)
    sparkline: str
    partial_share: float | None
    median_body_chars: int | None
    no_image_share: float | None
    no_author_share: float | None
    no_date_share: float | None  # dated at the moment we fetched it: no date found
    copy_share: float | None
    last_article: str | None
    usual_gap_hours: float | None
    silent: bool
    feeds: list[FeedHealth] = field(default_factory=list)
    score: float = 0.0  # higher is worse

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _rate(failed: int, total: int) -> float | None:
    return round(failed / total, 3) if total else None


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def usual_gap(published: list[datetime]) -> timedelta | None:
    """The median gap between consecutive articles (None below three articles)."""
    times = sorted(published)
    if len(times) < 3:
        return None
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    return max(MIN_GAP, timedelta(seconds=statistics.median(gaps)))


def is_silent(last: datetime | None, gap: timedelta | None, now: datetime) -> bool:
    return last is not None and gap is not None and now - last > SILENT_FACTOR * gap


def _feeds_health(conn: Any, now: datetime) -> dict[str, list[FeedHealth]]:
    day, week = now - timedelta(days=1), now - timedelta(days=7)
    polls: dict[int, dict[str, Any]] = {}
    query = (
        select(
            feed_polls.c.feed_id,
            func.count().label("n7"),
            func.count().filter(~feed_polls.c.ok).label("f7"),
            func.count().filter(feed_polls.c.at >= day).label("n1"),
            func.count().filter(and_(feed_polls.c.at >= day, ~feed_polls.c.ok)).label("f1"),
            func.max(feed_polls.c.at).filter(feed_polls.c.ok).label("ok_at"),
            func.max(feed_polls.c.at).filter(~feed_polls.c.ok).label("err_at"),
        )
        .where(feed_polls.c.at >= week)
        .group_by(feed_polls.c.feed_id)
    )
    for r in conn.execute(query):
        polls[r.feed_id] = dict(r._mapping)
    out: dict[str, list[FeedHealth]] = {}
    for f in conn.execute(select(feeds).order_by(feeds.c.id)):
        p = polls.get(f.id, {})
        n7, n1 = int(p.get("n7") or 0), int(p.get("n1") or 0)
        f7, f1 = int(p.get("f7") or 0), int(p.get("f1") or 0)
        last_ok = _aware(p.get("ok_at"))
        if last_ok is None and f.last_polled_at is not None and not f.last_error:
            last_ok = _aware(f.last_polled_at)
        out.setdefault(f.source, []).append(
            FeedHealth(
                id=int(f.id), url=f.url, enabled=bool(f.enabled), last_success=_iso(last_ok),
                last_error=f.last_error or f.disabled_reason, last_error_at=_iso(_aware(p.get("err_at"))),
                error_rate_24h=_rate(f1, n1), error_rate_7d=_rate(f7, n7), polls_7d=n7,
                next_poll=_iso(_aware(f.next_poll_at)) if f.enabled else None,
            )
        )  # fmt: skip
    return out


def outlet_health(store: Store, now: datetime | None = None, days: int = 7) -> list[OutletHealth]:
    """Every outlet's figures, worst first."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    with store.connect() as conn:
        feed_rows = _feeds_health(conn, now)
        names = {r.slug: r.name_ar or r.name_fr or r.name_en or r.slug
                 for r in conn.execute(select(sources))}  # fmt: skip
        recent: dict[str, list[Any]] = {}
        cols = (
            articles.c.source, articles.c.published, articles.c.fetched_at, articles.c.partial,
            func.length(articles.c.body_text).label("chars"), articles.c.image_url,
            articles.c.image_id, articles.c.author, articles.c.copy_of,
        )  # fmt: skip
        for r in conn.execute(select(*cols).where(articles.c.fetched_at >= since)):
            recent.setdefault(r.source, []).append(r)
        history = _history(conn, now)
        last = dict(
            conn.execute(
                select(articles.c.source, func.max(articles.c.published))
                .where(articles.c.published <= now)
                .group_by(articles.c.source)
            ).all()
        )
    board = []
    for slug, name in names.items():
        rows = recent.get(slug, [])
        per_day = [0] * days
        for r in rows:
            index = (now - _aware(r.fetched_at)).days
            if 0 <= index < days:
                per_day[days - 1 - index] += 1
        gap = usual_gap(history.get(slug, []))
        newest = _aware(last.get(slug))
        health = OutletHealth(
            slug=slug, name=name, articles_7d=len(rows), per_day=per_day,
            sparkline=sparkline(per_day),
            partial_share=_share([bool(r.partial) for r in rows]),
            median_body_chars=int(statistics.median([r.chars or 0 for r in rows])) if rows else None,
            no_image_share=_share([not (r.image_url or r.image_id) for r in rows]),
            no_author_share=_share([not r.author for r in rows]),
            no_date_share=_share([abs((_aware(r.published) - _aware(r.fetched_at)).total_seconds()) < 5
                                  for r in rows]),
            copy_share=_share([r.copy_of is not None for r in rows]),
            last_article=_iso(newest),
            usual_gap_hours=round(gap.total_seconds() / 3600, 2) if gap else None,
            silent=is_silent(newest, gap, now),
            feeds=feed_rows.get(slug, []),
        )  # fmt: skip
        health.score = _score(health)
        board.append(health)
    board.sort(key=lambda h: (-h.score, h.slug))
    return board


def _score(h: OutletHealth) -> float:
    """Worst first: silent, then failing feeds, then poor extraction."""
    rates = [f.error_rate_24h or 0.0 for f in h.feeds if f.enabled]
    score = 10.0 * h.silent + 5.0 * max(rates, default=0.0)
    score += 2.0 * (h.partial_share or 0.0) + (h.no_author_share or 0.0) * 0.5
    score += (h.no_image_share or 0.0) * 0.5 + (h.no_date_share or 0.0) * 0.5
    return round(score, 3)


def _history(conn: Any, now: datetime) -> dict[str, list[datetime]]:
    """Each outlet's publication times over the last 30 days (its usual rhythm)."""
    history: dict[str, list[datetime]] = {}
    for source, published in conn.execute(
        select(articles.c.source, articles.c.published).where(
            articles.c.published >= now - HISTORY, articles.c.published <= now
        )
    ):
        history.setdefault(source, []).append(_aware(published))
    return history


def silent_outlets(store: Store, now: datetime | None = None) -> list[str]:
    """Slugs of the outlets that silently stopped publishing (for /metrics)."""
    now = now or datetime.now(UTC)
    with store.connect() as conn:
        history = _history(conn, now)
    return sorted(
        slug for slug, times in history.items() if is_silent(max(times), usual_gap(times), now)
    )

"""The headlines trending is computed from (one indexed range scan of ``articles``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from nashra.store.schema import articles, sources
from nashra.store.store import Store
from nashra.trending.detect import Headline

MAX_HEADLINES = 100_000  # a week of a very busy instance; older rows of the window are skipped


def latest_moment(store: Store, lang: str | None) -> datetime | None:
    query = select(func.max(articles.c.published))
    if lang:
        query = query.where(articles.c.lang == lang)
    with store.connect() as conn:
        return conn.execute(query).scalar()


def headlines(store: Store, since: datetime, until: datetime, lang: str | None) -> list[Headline]:
    query = (
        select(articles.c.title, articles.c.source, articles.c.published, articles.c.lang)
        .where(articles.c.published >= since, articles.c.published < until)
        .order_by(articles.c.published.desc())
        .limit(MAX_HEADLINES)
    )
    if lang:
        query = query.where(articles.c.lang == lang)
    with store.connect() as conn:
        return [Headline(r.title, r.source, r.published, r.lang) for r in conn.execute(query)]


def outlet_names(store: Store) -> list[str]:
    with store.connect() as conn:
        rows = conn.execute(
            select(sources.c.slug, sources.c.name_ar, sources.c.name_fr, sources.c.name_en)
        )
        return [name for row in rows for name in row if name]


def window_end(store: Store, lang: str | None, now: datetime | None = None) -> datetime | None:
    """The end of the trending window: now, or the newest article when the archive stopped
    growing earlier (an instance that stopped crawling, the demo)."""
    now = now or datetime.now(UTC)
    newest = latest_moment(store, lang)
    if newest is None:
        return None
    return min(now, newest + timedelta(seconds=1))

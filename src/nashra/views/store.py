"""Hourly view buckets: batched additions, and the most read articles of the last hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from nashra.store.db import upsert
from nashra.store.queries import Filters, latest_articles
from nashra.store.schema import article_views, articles
from nashra.store.store import Store

# The views of an (article, hour) bucket seen again are added to those already counted.
ADD_VIEWS = {"views": lambda new: article_views.c.views + new.views}


def add_views(store: Store, rows: Iterable[tuple[int, datetime, int]]) -> None:
    """Add ``views`` to each (article, hour) bucket in one transaction (an upsert; an article
    deleted since it was viewed is skipped)."""
    values = [{"article_pk": pk, "hour": hour, "views": views} for pk, hour, views in rows]
    if not values:
        return
    with store.begin() as conn:
        known = set(
            conn.execute(
                select(articles.c.pk).where(articles.c.pk.in_({v["article_pk"] for v in values}))
            ).scalars()
        )
        values = [v for v in values if v["article_pk"] in known]
        if not values:
            return
        upsert(conn, article_views, values, ["article_pk", "hour"], update=ADD_VIEWS)


def most_read(
    store: Store,
    *,
    since: datetime,
    section: str | None = None,
    lang: str | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """The articles read most since ``since`` (listing rows, with ``views``), most read first."""
    totals = (
        select(article_views.c.article_pk, func.sum(article_views.c.views).label("views"))
        .where(article_views.c.hour >= since)
        .group_by(article_views.c.article_pk)
        .subquery()
    )
    query = select(totals.c.article_pk, totals.c.views).join(
        articles, articles.c.pk == totals.c.article_pk
    )
    if section:
        query = query.where(articles.c.section == section)
    if lang:
        query = query.where(articles.c.lang == lang)
    query = query.order_by(totals.c.views.desc(), articles.c.published.desc()).limit(limit)
    with store.connect() as conn:
        ranked = [(r.article_pk, int(r.views)) for r in conn.execute(query)]
    if not ranked:
        return []
    rows = _rows(store, [pk for pk, _ in ranked])
    out = []
    for pk, views in ranked:
        if pk in rows:
            out.append({**rows[pk], "views": views})
    return out


def _rows(store: Store, pks: list[int]) -> dict[int, dict[str, Any]]:
    found, _ = latest_articles(store, Filters(pks=tuple(pks)), limit=len(pks))
    return {r["pk"]: r for r in found}


def hours_ago(now: datetime, hours: int) -> datetime:
    """The start of the bucket ``hours`` hours back (buckets are whole UTC hours)."""
    start = now.replace(minute=0, second=0, microsecond=0)
    return start - timedelta(hours=hours - 1)

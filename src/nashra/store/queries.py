"""Read side of the archive: the listings the portal, the feeds and the API show.

Listings use keyset pagination on ``(published, pk)``, newest first, so a page costs the same at
the millionth article as at the first, and a cursor stays valid while new articles arrive.
"""

from __future__ import annotations

import functools
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CompoundSelect, func, literal, select, union_all

from nashra.store.db import (
    CursorError,
    decode_cursor,
    encode_cursor,
    keyset_page,
    keyset_page_newer,
)
from nashra.store.schema import article_videos, articles, images, sources
from nashra.store.store import Store

__all__ = ["CursorError", "Filters", "decode_cursor", "encode_cursor", "latest_articles"]

LIST_COLUMNS = (
    articles.c.pk,
    articles.c.source,
    articles.c.num,
    articles.c.url,
    articles.c.title,
    articles.c.summary,
    articles.c.published,
    articles.c.updated,
    articles.c.author,
    articles.c.lang,
    articles.c.section,
    articles.c.partial,
    articles.c.copy_of,
    articles.c.image_id,
    images.c.width.label("image_width"),
    images.c.height.label("image_height"),
    images.c.state.label("image_state"),
    images.c.sha256.label("image_sha256"),
    sources.c.name_ar.label("source_name_ar"),
    sources.c.name_fr.label("source_name_fr"),
    sources.c.name_en.label("source_name_en"),
)


@dataclass
class Filters:
    """What a listing is narrowed to. Every field is optional."""

    source: str | None = None
    section: str | None = None
    author: str | None = None
    lang: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    originals_only: bool = False
    video: bool | None = None  # True: video articles only; False: none of them (issue 18)
    pks: tuple[int, ...] = ()  # these articles only

    def clauses(self) -> list[Any]:
        out: list[Any] = []
        if self.source:
            out.append(articles.c.source == self.source)
        if self.section:
            out.append(articles.c.section == self.section)
        if self.author:
            out.append(articles.c.author == self.author)
        if self.lang:
            out.append(articles.c.lang == self.lang)
        if self.since:
            out.append(articles.c.published >= self.since)
        if self.until:
            out.append(articles.c.published < self.until)
        if self.originals_only:
            out.append(articles.c.copy_of.is_(None))
        if self.pks:
            out.append(articles.c.pk.in_(self.pks))
        if self.video is not None:
            with_video = articles.c.pk.in_(select(article_videos.c.article_pk))
            out.append(with_video if self.video else ~with_video)
        return out


def _base_query():
    return select(*LIST_COLUMNS).select_from(
        articles.join(sources, sources.c.slug == articles.c.source).outerjoin(
            images, images.c.id == articles.c.image_id
        )
    )


def latest_articles(
    store: Store,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    cursor: str | None = None,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest articles matching ``filters``; returns the page and the cursor of the next page."""
    filters = filters or Filters()
    limit = max(1, min(int(limit), 200))
    query = _base_query().where(*filters.clauses())
    if offset:
        query = query.offset(offset)
    with store.connect() as conn:
        return keyset_page(
            conn, query, articles.c.published, articles.c.pk,
            cursor=cursor, limit=limit, position=article_position,
        )  # fmt: skip


def article_addresses(store: Store, filters: Filters, limit: int) -> list[Any]:
    """What a sitemap lists of the newest ``limit`` articles matching ``filters``: each one's
    ``source``, ``num``, ``lang``, ``published`` and ``updated``, in one statement (a day of a
    large archive holds thousands: a listing's pages of 200 read and joined every column)."""
    query = (
        select(articles.c.source, articles.c.num, articles.c.lang, articles.c.published,
               articles.c.updated)
        .where(*filters.clauses())
        .order_by(articles.c.published.desc(), articles.c.pk.desc())
        .limit(limit)
    )  # fmt: skip
    with store.connect() as conn:
        return conn.execute(query).all()


def latest_of_each(
    store: Store, filters: list[Filters], *, limit: int = 20
) -> list[list[dict[str, Any]]]:
    """:func:`latest_articles`'s first page for each of ``filters`` (the home's sections), in
    one statement: a ``UNION ALL`` of the listings instead of a round trip each."""
    if not filters:
        return []
    limit = max(1, min(int(limit), 200))
    statement = _latest_of_each_statement(tuple(astuple(f) for f in filters), limit)
    out: list[list[dict[str, Any]]] = [[] for _ in filters]
    with store.connect() as conn:
        for row in conn.execute(statement):
            fields = dict(row._mapping)
            out[fields.pop("listing")].append(fields)
    for rows in out:
        rows.sort(key=article_position, reverse=True)
    return out


@functools.lru_cache(maxsize=64)
def _latest_of_each_statement(shapes: tuple[tuple[Any, ...], ...], limit: int) -> CompoundSelect:
    """:func:`latest_of_each`'s statement for the filters ``shapes`` (their fields), built once:
    building a ``UNION ALL`` of eight subqueries costs SQLAlchemy ~5 ms (a sixth of the home
    page) and the same sections are asked for on every home page."""
    order = (articles.c.published.desc(), articles.c.pk.desc())
    parts = [
        select(literal(i).label("listing"), *part.c).select_from(part)
        for i, shape in enumerate(shapes)
        for part in [
            _base_query().where(*Filters(*shape).clauses()).order_by(*order).limit(limit).subquery()
        ]
    ]
    return union_all(*parts)


def article_position(row: dict[str, Any]) -> tuple[datetime, int]:
    """Where an article listing row stands in its keyset order."""
    return row["published"], row["pk"]


def count_articles(store: Store, filters: Filters | None = None) -> int:
    """Articles matching ``filters``; the whole archive (the footer) is the sum of the outlets'
    maintained counters, O(outlets), never a scan of millions of rows."""
    clauses = (filters or Filters()).clauses()
    if not clauses:
        query = select(func.coalesce(func.sum(sources.c.article_count), 0))
    else:
        query = select(func.count()).select_from(articles).where(*clauses)
    with store.connect() as conn:
        return int(conn.execute(query).scalar_one())


def get_article(store: Store, source: str, num: int) -> dict[str, Any] | None:
    """One article with its body, or None."""
    query = (
        _base_query()
        .add_columns(
            articles.c.body_html,
            articles.c.body_text,
            articles.c.guid,
            articles.c.categories,
            articles.c.image_url,
            articles.c.fetched_at,
        )
        .where(articles.c.source == source, articles.c.num == num)
    )
    with store.connect() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def list_sources(store: Store) -> list[dict[str, Any]]:
    """Every outlet with its article count and newest article date (both kept on the outlet's
    row by triggers on ``articles``: no scan of the archive)."""
    query = select(sources, sources.c.latest_published.label("latest")).order_by(sources.c.slug)
    with store.connect() as conn:
        out = []
        for row in conn.execute(query):
            item = dict(row._mapping)
            item["article_count"] = item["article_count"] or 0
            if item["latest"] is not None and item["latest"].tzinfo is None:
                item["latest"] = item["latest"].replace(tzinfo=UTC)
            out.append(item)
        return out


def get_source(store: Store, slug: str) -> dict[str, Any] | None:
    with store.connect() as conn:
        row = conn.execute(select(sources).where(sources.c.slug == slug)).first()
    return dict(row._mapping) if row else None


# -- read functions added for the portal (nashra.web) ----------------------------------------


def newer_articles(
    store: Store,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    cursor: str,
) -> tuple[list[dict[str, Any]], bool]:
    """The ``limit`` articles just newer than ``cursor``, newest first, and whether even newer
    ones exist. It is the way back through a keyset listing (the portal's rel=prev links)."""
    filters = filters or Filters()
    limit = max(1, min(int(limit), 200))
    query = _base_query().where(*filters.clauses())
    with store.connect() as conn:
        return keyset_page_newer(
            conn, query, articles.c.published, articles.c.pk, cursor=cursor, limit=limit
        )


def row_cursor(row: dict[str, Any]) -> str:
    """The cursor that points at ``row`` (a listing resumed from it starts just after it)."""
    return encode_cursor(row["published"], row["pk"])


def archive_version(store: Store) -> tuple[Any, ...]:
    """A fingerprint of the archive that changes when an article is added or updated, an outlet
    is added or removed, or an image changes state; the portal drops its cached pages when it
    changes. It is read about once a second, so every part is O(1) on a 50-million-row archive:
    ``max(pk)`` and ``max(updated)`` are one index step each (``ix_articles_updated``), outlets
    are a few hundred rows, and the images that are not visible (a small minority) have their
    own partial index (``ix_images_not_visible``): their count and id sum change when one is
    hidden or shown again. Never ``count(*)`` of articles: that is a full scan on PostgreSQL.

    An update is seen through ``updated``, which the store stamps on every change; an in-place
    update whose ``updated`` is older than the newest one already stored goes unseen until the
    next new article (the pages' own ``max-age`` bounds how stale a reader's copy can be)."""
    hidden = images.c.state != "visible"
    query = select(
        select(func.max(articles.c.pk)).scalar_subquery(),
        select(func.max(articles.c.updated)).scalar_subquery(),
        select(func.count()).select_from(sources).scalar_subquery(),
        select(func.max(images.c.id)).scalar_subquery(),
        select(func.count()).select_from(images).where(hidden).scalar_subquery(),
        select(func.coalesce(func.sum(images.c.id), 0)).where(hidden).scalar_subquery(),
    )
    with store.connect() as conn:
        max_pk, updated, outlets, max_image, hidden_count, hidden_sum = conn.execute(query).one()
    if isinstance(updated, str):  # SQLite returns max() of a timestamp column as text
        stamp: str | None = updated
    else:
        stamp = updated.isoformat() if updated is not None else None
    return (max_pk, stamp, outlets, max_image, int(hidden_count or 0), int(hidden_sum or 0))


def article_pk(store: Store, source: str, num: int) -> int | None:
    """The primary key of ``source``'s article ``num``, or None."""
    query = select(articles.c.pk).where(articles.c.source == source, articles.c.num == num)
    with store.connect() as conn:
        return conn.execute(query).scalar()


def article_keys(store: Store, pks: list[int]) -> dict[int, tuple[str, int, str]]:
    """``pk → (source, num, lang)`` for the given articles (to link a copy to its original)."""
    out: dict[int, tuple[str, int, str]] = {}
    wanted = sorted({pk for pk in pks if pk is not None})
    if not wanted:
        return out
    with store.connect() as conn:
        for i in range(0, len(wanted), 500):
            query = select(articles.c.pk, articles.c.source, articles.c.num, articles.c.lang).where(
                articles.c.pk.in_(wanted[i : i + 500])
            )
            for row in conn.execute(query):
                out[row.pk] = (row.source, row.num, row.lang)
    return out


def published_range(
    store: Store, filters: Filters | None = None
) -> tuple[datetime | None, datetime | None]:
    """The oldest and newest publication dates of the matching articles."""
    filters = filters or Filters()
    query = select(func.min(articles.c.published), func.max(articles.c.published)).where(
        *filters.clauses()
    )
    with store.connect() as conn:
        low, high = conn.execute(query).one()
    fix = lambda d: d.replace(tzinfo=UTC) if d is not None and d.tzinfo is None else d  # noqa: E731
    return fix(low), fix(high)

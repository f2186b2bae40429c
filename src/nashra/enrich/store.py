"""Writes of enrichment: labels of one article, moderators' corrections, the archive rebuild.

Every write is one short transaction keyed by the article's pk, so running them twice changes
nothing and a crash loses at most the article being written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from nashra.enrich.article import Enrichment, enrich_article
from nashra.enrich.sections import MODERATOR
from nashra.model import Article
from nashra.search.index import refresh_facets
from nashra.sections import SECTIONS
from nashra.sources.registry import Source
from nashra.store.schema import article_regions, articles, section_corrections, sources
from nashra.store.store import Store


class ArticleNotFound(LookupError):
    """No article has that outlet and number."""


# Built once: written for every stored article.
_MODERATED = (
    select(section_corrections.c.section)
    .where(section_corrections.c.article_pk == bindparam("b_pk"))
    .order_by(section_corrections.c.id.desc())
    .limit(1)
)
_LABELS = update(articles).where(articles.c.pk == bindparam("b_pk"))
_CLEAR_REGIONS = delete(article_regions).where(article_regions.c.article_pk == bindparam("b_pk"))
_PUBLISHED = select(articles.c.pk, articles.c.published).where(
    articles.c.pk.in_(bindparam("b_pks", expanding=True))
)
_ADD_REGION = insert(article_regions)


def _moderated_section(conn: Connection, pk: int) -> str | None:
    row = conn.execute(_MODERATED, {"b_pk": pk}).first()
    return row.section if row else None


def _labels(conn: Connection, pk: int, enrichment: Enrichment, fresh: bool) -> dict[str, Any]:
    """The row values of an article's labels (a moderator's section outlives re-crawls and
    rebuilds); an article already stored loses its old regions here (``fresh``: the row was
    inserted in this transaction, so it has neither)."""
    values: dict[str, Any] = {
        "b_pk": pk,
        "section": enrichment.section,
        "section_source": enrichment.section_source,
        "section_confidence": enrichment.section_confidence,
        "author": enrichment.author,
        "author_key": enrichment.author_key,
        "agency": enrichment.agency,
        "byline": enrichment.byline,
    }
    if fresh:
        return values
    moderated = _moderated_section(conn, pk)
    if moderated:
        values.update(section=moderated, section_source=MODERATOR, section_confidence=1.0)
    conn.execute(_CLEAR_REGIONS, {"b_pk": pk})
    return values


def write_enrichments(
    conn: Connection, labelled: Sequence[tuple[int, Enrichment, bool]]
) -> list[str | None]:
    """The labels of ``(pk, enrichment, fresh)`` articles, in the transaction that saved them
    (``nashra.ingest`` side rows; ``fresh``: inserted in it): one labels statement and one
    regions statement for the whole batch. Returns the section each article now has."""
    rows = [_labels(conn, pk, enrichment, fresh) for pk, enrichment, fresh in labelled]
    if rows:
        conn.execute(_LABELS, rows)
    with_regions = [(pk, enrichment) for pk, enrichment, _ in labelled if enrichment.regions]
    if with_regions:
        published = dict(conn.execute(_PUBLISHED, {"b_pks": [pk for pk, _ in with_regions]}).all())
        conn.execute(
            _ADD_REGION,
            [
                {"article_pk": pk, "region": m.slug, "score": m.score, "published": published[pk]}
                for pk, enrichment in with_regions
                for m in enrichment.regions
            ],
        )
    return [row["section"] for row in rows]


def _write(conn: Connection, pk: int, enrichment: Enrichment) -> str | None:
    """Store the labels of one stored article; returns the section it now has."""
    return write_enrichments(conn, [(pk, enrichment, False)])[0]


def save_enrichment(store: Store, pk: int, enrichment: Enrichment) -> None:
    """Store what :func:`enrich_article` decided for the saved article ``pk``."""
    with store.begin() as conn:
        _write(conn, pk, enrichment)
        refresh_facets(conn, pk)


def set_section(store: Store, source: str, num: int, section: str, moderator: str) -> str | None:
    """A moderator files article ``/{source}/{num}`` under ``section``; returns the previous
    section. The correction is logged (who, when, from what) and survives rebuilds.

    Raises ValueError for an unknown section and :class:`ArticleNotFound` for a missing article.
    """
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}: one of {', '.join(SECTIONS)}")
    with store.begin() as conn:
        row = conn.execute(
            select(articles.c.pk, articles.c.section).where(
                articles.c.source == source, articles.c.num == num
            )
        ).first()
        if row is None:
            raise ArticleNotFound(f"no article /{source}/{num}")
        conn.execute(
            insert(section_corrections).values(
                article_pk=row.pk,
                previous=row.section,
                section=section,
                moderator=moderator or "",
                created_at=datetime.now(UTC),
            )
        )
        conn.execute(
            update(articles)
            .where(articles.c.pk == row.pk)
            .values(section=section, section_source=MODERATOR, section_confidence=1.0)
        )
        refresh_facets(conn, row.pk)
        return row.section


@dataclass
class RebuildReport:
    """What ``rebuild`` did: articles seen, and how many changed section / author / regions."""

    articles: int = 0
    sections_changed: int = 0
    authors_changed: int = 0
    with_regions: int = 0
    by_source: dict[str, int] = field(default_factory=dict)


def _sources_of(store: Store, registry: Iterable[Source]) -> dict[str, Source]:
    known = {s.slug: s for s in registry}
    with store.connect() as conn:
        for row in conn.execute(select(sources)):
            if row.slug not in known:  # an outlet gone from the registry: its stored names
                known[row.slug] = Source.from_row(row)
    return known


def rebuild(
    store: Store,
    registry: Iterable[Source],
    *,
    batch: int = 500,
    on_progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Recompute sections, regions and authors of every stored article (moderators' sections
    stay). Walks the archive by pk in batches, one transaction per batch."""
    outlets = _sources_of(store, registry)
    report = RebuildReport()
    last = 0
    columns = (
        articles.c.pk, articles.c.source, articles.c.url, articles.c.title, articles.c.summary,
        articles.c.body_text, articles.c.lang, articles.c.categories, articles.c.author,
        articles.c.byline, articles.c.section,
    )  # fmt: skip
    while True:
        with store.connect() as conn:
            rows = list(
                conn.execute(
                    select(*columns)
                    .where(articles.c.pk > last)
                    .order_by(articles.c.pk)
                    .limit(batch)
                )
            )
        if not rows:
            break
        with store.begin() as conn:
            for row in rows:
                source = outlets.get(row.source) or Source(slug=row.source)
                article = Article(
                    source=row.source,
                    url=row.url,
                    title=row.title,
                    summary=row.summary,
                    body_text=row.body_text,
                    lang=row.lang,
                    categories=[c for c in (row.categories or "").split("\n") if c],
                    author=row.author,
                )
                enrichment = enrich_article(article, source, byline=row.byline or row.author)
                section = _write(conn, row.pk, enrichment)
                if section != row.section:
                    refresh_facets(conn, row.pk)
                report.articles += 1
                report.by_source[row.source] = report.by_source.get(row.source, 0) + 1
                report.sections_changed += enrichment.section != row.section
                report.authors_changed += enrichment.author != row.author
                report.with_regions += bool(enrichment.regions)
        last = rows[-1].pk
        if on_progress:
            on_progress(len(rows))
    return report


def count_articles(store: Store) -> int:
    """How many articles a rebuild will walk (for the progress bar)."""
    from sqlalchemy import func

    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(articles)).scalar_one()

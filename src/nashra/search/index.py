"""Writes of the search index: one article (called by the store inside its own transaction) and
the whole archive (``nashra reindex``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, select, text

from nashra.search.documents import IndexDocument, build_document, document_of, writer
from nashra.search.facets import facet_tokens
from nashra.search.tables import TABLE, fts, pg_search
from nashra.store.db import for_dialect
from nashra.store.schema import articles
from nashra.text.article import AnalysedText

if TYPE_CHECKING:
    from nashra.store.store import Store

log = logging.getLogger("nashra.search")

__all__ = [
    "IndexWriter",
    "index_writer",
    "index_analysed",
    "index_documents",
    "index_status",
    "refresh_facets",
    "reindex",
    "unindex_article",
]

BATCH = 500

_SQLITE_DELETE = text(f"DELETE FROM {TABLE} WHERE rowid = :pk")
_SQLITE_INSERT = text(
    f"INSERT INTO {TABLE} (rowid, title, body, author, title_words, body_words, facets) "
    "VALUES (:pk, :title, :body, :author, :title_words, :body_words, :facets)"
)
_SQLITE_FACETS = text(f"UPDATE {TABLE} SET facets = :facets WHERE rowid = :pk")
_FACET_COLUMNS = (articles.c.source, articles.c.section, articles.c.lang, articles.c.published)
_FACETS_OF = select(articles.c.pk, *_FACET_COLUMNS).where(
    articles.c.pk.in_(bindparam("pks", expanding=True))
)
# The facet tokens (one space-separated string, as FTS5 takes them) as lexemes without positions.
_PG_FACET_LEXEMES = "array_to_tsvector(string_to_array(:facets, ' '))"
_PG_UPSERT = text(
    f"INSERT INTO {TABLE} (article_pk, terms, words, author, facets) VALUES (:pk, "
    "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :body), 'D'), "
    "setweight(to_tsvector('simple', :title_words), 'A') "
    "|| setweight(to_tsvector('simple', :body_words), 'D'), "
    f"to_tsvector('simple', :author), {_PG_FACET_LEXEMES}) "
    "ON CONFLICT (article_pk) DO UPDATE SET "
    "terms = excluded.terms, words = excluded.words, author = excluded.author, "
    "facets = excluded.facets"
)
_PG_FACETS = text(f"UPDATE {TABLE} SET facets = {_PG_FACET_LEXEMES} WHERE article_pk = :pk")


def _params(pk: int, doc: IndexDocument) -> dict[str, Any]:
    return {
        "pk": pk,
        "title": doc.title,
        "body": doc.body,
        "author": doc.author,
        "title_words": doc.title_words,
        "body_words": doc.body_words,
        "facets": doc.facets,
    }


class IndexWriter:
    """The writes of one search backend (the reads live in ``nashra.search.backends``): the
    one place that knows how each database keeps the index."""

    def write(self, conn: Connection, params: list[dict[str, Any]], *, fresh: bool = False) -> None:
        """Write (or replace) index rows; ``fresh``: their articles were inserted in this
        transaction, so there is nothing to replace."""
        raise NotImplementedError

    def delete(self, conn: Connection, pk: int) -> None:
        raise NotImplementedError

    def count(self, conn: Connection) -> int:
        raise NotImplementedError

    def clear(self, conn: Connection) -> None:
        raise NotImplementedError

    def missing(self) -> ColumnElement[bool]:
        """A clause on ``articles``: the article has no index entry."""
        raise NotImplementedError

    def optimize(self, conn: Connection) -> None:
        raise NotImplementedError

    def set_facets(self, conn: Connection, pk: int, facets: str) -> None:
        """Replace the facet tokens of article ``pk``'s row."""
        raise NotImplementedError


class Fts5Writer(IndexWriter):
    """SQLite: an FTS5 table keyed by the article's rowid, with its facet tokens."""

    def write(self, conn: Connection, params: list[dict[str, Any]], *, fresh: bool = False) -> None:
        # Replace, never duplicate: an article saved by the crawler during a rebuild may be here.
        if not fresh:
            conn.execute(_SQLITE_DELETE, [{"pk": p["pk"]} for p in params])
        conn.execute(_SQLITE_INSERT, params)

    def delete(self, conn: Connection, pk: int) -> None:
        conn.execute(_SQLITE_DELETE, {"pk": pk})

    def count(self, conn: Connection) -> int:
        return conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one()

    def clear(self, conn: Connection) -> None:
        conn.execute(text(f"DELETE FROM {TABLE}"))

    def missing(self) -> ColumnElement[bool]:
        return articles.c.pk.not_in(select(fts.c.rowid))

    def optimize(self, conn: Connection) -> None:
        conn.execute(text(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')"))

    def set_facets(self, conn: Connection, pk: int, facets: str) -> None:
        conn.execute(_SQLITE_FACETS, {"pk": pk, "facets": facets})


class TsvectorWriter(IndexWriter):
    """PostgreSQL: weighted ``tsvector`` columns in a table keyed by the article's pk, and the
    facet tokens as a ``tsvector`` of lexemes without positions (migration 0017)."""

    def write(self, conn: Connection, params: list[dict[str, Any]], *, fresh: bool = False) -> None:
        conn.execute(_PG_UPSERT, params)

    def delete(self, conn: Connection, pk: int) -> None:
        conn.execute(pg_search.delete().where(pg_search.c.article_pk == pk))

    def count(self, conn: Connection) -> int:
        return conn.execute(select(func.count()).select_from(pg_search)).scalar_one()

    def clear(self, conn: Connection) -> None:
        conn.execute(pg_search.delete())

    def missing(self) -> ColumnElement[bool]:
        return articles.c.pk.not_in(select(pg_search.c.article_pk))

    def optimize(self, conn: Connection) -> None:
        conn.execute(text(f"ANALYZE {TABLE}"))

    def set_facets(self, conn: Connection, pk: int, facets: str) -> None:
        conn.execute(_PG_FACETS, {"pk": pk, "facets": facets})


_FTS5, _TSVECTOR = Fts5Writer(), TsvectorWriter()


def index_writer(bind: Any) -> IndexWriter:
    """The index writer of a connection's (or a ``Store``'s) database."""
    return for_dialect(bind, sqlite=_FTS5, postgresql=_TSVECTOR)


def index_documents(
    conn: Connection, docs: Iterable[tuple[int, IndexDocument]], *, fresh: bool = False
) -> None:
    """Write (or replace) the index rows of ``(pk, document)`` pairs on ``conn`` (``fresh``:
    articles inserted in this transaction, which have no rows to replace)."""
    params = [_params(pk, doc) for pk, doc in docs]
    if params:
        index_writer(conn).write(conn, params, fresh=fresh)


def _facets_of(conn: Connection, pks: Sequence[int]) -> dict[int, str]:
    """The facets of stored articles as their rows say now (after enrichment chose their
    section), by pk (an article gone has none)."""
    if not pks:
        return {}
    rows = conn.execute(_FACETS_OF, {"pks": list(pks)})
    return {pk: facet_tokens(*facets) for pk, *facets in rows}


def index_analysed(
    conn: Connection, texts: Sequence[tuple[int, AnalysedText, str]], *, fresh: bool = False
) -> None:
    """Index (or re-index) stored articles from their one analysis — ``(pk, analysis,
    author)``, the author being what the writer mode matches
    (:func:`~nashra.search.documents.writer`) — on the connection of the transaction that wrote
    them, so the articles and their index entries are committed, or lost, together (``fresh``:
    articles inserted in that transaction, with no entry to replace)."""
    facets = _facets_of(conn, [pk for pk, _, _ in texts])
    index_documents(
        conn,
        [(pk, document_of(text, author, facets.get(pk, ""))) for pk, text, author in texts],
        fresh=fresh,
    )


def refresh_facets(conn: Connection, pk: int) -> None:
    """Bring the index's filters of article ``pk`` in line with its row: call it in the
    transaction that changes an indexed article's section (a moderator, an enrichment rebuild)."""
    facets = _facets_of(conn, [pk])
    if pk in facets:
        index_writer(conn).set_facets(conn, pk, facets[pk])


def unindex_article(conn: Connection, pk: int) -> None:
    """Remove an article from the index (SQLite's trigger and PostgreSQL's foreign key also do
    it when the article row is deleted)."""
    index_writer(conn).delete(conn, pk)


def index_status(store: Store) -> dict[str, int]:
    """How many articles exist and how many the index holds (they differ until a reindex when
    the store hook is missing or after an upgrade of an existing archive)."""
    with store.connect() as conn:
        total = conn.execute(select(func.count()).select_from(articles)).scalar_one()
        return {"articles": total, "indexed": index_writer(store).count(conn)}


def reindex(
    store: Store,
    *,
    only_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> int:
    """Rebuild the index from the articles (or only index those it lacks); returns how many
    articles were indexed. ``progress(done, total)`` is called after each batch.

    Each batch is its own short transaction, so the crawler is never blocked for long; a full
    rebuild first empties the index (search sees the archive fill in again as it runs)."""
    backend = index_writer(store)
    where = [backend.missing()] if only_missing else []
    with store.begin() as conn:
        total = conn.execute(select(func.count()).select_from(articles).where(*where)).scalar_one()
        if not only_missing:
            backend.clear(conn)
    done, last_pk = 0, None
    columns = (
        articles.c.pk,
        articles.c.title,
        articles.c.body_text,
        articles.c.summary,
        articles.c.author,
        articles.c.byline,
        *_FACET_COLUMNS,
    )
    if progress:
        progress(0, total)
    while True:
        query = select(*columns).where(*where).order_by(articles.c.pk).limit(batch)
        if last_pk is not None:
            query = query.where(articles.c.pk > last_pk)
        with store.begin() as conn:
            rows = conn.execute(query).all()
            if not rows:
                break
            docs = [
                (
                    r.pk,
                    build_document(
                        r.title,
                        r.body_text or r.summary,
                        writer(r.author, r.byline),
                        r.lang,
                        facet_tokens(r.source, r.section, r.lang, r.published),
                    ),
                )
                for r in rows
            ]
            index_documents(conn, docs)
        done += len(rows)
        last_pk = rows[-1].pk
        if progress:
            progress(done, max(total, done))
    with store.begin() as conn:
        backend.optimize(conn)
    log.info("search index: %d articles indexed", done)
    return done

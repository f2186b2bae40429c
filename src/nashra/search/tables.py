"""The search index tables, one name on both backends (created by migration 0004).

* SQLite: ``article_search``, an FTS5 table whose rowid is ``articles.pk``; columns ``title``,
  ``body``, ``author`` (analysed tokens), ``title_words``, ``body_words`` (normalised,
  unstemmed, for prefix search) and ``facets`` (outlet, section, language and day: migration
  0008); its ``ascii`` tokenizer (migration 0013) only splits our tokens on spaces.
* PostgreSQL: ``article_search`` (``article_pk`` → ``articles.pk`` ON DELETE CASCADE) with
  ``terms`` (title weight A, body weight D), ``words`` (unstemmed, same weights) and ``author``
  tsvectors built by ``to_tsvector('simple', …)`` from our tokens, each with a GIN index, and
  where the title's and the whole stream's positions end (``title_end``, ``stream_end``: set
  from ``terms`` by a trigger when the row is written; NULL in rows written before migration
  0015). The GIN index of ``terms`` also indexes the row's era (``nashra_era(article_pk)``: the
  lexeme ``e<article_pk // ERA_ROWS>``; migration 0016), so that a search can be narrowed to
  the newest rows inside the index (:meth:`nashra.search.backends.PostgresBackend.newest_eras`),
  and — its middle column — ``facets``, the article's outlet, section, language and day as the
  lexemes of :func:`nashra.search.facets.facet_tokens` (migration 0017), so that filters are
  intersected with the words inside the index too. ``terms``, ``facets`` and ``author`` are
  stored in the row (``STORAGE MAIN``, migration 0018): ranking reads every match's ``terms``,
  and only ``words`` goes to TOAST when a long article's row passes 2 kB.

They are kept out of ``nashra.store.schema.metadata`` on purpose: a virtual table and a
PostgreSQL-only type cannot be described there for both dialects.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, column, func, table
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.sql.elements import ColumnElement

TABLE = "article_search"

# SQLite (FTS5): rowid = articles.pk; "rank" is bm25 weighted 10, 1, 4, 10, 1 (migration 0004).
fts = table(
    TABLE,
    column("rowid"),
    column("title"),
    column("body"),
    column("author"),
    column("title_words"),
    column("body_words"),
    column("facets"),
)
FTS_COLUMNS = ("title", "body", "author", "title_words", "body_words", "facets")


pg_metadata = MetaData()
pg_search = Table(
    TABLE,
    pg_metadata,
    Column("article_pk", BigInteger, primary_key=True),
    Column("terms", TSVECTOR, nullable=False),
    Column("words", TSVECTOR, nullable=False),
    Column("author", TSVECTOR, nullable=False),
    Column("title_end", Integer),  # set by a trigger from ``terms`` (migration 0015)
    Column("stream_end", Integer),
    Column("facets", TSVECTOR, nullable=False),  # outlet, section, language, day (0017)
)

# Rows per era of the PostgreSQL index (the divisor in migration 0016's ``nashra_era``).
ERA_ROWS = 65536


def era_vector() -> ColumnElement[object]:
    """``nashra_era(article_pk)``: the indexed expression of each row's era."""
    return func.nashra_era(pg_search.c.article_pk, type_=TSVECTOR)

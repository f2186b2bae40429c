"""The search index's writer and reader, chosen from the database they work on: write, count,
delete (FTS5 on SQLite, tsvector on PostgreSQL), with no dialect branch at the caller."""

from __future__ import annotations

from sqlalchemy import func, not_, select

from nashra.model import Article
from nashra.search.backends import backend_for
from nashra.search.documents import build_document
from nashra.search.index import index_documents, index_status, index_writer
from nashra.store import Store
from nashra.store.schema import articles


def test_the_writer_of_the_database_writes_counts_and_deletes(store: Store) -> None:
    store.ensure_source("hespress")
    pks = [
        store.save_article(Article(source="hespress", url=f"http://h.test/{n}", title=f"t{n}")).pk
        for n in range(3)
    ]
    writer = index_writer(store)
    docs = [(pk, build_document(f"عنوان {pk}", "نص المقال", "", "ar")) for pk in pks]
    with store.begin() as conn:
        assert index_writer(conn) is writer
        index_documents(conn, docs)
        index_documents(conn, docs[:1])  # written again: replaced, never doubled
    assert index_status(store) == {"articles": 3, "indexed": 3}
    with store.begin() as conn:
        writer.delete(conn, pks[0])
    indexed = select(func.count()).select_from(articles).where(not_(writer.missing()))
    with store.connect() as conn:
        assert writer.count(conn) == conn.execute(indexed).scalar_one() == 2
        assert backend_for(conn, []).doc_count(conn) == 2  # the reader of the same index

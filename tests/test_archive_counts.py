"""The outlets' article counters (migration scale1): kept by triggers on every insert and delete,
one statement of many rows included, on SQLite and PostgreSQL; the footer reads their sum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select

from nashra.ingest import save_article
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store, queries
from nashra.store.schema import articles, sources

T0 = datetime(2024, 5, 1, 8, tzinfo=UTC)


def article(source: str, n: int) -> Article:
    return Article(source=source, url=f"https://{source}.example/{n}", title=f"خبر {n}",
                   body_html=f"<p>خبر رقم {n} من {source}</p>",
                   published=T0 + timedelta(hours=n))  # fmt: skip


def counted(store: Store) -> dict[str, tuple[int, datetime | None]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(sources.c.slug, sources.c.article_count,
                                   sources.c.latest_published))  # fmt: skip
        return {slug: (n, latest) for slug, n, latest in rows}


def scanned(store: Store) -> dict[str, tuple[int, datetime | None]]:
    query = select(articles.c.source, func.count(), func.max(articles.c.published)).group_by(
        articles.c.source
    )
    with store.engine.connect() as conn:
        found = {slug: (n, latest) for slug, n, latest in conn.execute(query)}
    return {slug: found.get(slug, (0, None)) for slug in counted(store)}


def test_counters_follow_inserts_and_deletes(store: Store):
    store.sync_sources([Source(slug="hespress", name_ar="هسبريس"),
                        Source(slug="alyaoum24", name_ar="اليوم 24"),
                        Source(slug="empty", name_ar="فارغ")])  # fmt: skip
    for n in range(1, 6):
        save_article(store, article("hespress", n))
    save_article(store, article("alyaoum24", 9))
    save_article(store, article("hespress", 1))  # unchanged: counted once
    assert counted(store) == scanned(store)
    assert counted(store)["hespress"] == (5, T0 + timedelta(hours=5))
    assert counted(store)["empty"] == (0, None)
    assert queries.count_articles(store) == 6

    # Many rows in one statement (a bulk load) and a delete of the newest article.
    rows = [{"source": "alyaoum24", "num": 100 + i, "url": f"https://a.example/{i}",
             "title": f"t{i}", "published": T0 + timedelta(days=i), "fetched_at": T0}
            for i in range(50)]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(insert(articles), rows)
        conn.execute(delete(articles).where(articles.c.source == "hespress",
                                            articles.c.published == T0 + timedelta(hours=5)))  # fmt: skip
    assert counted(store) == scanned(store)
    assert counted(store)["hespress"] == (4, T0 + timedelta(hours=4))
    assert counted(store)["alyaoum24"] == (51, T0 + timedelta(days=49))
    assert queries.count_articles(store) == 55
    listed = {s["slug"]: s for s in queries.list_sources(store)}
    assert listed["alyaoum24"]["article_count"] == 51
    assert listed["alyaoum24"]["latest"] == T0 + timedelta(days=49)
    assert listed["empty"]["article_count"] == 0 and listed["empty"]["latest"] is None

"""The archive on SQLite and PostgreSQL: natural keys, idempotent upserts, copies, listings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.db import schema_is_current
from nashra.store.queries import (
    CursorError,
    Filters,
    get_article,
    latest_articles,
    latest_of_each,
    list_sources,
)
from nashra.store.schema import articles

T0 = datetime(2023, 12, 14, 9, 0, tzinfo=UTC)


def _setup(store: Store) -> None:
    store.sync_sources(
        [
            Source(slug="hespress", name_ar="هسبريس", feeds=["http://h.test/feed"]),
            Source(slug="alyaoum24", name_ar="اليوم 24", feeds=["http://a.test/feed"]),
        ]
    )


def _article(n: int, source: str = "hespress", **kw) -> Article:
    values = dict(
        source=source,
        url=f"http://h.test/news/{n}.html",
        title=f"عنوان {n}",
        body_html=f"<p>نص {n}</p>",
        body_text=f"نص {n}",
        body_hash=f"{n:040d}",
        published=T0 + timedelta(minutes=n),
    )
    values.update(kw)
    return Article(**values)


def test_schema_is_migrated_and_current(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"sources", "feeds", "articles", "images", "alembic_version"} <= tables
    assert schema_is_current(store.engine)
    # Migrating again is a no-op.
    from nashra.store.db import migrate

    migrate(store.engine)
    assert schema_is_current(store.engine)


def test_save_is_idempotent_and_updates_changed_articles(store: Store) -> None:
    _setup(store)
    first = store.save_article(_article(1))
    assert first.status == "new"
    again = store.save_article(_article(1))
    assert (again.status, again.pk, again.num) == ("unchanged", first.pk, first.num)
    changed = store.save_article(_article(1, title="عنوان معدل"))
    assert (changed.status, changed.pk) == ("updated", first.pk)
    row = get_article(store, "hespress", first.num)
    assert row["title"] == "عنوان معدل"
    assert row["updated"] is not None
    assert store.stats()["articles"] == 1


def test_side_rows_are_written_once_per_batch_after_its_articles(store: Store) -> None:
    """The writers of side rows get the whole batch's new and updated articles, in one call,
    once every article row exists (the search index goes last: see ``SideRows``)."""
    _setup(store)
    store.save_article(_article(1))
    calls: list[list[tuple[int, str]]] = []

    def side_rows(conn, written) -> None:
        pks = [saved.pk for _i, saved in written]
        stored = conn.execute(
            select(func.count()).select_from(articles).where(articles.c.pk.in_(pks))
        ).scalar_one()
        assert stored == len(pks)
        calls.append([(i, saved.status) for i, saved in written])

    batch = [_article(1), _article(1, title="عنوان معدل"), _article(2), _article(3)]
    results = store.save_articles(batch, side_rows=side_rows)
    assert [r.status for r in results] == ["unchanged", "updated", "new", "new"]
    assert calls == [[(1, "updated"), (2, "new"), (3, "new")]]


def test_same_guid_with_a_new_url_is_the_same_article(store: Store) -> None:
    _setup(store)
    a = store.save_article(_article(1, guid="urn:h:1"))
    b = store.save_article(_article(1, guid="urn:h:1", url="http://h.test/news/renamed.html"))
    assert b.pk == a.pk
    assert store.stats()["articles"] == 1


def test_numeric_ids_come_from_the_origin_or_a_per_outlet_sequence(store: Store) -> None:
    _setup(store)
    origin = store.save_article(_article(1, num=385472))
    assert origin.num == 385472
    seq1 = store.save_article(_article(2))
    seq2 = store.save_article(_article(3))
    assert (seq1.num, seq2.num) == (1, 2)
    # The origin id already taken within the outlet: fall back to the sequence, never collide.
    clash = store.save_article(_article(4, num=385472))
    assert clash.num not in {385472, 1, 2}
    # Ids are per outlet: another outlet may use the same number.
    other = store.save_article(_article(5, source="alyaoum24", num=385472))
    assert other.num == 385472


def test_exact_copy_from_another_outlet_points_at_the_original(store: Store) -> None:
    _setup(store)
    original = store.save_article(_article(1, body_hash="c" * 40))
    copy = store.save_article(
        _article(2, source="alyaoum24", body_hash="c" * 40, url="http://a.test/x")
    )
    assert copy.copy_of == original.pk
    # A second copy still points at the first original, not at the copy.
    _setup(store)
    store.sync_sources([Source(slug="goud", name_ar="كود", feeds=[])])
    third = store.save_article(
        _article(3, source="goud", body_hash="c" * 40, url="http://g.test/y")
    )
    assert third.copy_of == original.pk
    assert store.stats()["copies"] == 2


def test_listing_pages_walk_everything_once_newest_first(store: Store) -> None:
    _setup(store)
    for n in range(1, 24):
        store.save_article(_article(n))
    seen, cursor = [], None
    while True:
        rows, cursor = latest_articles(store, Filters(source="hespress"), limit=5, cursor=cursor)
        seen.extend(r["title"] for r in rows)
        if cursor is None:
            break
    assert seen == [f"عنوان {n}" for n in range(23, 0, -1)]
    assert rows[0]["published"].tzinfo is not None


def test_the_first_pages_of_several_listings_in_one_statement(store: Store) -> None:
    """``latest_of_each`` (the home's sections) gives each listing's first page exactly as
    ``latest_articles`` does, ties of the same minute included, and empty listings empty."""
    _setup(store)
    for n in range(1, 30):
        source = "alyaoum24" if n % 3 else "hespress"
        store.save_article(_article(n, source, published=T0 + timedelta(minutes=n // 2)))
    listings = [
        Filters(source="hespress"),
        Filters(source="alyaoum24"),
        Filters(source="alyaoum24", since=T0 + timedelta(minutes=5)),
        Filters(source="nobody"),
        Filters(),
    ]
    together = latest_of_each(store, listings, limit=4)
    assert together == [latest_articles(store, f, limit=4)[0] for f in listings]
    assert [len(rows) for rows in together] == [4, 4, 4, 0, 4] and latest_of_each(store, []) == []


def test_bad_cursor_is_a_clear_error(store: Store) -> None:
    with pytest.raises(CursorError, match="invalid cursor"):
        latest_articles(store, cursor="not-a-cursor!!")


def test_sync_sources_disables_removed_feeds_and_keeps_history(store: Store) -> None:
    _setup(store)
    store.sync_sources([Source(slug="hespress", name_ar="هسبريس", feeds=["http://h.test/feed2"])])
    urls = {f.url: f.enabled for f in store.list_feeds(enabled_only=False, source="hespress")}
    assert urls == {"http://h.test/feed": False, "http://h.test/feed2": True}
    counts = {s["slug"]: s["article_count"] for s in list_sources(store)}
    assert counts == {"alyaoum24": 0, "hespress": 0}


def test_feed_poll_state_is_kept(store: Store) -> None:
    _setup(store)
    feed = store.list_feeds(source="hespress")[0]
    store.record_feed_poll(feed.id, status=200, etag='"v1"', last_modified="x", new_items=3)
    store.record_feed_poll(feed.id, status=500, error="boom")
    row = store.list_feeds(source="hespress")[0]
    assert (row.etag, row.error_count, row.last_error) == ('"v1"', 1, "boom")
    assert row.last_new_item_at is not None


def test_postgresql_statistics_follow_a_fast_growing_archive(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new archive filled by a first crawl is analysed as it grows, so PostgreSQL does not
    keep plans made for an empty database (SQLite plans without statistics)."""
    from sqlalchemy import text

    from nashra.store import store as store_module

    if store.dialect != "postgresql":
        pytest.skip("statistics are PostgreSQL's")
    monkeypatch.setattr(store_module, "ANALYZE_AFTER_ROWS", 5)
    store.ensure_source("hespress")

    def analysed() -> bool:
        with store.engine.connect() as conn:
            return conn.execute(
                text("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                     "WHERE relname = 'articles'")
            ).scalar_one()  # fmt: skip

    batch = [
        Article(source="hespress", url=f"https://e.test/{n}", title=f"خبر {n}", body_text="نص")
        for n in range(4)
    ]
    store.save_articles(batch)
    assert not analysed()
    store.save_articles(
        [
            Article(source="hespress", url=f"https://e.test/b{n}", title="خبر", body_text="نص")
            for n in range(3)
        ]
    )
    assert analysed()


def test_postgresql_reads_open_no_transaction_and_writes_still_do(store: Store) -> None:
    """A reader runs each statement in autocommit (no BEGIN before it, no ROLLBACK when the
    connection goes back to the pool: two round trips a read); the same pooled connection lent
    to a writer afterwards is transactional again: a failed write leaves nothing behind."""
    from psycopg.pq import TransactionStatus

    if store.dialect != "postgresql":
        pytest.skip("SQLite reads open no transaction anyway")
    store.ensure_source("hespress")
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(articles)).scalar_one() == 0
        status = conn.connection.dbapi_connection.info.transaction_status
        assert status == TransactionStatus.IDLE  # not INTRANS: no transaction was opened
    with pytest.raises(RuntimeError), store.begin() as conn:
        conn.execute(
            articles.insert().values(source="hespress", num=1, url="https://e.test/1",
                                     title="خبر", published=datetime.now(UTC),
                                     fetched_at=datetime.now(UTC))
        )  # fmt: skip
        assert conn.connection.dbapi_connection.info.transaction_status == TransactionStatus.INTRANS
        raise RuntimeError("the write fails half-way")
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(articles)).scalar_one() == 0


def test_postgresql_connections_prepare_no_statements(store: Store) -> None:
    """psycopg would prepare a query run five times on a connection, and PostgreSQL would then
    plan it once for all parameters: a search's count planned for a rare word ran 1.5-2x
    slower for common words at a million articles. Each statement is planned for its values."""
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL's")
    with store.connect() as conn:
        assert conn.connection.dbapi_connection.prepare_threshold is None
    with store.begin() as conn:
        assert conn.connection.dbapi_connection.prepare_threshold is None

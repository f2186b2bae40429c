"""The database primitives of ``store/db.py`` and the ``Store``'s ways into the database, on
SQLite and PostgreSQL: dialect dispatch, the upsert, the write transaction, keyset pages."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from nashra.model import Article
from nashra.store import Store
from nashra.store.db import (
    CursorError,
    encode_cursor,
    for_dialect,
    keyset_page,
    keyset_page_newer,
    upsert,
    write_transaction,
)
from nashra.store.replicas import ReadRouter
from nashra.store.schema import article_views, articles, job_leases, sources

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _leases(store: Store) -> dict[str, tuple[str, datetime]]:
    with store.connect() as conn:
        rows = conn.execute(select(job_leases.c.name, job_leases.c.owner, job_leases.c.expires_at))
        return {name: (owner, expires) for name, owner, expires in rows}


# -- dialect dispatch ------------------------------------------------------------------------


def test_for_dialect_picks_the_value_of_the_store_engine_or_connection(store: Store) -> None:
    expected = "lite" if store.dialect == "sqlite" else "pg"
    with store.connect() as conn:
        for bind in (store, store.engine, conn, store.dialect):
            assert for_dialect(bind, sqlite="lite", postgresql="pg") == expected


def test_for_dialect_names_an_unsupported_database() -> None:
    with pytest.raises(ValueError, match="not 'mysql'"):
        for_dialect("mysql", sqlite=1, postgresql=2)


# -- upsert ----------------------------------------------------------------------------------


def test_upsert_inserts_then_updates_the_named_columns(store: Store) -> None:
    with store.begin() as conn:
        upsert(conn, job_leases, {"name": "a", "owner": "w1", "expires_at": T0}, ["name"],
               update=["owner"])  # fmt: skip
    with store.begin() as conn:
        later = T0 + timedelta(hours=1)
        upsert(conn, job_leases, {"name": "a", "owner": "w2", "expires_at": later}, ["name"],
               update=["owner"])  # fmt: skip
    # the owner follows the new row; expires_at, not named, keeps the stored value
    assert _leases(store) == {"a": ("w2", T0)}


def test_upsert_without_update_leaves_the_row_and_returning_tells_who_won(store: Store) -> None:
    row = {"name": "backlog", "owner": "first", "expires_at": T0}
    with store.begin() as conn:
        won = upsert(conn, job_leases, row, ["name"], returning=[job_leases.c.name]).first()
    with store.begin() as conn:
        second = {**row, "owner": "second"}
        lost = upsert(conn, job_leases, second, ["name"], returning=[job_leases.c.name]).first()
    assert won is not None and won.name == "backlog"
    assert lost is None
    assert _leases(store) == {"backlog": ("first", T0)}


def test_upsert_of_a_batch_adds_to_a_counter_on_conflict(store: Store) -> None:
    store.ensure_source("hespress")
    pk = store.save_article(Article(source="hespress", url="http://h.test/1", title="t")).pk
    add = {"views": lambda new: article_views.c.views + new.views}
    rows = [{"article_pk": pk, "hour": T0, "views": 2}, {"article_pk": pk, "hour": T0 +
            timedelta(hours=1), "views": 1}]  # fmt: skip
    with store.begin() as conn:
        upsert(conn, article_views, rows, ["article_pk", "hour"], update=add)
    with store.begin() as conn:
        upsert(conn, article_views, rows[:1], ["article_pk", "hour"], update=add)
    with store.connect() as conn:
        counted = dict(conn.execute(select(article_views.c.hour, article_views.c.views)).all())
    assert counted == {T0: 4, T0 + timedelta(hours=1): 1}


def test_ensure_source_creates_an_outlet_once_and_keeps_the_first_row(store: Store) -> None:
    store.ensure_source("lematin", "Le Matin", lang="fr")
    store.ensure_source("lematin", "Another name", lang="ar")
    with store.connect() as conn:
        rows = conn.execute(select(sources.c.name_fr, sources.c.name_ar, sources.c.lang)).all()
    assert [tuple(row) for row in rows] == [("Le Matin", "", "fr")]


# -- write transaction -----------------------------------------------------------------------


def test_write_transaction_commits_or_rolls_back_as_a_whole(store: Store) -> None:
    with store.write_transaction() as conn:
        conn.execute(job_leases.insert().values(name="kept", owner="w", expires_at=T0))
    with pytest.raises(RuntimeError), store.write_transaction() as conn:
        conn.execute(job_leases.insert().values(name="lost", owner="w", expires_at=T0))
        raise RuntimeError("half-way")
    assert set(_leases(store)) == {"kept"}


def test_write_transactions_on_sqlite_serialise_read_then_write(sqlite_store: Store) -> None:
    """The second writer starts while the first holds its transaction: it waits for the lock
    before its first read, so it reads what the first one wrote (a deferred transaction would
    read the old snapshot and then fail or overwrite on its write)."""
    first_in = threading.Event()
    seen: list[set[str]] = []

    def first() -> None:
        with sqlite_store.write_transaction() as conn:
            first_in.set()
            time.sleep(0.3)
            conn.execute(job_leases.insert().values(name="first", owner="a", expires_at=T0))

    def second() -> None:
        first_in.wait(5)
        with write_transaction(sqlite_store.engine) as conn:
            seen.append(set(conn.execute(select(job_leases.c.name)).scalars()))
            conn.execute(job_leases.insert().values(name="second", owner="b", expires_at=T0))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen == [{"first"}]
    assert set(_leases(sqlite_store)) == {"first", "second"}


def test_writes_of_a_store_reading_through_a_router_go_to_the_primary(store: Store) -> None:
    reading = Store(ReadRouter(store.engine, []))
    assert reading.primary is store.engine
    with reading.write_transaction() as conn:
        conn.execute(job_leases.insert().values(name="routed", owner="w", expires_at=T0))
    with reading.begin() as conn:
        conn.execute(job_leases.update().values(owner="again"))
    assert _leases(store) == {"routed": ("again", T0)}


# -- keyset pagination -----------------------------------------------------------------------


def _listing(store: Store) -> list[int]:
    """Seven articles, published in three equal-time groups; their pks newest first."""
    store.ensure_source("hespress")
    moments = [T0, T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=5),
               T0 + timedelta(minutes=5), T0 + timedelta(minutes=9), T0]  # fmt: skip
    pks = [
        store.save_article(
            Article(source="hespress", url=f"http://h.test/{i}", title=f"t{i}", published=moment)
        ).pk
        for i, moment in enumerate(moments)
    ]
    return [pk for _, pk in sorted(zip(moments, pks, strict=True), reverse=True)]


def _page(store: Store, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    query = select(articles.c.pk, articles.c.published)
    with store.connect() as conn:
        return keyset_page(
            conn, query, articles.c.published, articles.c.pk, cursor=cursor, limit=limit,
            position=lambda row: (row["published"], row["pk"]),
        )  # fmt: skip


def test_keyset_pages_walk_equal_timestamps_once_each_and_back(store: Store) -> None:
    newest_first = _listing(store)
    pages, cursor = [], None
    while True:
        rows, cursor = _page(store, cursor, 2)
        pages.append(rows)
        if cursor is None:
            break
    assert [row["pk"] for page in pages for row in page] == newest_first
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    # back (the portal's rel=prev) from the first row of the third page, then of the second
    query = select(articles.c.pk, articles.c.published)
    with store.connect() as conn:
        back = [
            keyset_page_newer(
                conn, query, articles.c.published, articles.c.pk, limit=2,
                cursor=encode_cursor(page[0]["published"], page[0]["pk"]),
            )
            for page in (pages[2], pages[1])
        ]  # fmt: skip
    assert back == [(pages[1], True), (pages[0], False)]


def test_keyset_page_refuses_a_cursor_it_did_not_make(store: Store) -> None:
    _listing(store)
    with pytest.raises(CursorError, match="invalid cursor"):
        _page(store, "bm90LWEtY3Vyc29y", 2)
    beyond = encode_cursor(T0, 2**63)  # well-formed, but no key is that large
    with pytest.raises(CursorError):
        _page(store, beyond, 2)

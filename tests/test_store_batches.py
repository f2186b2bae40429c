"""A batch saved in one transaction gets the answers saving its articles one by one gives, with
the store's questions (stored already? refused? which number? a copy of?) asked once per batch."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from nashra.ingest import ADMISSION
from nashra.model import Article
from nashra.moderation import takedowns
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import articles, sources

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
SHARED = "a" * 40  # a body two outlets carry


def _article(name: str, source: str = "hespress", **kw: object) -> Article:
    values: dict = dict(source=source, url=f"http://{source}.test/{name}", title=f"عنوان {name}",
                        body_html=f"<p>نص {name}</p>", body_text=f"نص {name}",
                        body_hash=hashlib.sha1(name.encode()).hexdigest(), published=T0)  # fmt: skip
    values.update(kw)
    return Article(**values)


def _archive(store: Store) -> None:
    """What is stored before the batch: numbers 1, 2 and 5 of hespress taken by origin ids (the
    GUID-known article then gets 3 from the sequence), an alyaoum24 article with the shared
    body, and a taken-down alyaoum24 article."""
    store.sync_sources([Source(slug="hespress", name_ar="هسبريس"),
                        Source(slug="alyaoum24", name_ar="اليوم 24")])  # fmt: skip
    for name, num in (("one", 1), ("two", 2), ("five", 5)):
        store.save_article(_article(name, num=num), admission=ADMISSION)
    store.save_article(_article("wire", "alyaoum24", body_hash=SHARED), admission=ADMISSION)
    store.save_article(_article("guid", guid="tag:guid-1"), admission=ADMISSION)
    gone = store.save_article(_article("gone", "alyaoum24"), admission=ADMISSION)
    takedowns.take_down(store, takedowns.Target("article", "alyaoum24", gone.num), "test", "t")


BATCH = [
    _article("seq-a", body_hash=SHARED, published=T0 + timedelta(hours=1)),  # a copy of "wire"
    _article("copy-a", "alyaoum24", body_hash=SHARED),  # its other-outlet original is ↑
    _article("taken-num", num=5),  # its origin id is taken: the sequence's next free number
    _article("free-num", num=7),  # its origin id is free
    _article("seq-b"),  # the sequence goes on past 7, which this batch took
    _article("seq-c"),
    _article("seq-a", title="عنوان معدل", body_hash=SHARED),  # the first again, changed
    _article("copy-free", "alyaoum24", body_hash=_article("free-num").body_hash),
    _article("guid-moved", guid="tag:guid-1"),  # stored already, under another URL
    _article("copy-moved", "alyaoum24", body_hash=_article("guid-moved").body_hash),  # of ↑
    _article("gone", "alyaoum24"),  # taken down: refused
    _article("shared-2", "alyaoum24", body_hash=SHARED),  # a copy of this batch's "seq-a"
    _article("free-num", num=7),  # the same again, unchanged
    _article("seq-d", num=8),  # its origin id was handed out by the sequence in this batch
]


def _outcome(store: Store, results: list) -> tuple:
    with store.connect() as conn:
        url_of = dict(conn.execute(select(articles.c.pk, articles.c.url)).all())
        rows = conn.execute(
            select(
                articles.c.source,
                articles.c.num,
                articles.c.url,
                articles.c.title,
                articles.c.copy_of,
            ).order_by(articles.c.source, articles.c.num)
        ).all()
        counters = conn.execute(select(sources.c.slug, sources.c.next_num)).all()
    answers = [(r.status, r.num, url_of.get(r.pk), url_of.get(r.copy_of)) for r in results]
    stored = [(s, n, u, t, url_of.get(c)) for s, n, u, t, c in rows]
    return answers, stored, sorted(counters)


def _no_fallback(*args: object, **kw: object) -> None:
    raise AssertionError("the batch was saved again one article at a time")


def test_a_batch_gets_the_answers_of_one_by_one_saves(
    database_url: str, second_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_by_one, batched = Store.open(database_url), Store.open(second_database_url)
    try:
        _archive(one_by_one)
        _archive(batched)
        singles = [one_by_one.save_article(a, admission=ADMISSION) for a in BATCH]
        # in one transaction: not saved again one by one after a conflict
        monkeypatch.setattr(batched, "save_article", _no_fallback)
        together = batched.save_articles(BATCH, admission=ADMISSION)
        expected = _outcome(one_by_one, singles)
        assert _outcome(batched, together) == expected
        answers = expected[0]
        assert [a[0] for a in answers] == ["new", "new", "new", "new", "new", "new", "updated", "new",
                                           "updated", "new", "refused", "new", "unchanged", "new"]  # fmt: skip
        assert [answers[i][1] for i in (0, 2, 3, 4, 5)] == [4, 6, 7, 8, 9] and answers[-1][1] == 10
        assert answers[0][3] == answers[1][3] == "http://alyaoum24.test/wire"
        assert answers[7][3] == "http://hespress.test/free-num"
        assert answers[9][3] == "http://hespress.test/guid"
        assert answers[11][3] == "http://alyaoum24.test/wire"
    finally:
        one_by_one.close()
        batched.close()


def test_a_batch_asks_a_few_statements_not_several_per_article(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        _archive(store)
        batch = [_article(f"many-{i}") for i in range(60)]  # alyaoum24 has a live takedown
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
        event.listen(store.engine, "before_cursor_execute", listen)
        try:
            results = store.save_articles(batch, admission=ADMISSION)
        finally:
            event.remove(store.engine, "before_cursor_execute", listen)
        assert [r.status for r in results] == ["new"] * 60
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        # the stored rows, the originals, the takedown screen, and per outlet its counter and
        # the numbers taken past it; on SQLite (no round trips) the first two per article
        per_article = 2 if store.dialect == "sqlite" else 0
        assert len(reads) <= 8 + per_article * len(batch), reads
        inserts = [s for s in statements if s.lstrip().startswith("INSERT INTO articles")]
        # PostgreSQL: the batch's new rows in one multi-row INSERT (SQLite: one by one, no
        # round trips to save)
        assert len(inserts) == (60 if store.dialect == "sqlite" else 1)
    finally:
        store.close()

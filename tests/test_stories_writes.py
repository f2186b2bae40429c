"""How story decisions reach the database: one read per arrival, a few statements per decision,
and a backlog sweep that writes a whole batch together yet leaves exactly the rows that writing
each decision alone leaves (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, event, select

from nashra.demo.corpus import load_ant_rows
from nashra.store import Store
from nashra.store.db import for_dialect
from nashra.store.schema import article_signatures as sigs
from nashra.store.schema import articles, stories, story_backlog
from nashra.stories import backlog
from nashra.stories.store import RESERVE, StoryAssignment
from test_stories_store import _assigner, _check_invariants
from test_stories_support import hard_cases, save


class Statements:
    """The SQL statements sent to ``store`` (an executemany counts once: one round trip)."""

    def __init__(self, store: Store) -> None:
        self.engine, self.count = store.engine, 0

    def _one(self, *_args: object) -> None:
        self.count += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        event.listen(self.engine, "before_cursor_execute", self._one)
        try:
            yield
        finally:
            event.remove(self.engine, "before_cursor_execute", self._one)


def _archive(store: Store, n: int) -> list[int]:
    """``n`` real articles a quarter of an hour apart; each fifth one re-posted by a second
    outlet an hour later (an exact copy: same body), and each third pair of neighbours
    reported together by a third outlet (an arrival that merges their two stories)."""
    rows = sorted(load_ant_rows(), key=lambda r: r["time_iso"])[:n]
    pks = []
    for i, row in enumerate(rows):
        hours = i * 0.25
        pks.append(save(store, row["src"], row["url"], row["title"], row["text"], hours))
        if i % 5 == 0:
            url = row["url"] + "#wire"
            pks.append(save(store, "wire", url, row["title"], row["text"], hours + 1))
        if i % 6 == 5:
            a = rows[i - 1]
            title, text = f"{a['title']} {row['title']}", f"{a['text']}\n{row['text']}"
            pks.append(save(store, "digest", row["url"] + "#both", title, text, hours + 0.1))
    return pks


def _snapshot(store: Store) -> tuple[Any, ...]:
    """Everything the story tables say, without their ids (two runs number stories apart):
    each article's story as its members' URLs, its link and original, and every story row."""
    with store.connect() as conn:
        url = dict(conn.execute(select(articles.c.pk, articles.c.url)).all())
        rows = conn.execute(select(sigs.c.article_pk, sigs.c.story_id, sigs.c.link, sigs.c.copy_of, sigs.c.content_key)).all()  # fmt: skip
        story_rows = conn.execute(select(stories)).all()
    members: dict[int, set[str]] = {}
    for r in rows:
        members.setdefault(r.story_id, set()).add(url[r.article_pk])
    name = {sid: tuple(sorted(m)) for sid, m in members.items()}
    signatures = sorted(
        (url[r.article_pk], name[r.story_id], round(r.link, 9), url.get(r.copy_of), r.content_key)
        for r in rows
    )
    summaries = sorted(
        (
            name.get(s.id, ()),
            url.get(s.representative),
            s.title,
            s.lang,
            s.size,
            s.outlet_count,
            s.outlets,
            s.first_published,
            s.last_published,
            name.get(s.merged_into, ()) if s.merged_into is not None else None,
        )
        for s in story_rows
    )
    return signatures, summaries


def _forget_stories(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(stories.update().values(merged_into=None, representative=None))
        for table in (sigs, story_backlog, stories):
            conn.execute(delete(table))


def _sweep(store: Store, pks: list[int], batch: int) -> tuple[dict[int, StoryAssignment], int]:
    """Queue ``pks`` and sweep them in batches of ``batch``; the assignments and the number of
    statements the sweep sent."""
    with store.begin() as conn:
        backlog.queue_articles(conn, pks)
    assigner = _assigner(store, story_window_hours="24")
    counter = Statements(store)
    assigned: dict[int, StoryAssignment] = {}
    with counter.counting():
        while True:
            sweep = assigner.assign_late(batch=batch)
            assigned.update(sweep.assigned)
            assert not sweep.failed and not sweep.elsewhere
            if sweep.complete:
                break
    return assigned, counter.count


def _reshaped(result: StoryAssignment) -> bool:
    """Whether an assignment moved other articles or merged stories."""
    return bool(result.moved or result.merged)


def test_an_arrival_is_read_in_one_statement_and_written_in_a_few(store: Store) -> None:
    pks = _archive(store, 60)
    assigner = _assigner(store, story_window_hours="24")
    counter = Statements(store)
    counts, results = [], []
    for pk in pks:
        before = counter.count
        with counter.counting():
            results.append(assigner.assign(pk))
        counts.append(counter.count - before)
    # The first one also warms the window (the newest date, then the window's rows).
    for pk, result, count in list(zip(pks, results, counts, strict=True))[1:]:
        if _reshaped(result):
            continue
        # One read (the article, its signature row, its original's story and what other
        # processes wrote), the new story if any, the signature row, then the summary (one read
        # and one write) unless the story is the article's alone and was written with it.
        bound = 1 + 1 + (1 if result.created else 2)
        assert count <= bound, (pk, result, count)
    assert sum(1 for r in results if not _reshaped(r)) > len(results) / 2
    _check_invariants(store)


def test_an_exact_copy_of_an_article_gone_from_the_window_costs_no_extra_read(
    store: Store,
) -> None:
    assigner = _assigner(store, story_window_hours="24")
    rows = load_ant_rows()
    original = save(store, "a", "https://a.example/1", rows[0]["title"], rows[0]["text"], 0)
    first = assigner.assign(original)
    for i, row in enumerate(rows[1:4]):  # three days of other news: the original leaves
        assigner.assign(save(store, "b", f"https://b.example/{i}", row["title"], row["text"], 72 + i))  # fmt: skip
    assert original not in assigner.index.members
    copy = save(store, "c", "https://c.example/1", "عنوان آخر", rows[0]["text"], 75)
    with store.connect() as conn:
        assert conn.execute(select(articles.c.copy_of).where(articles.c.pk == copy)).scalar() == original  # fmt: skip
    counter = Statements(store)
    with counter.counting():
        result = assigner.assign(copy)
    assert result.story_id == first.story_id
    assert counter.count <= 1 + 1 + 2  # read, signature row, summary read and write
    _check_invariants(store)


def test_a_batched_sweep_leaves_the_rows_a_sweep_of_one_at_a_time_leaves(store: Store) -> None:
    pks = _archive(store, 150)
    alone, alone_statements = _sweep(store, pks, batch=1)
    expected = _snapshot(store)
    _check_invariants(store)
    reshaped = sum(1 for r in alone.values() if _reshaped(r))
    assert reshaped, "the archive should make some assignments merge stories"

    _forget_stories(store)
    batch = 64
    together, statements = _sweep(store, pks, batch=batch)
    assert _snapshot(store) == expected
    _check_invariants(store)
    # (story ids are numbered afresh: what each assignment did, not which ids)
    assert {pk: (r.created, r.moved, len(r.merged)) for pk, r in together.items()} == {
        pk: (r.created, r.moved, len(r.merged)) for pk, r in alone.items()
    }
    # Per batch a handful of statements (lease, the waiting rows, the window, then the
    # signature rows, the summaries and the backlog, a batch each); per assignment only the
    # stories it founds (on PostgreSQL not even those: their ids are taken RESERVE at a time
    # and their rows written as a batch), and for one that moves articles or merges stories
    # its own writes (and what waited before them).
    batches = -(-len(pks) // batch) + 1
    created = sum(1 for r in together.values() if r.created)
    founding = for_dialect(store, sqlite=created, postgresql=created // RESERVE + 2 * batches)
    reshaping = sum(4 + 2 * len(r.merged) + 1 + 3 for r in together.values() if _reshaped(r))
    assert statements <= 12 * batches + founding + reshaping, (statements, created, reshaping)
    assert statements < alone_statements / 2

    # The same stories as assigning each article on arrival, in date order.
    _forget_stories(store)
    with store.connect() as conn:
        dated = conn.execute(select(articles.c.pk).order_by(articles.c.published, articles.c.pk))
        in_order = list(dated.scalars())
    assigner = _assigner(store, story_window_hours="24")
    for pk in in_order:
        assigner.assign(pk)
    assert [s[:2] for s in _snapshot(store)[0]] == [s[:2] for s in expected[0]]


def test_the_arrival_read_brings_in_what_another_process_assigned(store: Store) -> None:
    one, other = _assigner(store), _assigner(store)
    rows = load_ant_rows()
    warm = save(store, "ant", "https://ant.example/0", rows[5]["title"], rows[5]["text"], 0)
    one.assign(warm)
    other.assign(warm)  # both windows are warm
    case = next(c for c in hard_cases() if c["kind"] == "toll" and c["lang"] == "ar")
    pa = save(store, "a", "https://a.example/1", case["a"]["title"], case["a"]["body"], 2)
    first = one.assign(pa)  # written by the first process only
    assert pa not in other.index.members
    pb = save(store, "b", "https://b.example/1", case["b"]["title"], case["b"]["body"], 3)
    counter = Statements(store)
    with counter.counting():
        second = other.assign(pb)
    assert pa in other.index.members  # read with the arrival, in the same statement
    assert second.story_id == first.story_id
    assert counter.count <= 1 + 1 + 2  # read, signature row, summary read and write
    _check_invariants(store)

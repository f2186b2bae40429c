"""The story backlog: articles older than the live window wait, then go oldest first through
one sliding window (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from nashra.config import load_settings
from nashra.demo.corpus import load_ant_rows
from nashra.ingest import prepare, save_prepared, with_story_draft
from nashra.model import Article
from nashra.store import Store
from nashra.store.schema import article_signatures, story_backlog
from nashra.stories import backlog
from nashra.stories import store as stories_store
from nashra.stories.store import (
    _ARTICLE_COLUMNS,
    StoryStore,
    _features_of_row,
    _features_of_waiting,
    assign_late_stories,
    assign_story,
    content_key,
    story_store,
)
from test_stories_store import _check_invariants
from test_stories_support import T0, hard_cases, save

WEEK = 24 * 7


def _assigner(store: Store) -> StoryStore:
    return StoryStore.of(store, load_settings(env={}, story_window_hours="24").stories)


def _live_week_later(store: Store, *assigners: StoryStore) -> None:
    """Today's news, a week after the past articles: the live windows start there."""
    for i, row in enumerate(load_ant_rows()[:3]):
        pk = save(
            store, "ant", f"https://ant.example/live/{i}", row["title"], row["text"], WEEK + i
        )
        for assigner in assigners:
            assigner.assign(pk)


def _one_waiting(store: Store, assigner: StoryStore | None = None) -> tuple[StoryStore, int]:
    """An assigner whose live window is a week on, and one week-old article it queued."""
    assigner = assigner or _assigner(store)
    _live_week_later(store, assigner)
    row = load_ant_rows()[5]
    pk = save(store, "ant", "https://ant.example/old", row["title"], row["text"], 0)
    assert assigner.assign(pk, defer=True).pending
    return assigner, pk


def _waiting(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(story_backlog)).scalar_one()


def _story(store: Store, pk: int) -> int | None:
    with store.engine.connect() as conn:
        return conn.execute(
            select(article_signatures.c.story_id).where(article_signatures.c.article_pk == pk)
        ).scalar()


def test_late_articles_wait_then_one_sweep_assigns_them_oldest_first(store: Store) -> None:
    assigner = _assigner(store)
    _live_week_later(store, assigner)
    pairs = [c for c in hard_cases() if c["same"]][:4]
    past = []
    for i, case in enumerate(pairs):  # each pair on its own day of the past week
        hours = 30 * i
        pa = save(store, f"a{i}", f"https://a.example/{i}", case["a"]["title"], case["a"]["body"], hours, lang=case["lang"])  # fmt: skip
        pb = save(store, f"b{i}", f"https://b.example/{i}", case["b"]["title"], case["b"]["body"], hours + 2, lang=case["lang"])  # fmt: skip
        past += [(pa, pb)]
    arrivals = [pk for pair in past for pk in pair]
    random.Random(7).shuffle(arrivals)  # a cold crawl brings them in no order
    for pk in arrivals:
        waiting = assigner.assign(pk, defer=True)
        assert waiting.pending and waiting.story_id is None
    assert _waiting(store) == len(arrivals)
    assert all(_story(store, pk) is None for pk in arrivals)

    sweep = assigner.assign_late()
    assert sweep.complete and not sweep.elsewhere and not sweep.failed
    assert sorted(sweep.assigned) == sorted(arrivals)
    assert _waiting(store) == 0
    # One window slid over the whole week: read once, not once per article or per day.
    assert assigner.late.reads == 1
    for pa, pb in past:
        assert _story(store, pa) == _story(store, pb) is not None
    _check_invariants(store)


def test_the_whole_backlog_sweep_holds_one_slice_of_decisions_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``assign_late_stories`` (after an import of millions) works the backlog in slices and
    drops each slice's decisions once counted: memory bounded by a slice, not by the backlog."""
    assigner = _assigner(store)
    _live_week_later(store, assigner)
    pairs = [c for c in hard_cases() if c["same"]][:4]
    for i, case in enumerate(pairs):
        for side, hours in (("a", 30 * i), ("b", 30 * i + 2)):
            pk = save(store, f"{side}{i}", f"https://{side}.example/{i}", case[side]["title"],
                      case[side]["body"], hours, lang=case["lang"])  # fmt: skip
            assert assigner.assign(pk, defer=True).pending
    held: list[int] = []
    whole = StoryStore.assign_late

    def in_threes(self: StoryStore, *, budget: float | None = None, batch: int = 200):
        sweep = whole(self, budget=budget, batch=3)
        held.append(len(sweep.assigned))
        return sweep

    monkeypatch.setattr(StoryStore, "assign_late", in_threes)
    monkeypatch.setattr(stories_store, "SWEEP_SLICE", 0.0)  # one batch per call
    assert assign_late_stories(store) == 8
    assert _waiting(store) == 0
    assert max(held) <= 3 and sum(held) == 8
    _check_invariants(store)


def test_assign_story_without_defer_works_the_backlog_at_once(store: Store) -> None:
    _live_week_later(store, story_store(store))
    case = next(c for c in hard_cases() if c["kind"] == "toll" and c["lang"] == "fr")
    pa = save(store, "a", "https://a.example/1", case["a"]["title"], case["a"]["body"], 0, lang="fr")  # fmt: skip
    pb = save(store, "b", "https://b.example/1", case["b"]["title"], case["b"]["body"], 5, lang="fr")  # fmt: skip
    first = assign_story(store, pa)
    assert not first.pending and first.story_id is not None
    assert assign_story(store, pb).story_id == first.story_id
    assert _waiting(store) == 0
    _check_invariants(store)


def test_the_sliding_window_sees_what_another_process_assigned(store: Store) -> None:
    one, other = _assigner(store), _assigner(store)
    _live_week_later(store, one, other)
    rows = load_ant_rows()
    early = save(store, "ant", "https://ant.example/old", rows[5]["title"], rows[5]["text"], 0)
    other.assign(early)  # `other` now holds a late window starting that day
    reads = other.late.reads
    case = next(c for c in hard_cases() if c["kind"] == "toll" and c["lang"] == "ar")
    pa = save(store, "a", "https://a.example/1", case["a"]["title"], case["a"]["body"], 20)
    first = one.assign(pa)  # written by the first process only
    pb = save(store, "b", "https://b.example/1", case["b"]["title"], case["b"]["body"], 23)
    assert other.assign(pb).story_id == first.story_id
    assert other.late.reads == reads  # the same window, brought up to date, not read again
    _check_invariants(store)


def test_one_process_at_a_time_works_the_backlog(store: Store) -> None:
    _, pk = _one_waiting(store)
    with backlog.exclusive(store, "another machine:123") as held:
        assert held
        busy = _assigner(store).assign_late()
        assert busy.elsewhere and not busy.assigned
        assert _waiting(store) == 1
    assert _assigner(store).assign_late().assigned.keys() == {pk}


def test_the_lease_of_a_process_that_died_expires(store: Store) -> None:
    assigner, pk = _one_waiting(store)
    assert backlog.renew(store, "dead:1", seconds=0.3)  # took it, then died
    assert assigner.assign_late().elsewhere
    time.sleep(0.4)
    assert assigner.assign_late().assigned.keys() == {pk}
    assert backlog.renew(store, assigner.owner)  # let go after the sweep: free again


def test_an_article_that_fails_is_dropped_and_the_rest_are_assigned(
    store: Store, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    assigner = _assigner(store)
    _live_week_later(store, assigner)
    rows = load_ant_rows()
    pks = [save(store, "ant", f"https://ant.example/old/{i}", r["title"], r["text"], i) for i, r in enumerate(rows[5:10])]  # fmt: skip
    for pk in pks:
        assigner.assign(pk, defer=True)
    bad = pks[2]
    decide = StoryStore._decide

    def broken(self, conn, index, f, *args, **kwargs):
        if f.pk == bad:
            raise ValueError("a bug in one article")
        return decide(self, conn, index, f, *args, **kwargs)

    monkeypatch.setattr(StoryStore, "_decide", broken)
    sweep = assigner.assign_late(batch=10)
    assert sweep.failed == [bad]
    assert sorted(sweep.assigned) == sorted(set(pks) - {bad})
    assert _waiting(store) == 0 and _story(store, bad) is None
    assert f"late story assignment failed pk={bad}" in caplog.text


def test_an_article_rewritten_while_it_waits_is_judged_by_its_new_text(store: Store) -> None:
    assigner = _assigner(store)
    _live_week_later(store, assigner)
    toll = next(c for c in hard_cases() if c["kind"] == "toll" and c["lang"] == "ar")
    other = next(c for c in hard_cases() if c["kind"] == "paraphrase" and c["lang"] == "ar")
    pa = save(store, "a", "https://a.example/1", toll["a"]["title"], toll["a"]["body"], 1)
    pb = save(store, "b", "https://b.example/1", other["a"]["title"], other["a"]["body"], 3)
    assigner.assign(pa, defer=True)
    assigner.assign(pb, defer=True)
    # Outlet b rewrites its article into the toll story before the backlog is worked.
    save(store, "b", "https://b.example/1", toll["b"]["title"], toll["b"]["body"], 3)
    assigner.assign(pb, defer=True)
    assert _waiting(store) == 2
    assert assign_late_stories(store) == 2  # the backlog is the archive's: any process works it
    assert _story(store, pa) == _story(store, pb)
    _check_invariants(store)


def test_status_counts_the_waiting_articles(store: Store) -> None:
    assert backlog.status(store) == (0, None)
    _one_waiting(store)
    count, since = backlog.status(store)
    assert count == 1 and since is not None and since.tzinfo is not None


def test_cli_late_works_the_backlog(store: Store, settings, database_url: str) -> None:
    from click.testing import CliRunner

    from test_stories_store import _cli

    settings = settings.override(database_url=database_url)
    _, pk = _one_waiting(store, story_store(store, settings))
    stats = CliRunner().invoke(_cli(settings), ["stories", "stats", "--json"])
    assert '"waiting": 1' in stats.output
    result = CliRunner().invoke(_cli(settings), ["stories", "late"])
    assert result.exit_code == 0, result.output
    assert "1 articles assigned; 0 still waiting" in result.output
    assert _story(store, pk) is not None


def test_cli_late_reports_an_archive_it_cannot_open(settings) -> None:
    from click.testing import CliRunner

    from test_stories_store import _cli

    settings = settings.override(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(_cli(settings), ["stories", "late"])
    assert result.exit_code != 0 and "cannot open the archive" in result.output


def _drafted(store: Store, articles: list[Article]) -> dict[str, int]:
    """Store ``articles`` as the bulk import does: prepared with the drafts of their story
    features, queued in the backlog in the same transaction; their pks by URL."""
    for article in articles:
        store.ensure_source(article.source, article.source, article.lang)
    prepared = [with_story_draft(prepare(article)) for article in articles]
    saved = save_prepared(store, prepared, defer_stories=True)
    return {article.url: result.pk for article, result in zip(articles, saved, strict=True)}


def _article(i: int, title: str, body: str, lang: str = "ar", summary: str = "") -> Article:
    return Article(
        source=f"s{i % 3}",
        url=f"https://s.example/{i}",
        title=title,
        summary=summary,
        body_text=body,
        published=T0 + timedelta(hours=i),
        lang=lang,
    )


def test_the_draft_of_an_article_gives_the_features_its_stored_row_gives(store: Store) -> None:
    """What a bulk import's workers draft beside the analysis is what the sweep would compute
    from the stored row, field for field: Arabic and French articles, one without a body (it
    is analysed with its summary, which its story features do not read)."""
    rows = load_ant_rows()[:120]
    articles = [_article(i, r["title"], r["text"]) for i, r in enumerate(rows)]
    french = [c for c in hard_cases() if c["lang"] == "fr"][:10]
    articles += [_article(200 + i, c["a"]["title"], c["a"]["body"], "fr") for i, c in enumerate(french)]  # fmt: skip
    articles.append(_article(300, rows[0]["title"], "", summary=rows[1]["text"][:300]))
    _drafted(store, articles)
    with store.engine.connect() as conn:
        waiting = backlog.waiting(conn, 1000, None, _ARTICLE_COLUMNS)
    assert len(waiting) == len(articles)
    for row in waiting:
        key = content_key(row.title or "", row.body_text or "")
        assert row.draft_key == key and row.draft_features
        assert _features_of_waiting(row, key) == _features_of_row(row)


def test_the_sweep_reads_a_draft_of_the_stored_text_and_ignores_a_stale_one(
    store: Store,
) -> None:
    rows = load_ant_rows()[10:12]
    a, b = (_article(i, r["title"], r["text"]) for i, r in enumerate(rows))
    pks = _drafted(store, [a, b])
    pa, pb = pks[a.url], pks[b.url]
    with store.engine.begin() as conn:
        query = select(story_backlog.c.article_pk, story_backlog.c.features)
        drafts = dict(conn.execute(query).all())
        # a's draft says b's features (its key still that of a's text): the sweep must use it;
        # b's draft is of another text (its key does not match): the sweep must not.
        conn.execute(
            update(story_backlog)
            .where(story_backlog.c.article_pk == pa)
            .values(features=drafts[pb])
        )
        conn.execute(
            update(story_backlog)
            .where(story_backlog.c.article_pk == pb)
            .values(content_key="0" * 16, features=drafts[pa])
        )
    assert assign_late_stories(store) == 2
    with store.engine.connect() as conn:
        query = select(article_signatures.c.article_pk, article_signatures.c.features)
        stored = dict(conn.execute(query).all())
    assert stored[pa] == drafts[pb]
    assert stored[pb] == drafts[pb]  # computed again from b's stored text

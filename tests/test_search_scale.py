"""What keeps search fast on a large archive, checked for exactness on both backends: the
ranked window of the newest matches, filters answered by the SQLite index (facets) and kept in
step with moderators and enrichment, whole-day date ranges, and migration 0008."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from nashra.enrich.article import Enrichment
from nashra.enrich.store import rebuild, save_enrichment, set_section
from nashra.ingest import save_article
from nashra.model import Article
from nashra.search import SearchRequest, search
from nashra.search.facets import day_tokens, facet_tokens, month_cover
from nashra.store import Store
from nashra.store.db import _alembic_config
from nashra.store.queries import Filters
from nashra.store.schema import articles
from nashra.text import analyse

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _save(store: Store, n: int, title: str, body: str, **kw) -> int:
    values = dict(
        source="demo",
        url=f"https://example.test/{n}",
        title=title,
        body_text=body,
        published=T0 + timedelta(hours=n),
        lang="ar",
    )
    values.update(kw)
    return save_article(store, Article(**values)).pk


def _pks(results) -> list[int]:
    return [h.row["pk"] for h in results.hits]


def test_relevance_ranks_the_newest_matches_then_older_ones_newest_first(store: Store) -> None:
    store.ensure_source("demo", "ديمو")
    pks = []
    for n in range(12):
        strong = n % 3 == 0  # in the title and thrice in the body
        title = "الميزانية الجديدة" if strong else f"خبر رقم {n}"
        body = "الميزانية " * (3 if strong else 1) + f"نص الخبر {n} عن الاقتصاد والمال"
        pks.append(_save(store, n, title, body))
    full = search(store, SearchRequest(q="الميزانية", per_page=50, rank_window=0))
    assert full.exact_total == 12 and sorted(_pks(full)) == sorted(pks)
    windowed = search(store, SearchRequest(q="الميزانية", per_page=50, rank_window=4))
    newest = sorted(pks, reverse=True)[:4]
    ranked_order = [pk for pk in _pks(full) if pk in newest]
    older = sorted(set(pks) - set(newest), reverse=True)
    assert windowed.exact_total == 12
    assert _pks(windowed) == ranked_order + older
    # Pages of any size cut the same list, with nothing repeated or lost across the seam.
    for size in (3, 4, 5):
        paged = []
        for page in range(1, 6):
            request = SearchRequest(q="الميزانية", per_page=size, page=page, rank_window=4)
            paged += _pks(search(store, request))
        assert paged == _pks(windowed)


def test_index_filters_follow_moderators_and_enrichment(store: Store) -> None:
    store.ensure_source("demo", "ديمو")
    first = _save(store, 1, "الحكومة تقر الميزانية", "نص عن الميزانية", section="economics")
    _save(store, 2, "الميزانية والرياضة", "نص عن الميزانية", section="sports")

    def in_section(section: str) -> list[int]:
        request = SearchRequest(q="الميزانية", filters=Filters(section=section))
        return _pks(search(store, request))

    assert in_section("economics") == [first]
    with store.engine.connect() as conn:
        num = conn.execute(select(articles.c.num).where(articles.c.pk == first)).scalar_one()
    set_section(store, "demo", num, "politics", "moderator")
    assert in_section("economics") == [] and in_section("politics") == [first]
    save_enrichment(store, first, Enrichment("culture", "classifier", 0.9))
    assert in_section("politics") == [first]  # the moderator's choice stands
    # A rebuild files the articles anew: every section filter agrees with the stored rows.
    rebuild(store, [])
    everything = search(store, SearchRequest(q="الميزانية"))
    with store.engine.connect() as conn:
        stored = dict(conn.execute(select(articles.c.pk, articles.c.section)).all())
    assert stored[first] == "politics"
    for section in set(stored.values()):
        expected = [pk for pk in _pks(everything) if stored[pk] == section]
        assert in_section(section) == expected


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2024-01-02", "2024-01-03"),  # one whole day
        ("2024-01-02", None),  # open-ended
        (None, "2024-01-02"),
        ("2023-12-31", "2025-03-01"),  # years, months and days together
        ("2024-01-02T12:00:00", "2024-01-04T06:30:00"),  # date-times: kept in SQL
        ("2030-01-01", None),  # no day of the archive
    ],
)
def test_date_ranges_are_exact_at_their_edges(store: Store, since, until) -> None:
    store.ensure_source("demo", "ديمو")
    moments = [
        T0 - timedelta(seconds=1),
        T0 + timedelta(days=1) - timedelta(microseconds=1),
        T0 + timedelta(days=1),
        T0 + timedelta(days=1, hours=12),
        T0 + timedelta(days=2),
        T0 + timedelta(days=3, hours=6, minutes=30),
        datetime(2024, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2025, 2, 28, 23, 0, tzinfo=UTC),
        datetime(2025, 3, 1, tzinfo=UTC),
    ]
    saved = {
        _save(store, n, f"الميزانية {n}", "نص عن الميزانية", published=when): when
        for n, when in enumerate(moments)
    }
    low = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    high = datetime.fromisoformat(until).replace(tzinfo=UTC) if until else None
    expected = {
        pk for pk, when in saved.items() if (not low or when >= low) and (not high or when < high)
    }
    request = SearchRequest(q="الميزانية", per_page=50, filters=Filters(since=low, until=high))
    results = search(store, request)
    assert set(_pks(results)) == expected and results.exact_total == len(expected)


def test_day_tokens_cover_a_range_with_the_fewest_tokens() -> None:
    from datetime import date

    assert day_tokens(date(2018, 3, 9), date(2018, 3, 11)) == ["d20180309", "d20180310"]
    assert day_tokens(date(2017, 12, 31), date(2019, 2, 2)) == [
        "d20171231",
        "y2018",
        "m201901",
        "d20190201",
    ]
    assert day_tokens(date(2018, 3, 1), date(2018, 3, 1)) == []


def test_month_cover_widens_an_edge_month_mostly_in_the_range() -> None:
    from datetime import date

    d = date
    # 365 days from 5 March: March 2021 (27 of 31 days) whole, March 2022 (4 days) not.
    assert month_cover(d(2021, 3, 5), d(2022, 3, 5)) == (d(2021, 3, 1), d(2022, 3, 5))
    assert month_cover(d(2021, 3, 20), d(2022, 3, 25)) == (d(2021, 3, 20), d(2022, 4, 1))
    assert month_cover(d(2021, 3, 5), d(2021, 3, 28)) == (d(2021, 3, 1), d(2021, 4, 1))
    assert month_cover(d(2021, 3, 9), d(2021, 3, 11)) == (d(2021, 3, 9), d(2021, 3, 11))
    assert month_cover(d(2021, 2, 20), d(2021, 3, 12)) == (d(2021, 2, 20), d(2021, 3, 12))
    assert month_cover(d(2021, 3, 1), d(2021, 4, 1)) == (d(2021, 3, 1), d(2021, 4, 1))
    assert len(day_tokens(*month_cover(d(2021, 3, 5), d(2022, 3, 5)))) == 16  # 42 exact


def test_migration_0008_moves_an_existing_index_and_keeps_its_trigger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:  # an archive as it was before 0008, with two indexed articles
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(
            text(
                "INSERT INTO sources (slug, name_ar, name_fr, name_en, site_url, lang, next_num, "
                "created_at) VALUES ('هسبريس', '', '', '', '', 'ar', 3, '2024-01-01')"
            )
        )
        for pk, (section, when) in enumerate(
            [("sports", "2024-02-29 23:59:59.000000"), (None, "2024-03-01 00:00:00.000000")], 1
        ):
            conn.execute(
                text(
                    "INSERT INTO articles (pk, source, num, url, title, summary, body_html, "
                    "body_text, norm_text, body_hash, published, fetched_at, author, lang, "
                    "section, categories, partial) VALUES (:pk, 'هسبريس', :pk, :url, 'عنوان', "
                    "'', '', 'الميزانية', '', '', :when, :when, '', 'ar', :section, '', 0)"
                ),
                {"pk": pk, "url": f"https://x.test/{pk}", "when": when, "section": section},
            )
            conn.execute(
                text(
                    "INSERT INTO article_search (rowid, title, body, author, title_words, "
                    "body_words) VALUES (:pk, 'عنوان', :body, '', 'عنوان', 'الميزانية')"
                ),
                {"pk": pk, "body": " ".join(analyse("الميزانية", "ar"))},
            )
    engine.dispose()
    store = Store.open(url)  # upgrades to the heads, 0008 among them
    try:
        with store.engine.connect() as conn:
            facets = dict(conn.execute(text("SELECT rowid, facets FROM article_search")).all())
            rows = conn.execute(
                select(articles.c.pk, articles.c.source, articles.c.section, articles.c.lang,
                       articles.c.published)
            ).all()  # fmt: skip
        assert facets == {r.pk: facet_tokens(*r[1:]) for r in rows}
        sports = search(store, SearchRequest(q="الميزانية", filters=Filters(section="sports")))
        assert _pks(sports) == [1]
        march = Filters(since=datetime(2024, 3, 1, tzinfo=UTC))
        assert _pks(search(store, SearchRequest(q="الميزانية", filters=march))) == [2]
        with store.engine.begin() as conn:
            conn.execute(articles.delete().where(articles.c.pk == 1))
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM article_search")).scalar_one() == 1
    finally:
        store.close()


def test_date_sort_walks_the_date_index_with_the_same_results(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many matches: newest first by walking the published index; few: sorting the matches.
    Both give the same pages (published order differs from pk order here on purpose)."""
    from nashra.search import engine

    store.ensure_source("demo", "ديمو")
    for n in range(30):
        when = T0 + timedelta(hours=(n * 7) % 30)  # stored out of date order
        _save(store, n, f"الميزانية {n}", "نص عن الميزانية والاقتصاد", published=when)

    def pages(size: int) -> list[int]:
        out, page = [], 1
        while hits := _pks(
            search(store, SearchRequest(q="الميزانية", sort="date", per_page=size, page=page))
        ):
            out, page = out + hits, page + 1
        return out

    sorted_matches = pages(4)
    monkeypatch.setattr(engine, "DATE_WALK_ABOVE", 5)
    assert pages(4) == sorted_matches and pages(7) == sorted_matches
    with store.engine.connect() as conn:
        published = dict(conn.execute(select(articles.c.pk, articles.c.published)).all())
    assert len(sorted_matches) == 30
    assert sorted_matches == sorted(published, key=lambda pk: (published[pk], pk), reverse=True)


def test_the_date_walk_of_a_date_range_starts_and_stops_at_its_bounds(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A date range the index answers (whole days) leaves no SQL filter, so the date sort walks
    the date index: from the range's end to its start, not from the newest article of the
    archive (a year long past would be reached through every article since)."""
    from sqlalchemy import event

    from nashra.search import engine

    store.ensure_source("demo", "ديمو")
    for n in range(40):
        _save(store, n, f"الميزانية {n}", "نص عن الميزانية", published=T0 + timedelta(days=n))
    monkeypatch.setattr(engine, "DATE_WALK_ABOVE", 5)
    since, until = T0 + timedelta(days=10), T0 + timedelta(days=30)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    request = SearchRequest(q="الميزانية", sort="date", per_page=50,
                            filters=Filters(since=since, until=until))  # fmt: skip
    found = _pks(search(store, request))
    with store.engine.connect() as conn:
        published = dict(conn.execute(select(articles.c.pk, articles.c.published)).all())
    inside = [pk for pk, when in published.items() if since <= when < until]
    assert found == sorted(inside, key=lambda pk: published[pk], reverse=True)
    walks = [s for s in statements if "ORDER BY articles.published DESC" in s]
    assert walks and all("articles.published >=" in s for s in walks), walks


def _save_budget_news(store: Store) -> None:
    """30 articles of one outlet, 8 with the word in the title, each with it 1-3 times."""
    store.ensure_source("demo", "ديمو")
    for n in range(30):
        title = "الميزانية الجديدة" if n % 4 == 0 else f"خبر رقم {n}"
        body = "الميزانية " * (1 + n % 3) + f"نص الخبر {n} عن الاقتصاد والمال والميزانية العامة"
        _save(store, n, title, body)


def _shown(results) -> tuple[int, int, list[tuple[int, float, str]]]:
    return (results.total, results.exact_total,
            [(h.row["pk"], h.score, h.matched) for h in results.hits])  # fmt: skip


def test_one_pass_counts_and_ranks_a_few_matches_with_the_same_results(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a one-word (or phrase) search expected to have few matches counts and
    ranks them in one statement (``count(*) OVER ()``) instead of a count and a ranking: the
    same totals, pages and scores as the two passes, whatever the window and the page."""
    from sqlalchemy import event

    from nashra.search import engine

    if store.dialect != "postgresql":
        pytest.skip("SQLite has no planner estimate; it counts (cheaply) as before")
    _save_budget_news(store)
    requests = [
        SearchRequest(q=q, per_page=size, page=page, rank_window=window)
        for q in ("الميزانية", '"الميزانية العامة"', "الاقتصاد")
        for size, page in ((5, 1), (5, 3), (50, 1))
        for window in (0, 10, 5000)
    ]
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    counted = []
    two_pass_count = engine._Matches.count
    monkeypatch.setattr(
        engine._Matches, "count", lambda self: counted.append(1) or two_pass_count(self)
    )

    one_pass = [_shown(search(store, r)) for r in requests]
    assert counted == [] and any("OVER ()" in s for s in statements)
    monkeypatch.setattr(
        engine._Matches, "counted_and_ranked", lambda self, w, n: (self.count(), None)
    )
    assert [_shown(search(store, r)) for r in requests] == one_pass


def test_one_pass_ranks_the_newest_window_of_more_matches_without_reading_them_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More matches than the window (a phrase ranks 1,000: 1,693 at 500,000 articles): the one
    pass that counts them also ranks the newest ``window``, so the first page does not read
    them a second time."""
    from nashra.search import engine

    if store.dialect != "postgresql":
        pytest.skip("SQLite has no planner estimate; it counts (cheaply) as before")
    _save_budget_news(store)
    passes: list[int] = []
    read = engine._Matches._best_of_newest
    monkeypatch.setattr(
        engine._Matches, "_best_of_newest", lambda s, *a: passes.append(1) or read(s, *a)
    )
    for q in ("الميزانية", '"الميزانية العامة"'):
        results = search(store, SearchRequest(q=q, per_page=5, rank_window=10))
        assert results.total == 30 and len(results.hits) == 5
    assert passes == []


def test_one_pass_counts_scores_not_the_matches_tsvectors(store: Store) -> None:
    """The window that counts the matches of the one-pass statement holds each match's pk and
    score only: PostgreSQL computes the scores beneath it. Merged into one query level, the
    window kept every match's ``tsvector`` for the score to be computed above it, and spilled
    to a temporary file past ``work_mem`` (a third of a phrase search at a million articles)."""
    from sqlalchemy import event

    if store.dialect != "postgresql":
        pytest.skip("SQLite has no planner estimate; it counts (cheaply) as before")
    store.ensure_source("demo", "ديمو")
    for n in range(5):
        _save(store, n, f"الميزانية الجديدة {n}", "نص عن الميزانية العامة والاقتصاد")
    seen: list[tuple[str, Any]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "OVER ()" in statement:
            seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", keep)
    assert search(store, SearchRequest(q='"الميزانية العامة"')).total == 5
    [(statement, parameters)] = seen

    def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield plan
        for child in plan.get("Plans", ()):
            yield from nodes(child)

    with store.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (VERBOSE, FORMAT JSON) " + statement, parameters)
        [[plan]] = cursor.fetchall()
    windows = [n for n in nodes(plan[0]["Plan"]) if n["Node Type"] == "WindowAgg"]
    fed = [column for window in windows for child in window["Plans"] for column in child["Output"]]
    assert windows and fed and not [c for c in fed if c.endswith("terms")], fed


def test_the_newest_matches_are_ranked_in_one_pass_with_the_same_results(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a page within the ranked window comes from one walk of the newest
    matches (scored as they are walked) instead of finding the window's oldest match and then
    reading the matches above it again: the same pages, scores and totals either way."""
    from nashra.search import engine
    from nashra.search.backends import PostgresBackend

    if store.dialect != "postgresql":
        pytest.skip("FTS5 orders by its own rank column; SQLite keeps the floor and the ranking")
    _save_budget_news(store)
    requests = [
        SearchRequest(q=q, per_page=size, page=page, rank_window=window)
        for q in ("الميزانية", "الميزانية الاقتصاد", '"الميزانية العامة"', "الميزا*")
        for size, page in ((5, 1), (5, 2), (5, 3), (50, 1))
        for window in (0, 4, 10, 12)
    ] + [
        SearchRequest(q="الميزانية", mode="writer", per_page=5, page=2, rank_window=10),
    ]
    floors: list[int] = []
    walks: list[int] = []
    floor, walk = engine._Matches.floor, engine._Matches.best_of_newest
    monkeypatch.setattr(engine._Matches, "floor", lambda s, w: floors.append(1) or floor(s, w))
    monkeypatch.setattr(
        engine._Matches, "best_of_newest", lambda s, *a: walks.append(1) or walk(s, *a)
    )

    one_pass = [_shown(search(store, r)) for r in requests]
    assert walks and floors  # a page past the window still walks down from the floor
    monkeypatch.setattr(PostgresBackend, "ranks_newest_in_one_pass", False)
    walks.clear()
    assert [_shown(search(store, r)) for r in requests] == one_pass and not walks


def test_a_phrase_ranks_its_own_smaller_window_of_newest_matches(store: Store) -> None:
    """``phrase_rank_window``: a query with a phrase ranks that many newest matches (its
    candidates are each read on PostgreSQL), older ones follow newest first; a query of words
    keeps ``rank_window``."""
    store.ensure_source("demo", "ديمو")
    pks = []
    for n in range(12):
        strong = n % 3 == 0
        title = "الميزانية العامة" if strong else f"خبر رقم {n}"
        body = "الميزانية العامة " * (3 if strong else 1) + f"نص الخبر {n} عن الاقتصاد"
        pks.append(_save(store, n, title, body))

    def shown(q: str, window: int, phrase_window: int) -> list[int]:
        request = SearchRequest(
            q=q, per_page=50, rank_window=window, phrase_rank_window=phrase_window
        )
        return _pks(search(store, request))

    phrase = '"الميزانية العامة"'
    full = shown(phrase, 0, 0)
    assert sorted(full) == sorted(pks)
    newest = sorted(pks, reverse=True)[:4]
    windowed = [pk for pk in full if pk in newest] + sorted(set(pks) - set(newest), reverse=True)
    assert shown(phrase, 0, 4) == shown(phrase, 4, 0) == shown(phrase, 5000, 4) == windowed
    assert shown(phrase, 4, 6) == windowed  # the smaller of the two
    assert shown("الميزانية", 0, 4) == shown("الميزانية", 0, 0)  # no phrase: rank_window


def _save_in_eras(store: Store, counts: dict[int, int]) -> dict[int, list[int]]:
    """``counts[era]`` articles about the budget in each era of PostgreSQL's index (their pks
    from ``era`` × ERA_ROWS on), oldest era first, each telling it 1-3 times."""
    from nashra.search.tables import ERA_ROWS

    store.ensure_source("demo", "ديمو")
    saved: dict[int, list[int]] = {}
    n = 0
    for era in sorted(counts):
        with store.engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('articles', 'pk'), :pk)"),
                         {"pk": max(1, era * ERA_ROWS)})  # fmt: skip
        for _ in range(counts[era]):
            n += 1
            body = "الميزانية العامة " * (1 + n % 3)
            saved.setdefault(era, []).append(_save(store, n, f"الميزانية {n}", body))
    return saved


def _spy_on_eras(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each pass narrowed to eras found the whole window there. The matches are ranked
    apart from their count, as past ``exact_count_below`` (a few matches are otherwise counted
    and ranked in one pass, which reads them all anyway)."""
    from nashra.search import engine

    monkeypatch.setattr(
        engine._Matches, "counted_and_ranked", lambda self, w, n: (self.count(), None)
    )
    attempts: list[bool] = []
    read = engine._Matches._best_of_newest

    def spy(self, window, offset, limit, narrowed=None):
        page, found = read(self, window, offset, limit, narrowed)
        if narrowed is not None:
            attempts.append(found >= window)
        return page, found

    monkeypatch.setattr(engine._Matches, "_best_of_newest", spy)
    return attempts


def _search_with_and_without_eras(
    store: Store, monkeypatch: pytest.MonkeyPatch, requests: list[SearchRequest]
) -> tuple[list[Any], list[Any]]:
    from nashra.search.backends import PostgresBackend

    with_eras = [_shown(search(store, r)) for r in requests]
    monkeypatch.setattr(PostgresBackend, "newest_eras", lambda *a: None)
    return with_eras, [_shown(search(store, r)) for r in requests]


@pytest.mark.parametrize(("old", "new"), [(6, 6), (10, 1)])
def test_a_search_narrowed_to_the_newest_eras_shows_the_same_page(
    store: Store, monkeypatch: pytest.MonkeyPatch, old: int, new: int
) -> None:
    """PostgreSQL ranks the newest matches first among the newest eras of its index, which
    should hold twice the window; the page is theirs only when they hold the whole window
    (6 newest matches for a window of 2), else the whole archive is read (1 for 2): the same
    pages, scores and totals as without the eras either way."""
    if store.dialect != "postgresql":
        pytest.skip("the eras are PostgreSQL's (FTS5 orders by its own rank column)")
    _save_in_eras(store, {0: old, 8: new})
    requests = [
        SearchRequest(q=q, per_page=size, page=page, rank_window=2, phrase_rank_window=2)
        for q in ("الميزانية", '"الميزانية العامة"')
        for size, page in ((1, 1), (1, 2), (2, 1), (5, 1))
    ]
    attempts = _spy_on_eras(monkeypatch)
    with_eras, without = _search_with_and_without_eras(store, monkeypatch, requests)
    assert with_eras == without
    assert attempts and all(attempts) == (new >= 2) and any(attempts) == (new >= 2)


def test_eras_that_held_too_few_matches_are_widened_as_they_say(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The estimate of a phrase is often twice its matches, so the newest eras it picks may
    hold too few: the next pass takes as many more eras as the matches found there say (here
    6 eras held 1 of the 2 wanted; 15 hold both), before reading the whole archive."""
    if store.dialect != "postgresql":
        pytest.skip("the eras are PostgreSQL's")
    saved = _save_in_eras(store, {0: 30, 33: 1, 40: 1})
    request = SearchRequest(q="الميزانية", per_page=5, rank_window=2)
    attempts = _spy_on_eras(monkeypatch)
    with_eras, without = _search_with_and_without_eras(store, monkeypatch, [request])
    assert attempts == [False, True]
    assert with_eras == without
    assert {pk for pk, _, _ in with_eras[0][2][:2]} == {*saved[33], *saved[40]}


def test_the_terms_index_answers_a_search_narrowed_to_eras(store: Store) -> None:
    """Migrations 0016 and 0017: one GIN index holds each row's era and facets beside its terms
    (the old terms-only index is gone), and the planner matches a narrowed search's era
    condition to it."""
    from nashra.search.backends import PostgresBackend
    from nashra.search.query import parse_query
    from nashra.search.tables import pg_search

    if store.dialect != "postgresql":
        pytest.skip("the eras are PostgreSQL's")
    later = _save_in_eras(store, {0: 2, 8: 2})[8]
    backend = PostgresBackend([(t, "text") for t in parse_query('"الميزانية العامة"').terms])
    with store.engine.connect() as conn:
        indexes = dict(conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'article_search'"
        )).all())  # fmt: skip
        assert "ix_article_search_terms" not in indexes
        assert "ix_article_search_era_terms" not in indexes
        definition = indexes["ix_article_search_era_facets_terms"]
        assert "USING gin (nashra_era(article_pk), facets, terms)" in definition
        eras = backend.newest_eras(conn, 1000, 1)
        assert eras is not None
        query = select(pg_search.c.article_pk).where(*backend.strict(), eras.condition())
        compiled = query.compile(dialect=conn.dialect)
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
        assert sorted(pk for (pk,) in conn.execute(query)) == later  # the ninth era's
        assert any("ix_article_search_era_facets_terms" in line for line in plan), plan
        cond = next(line for line in plan if "Index Cond" in line)
        assert "array_to_tsvector" in cond and "terms @@" in cond, plan


def test_eras_are_for_sparse_matches_and_count_from_the_newest_era_s_fill(store: Store) -> None:
    """Matches in more than ``ERA_SHARE`` of the archive are walked newest first (the eras would
    hand every match of theirs over to be scored); fewer start from the eras whose pks should
    hold them, the newest era counted for the pks it holds so far (here 2)."""
    from nashra.search.backends import ERA_SHARE, Eras, PostgresBackend
    from nashra.search.query import parse_query
    from nashra.search.tables import ERA_ROWS

    if store.dialect != "postgresql":
        pytest.skip("the eras are PostgreSQL's")
    _save_in_eras(store, {0: 2, 8: 2})
    newest = 8 * ERA_ROWS + 2
    backend = PostgresBackend([(t, "text") for t in parse_query("الميزانية").terms])
    with store.engine.connect() as conn:
        assert backend.newest_eras(conn, int(ERA_SHARE * newest) + 1, 10) is None
        assert backend.newest_eras(conn, int(ERA_SHARE * newest), 10) is not None
        # 2 × 1 × newest / 1000 = 1,049 pks: the 2 of era 8, then era 7
        assert backend.newest_eras(conn, 1000, 1) == Eras(8, 2)


def test_migration_0016_keeps_an_era_index_built_beforehand(store: Store) -> None:
    """An operator may build the era index while the portal runs (``CREATE INDEX
    CONCURRENTLY``) before upgrading: the migration then only drops the old index."""
    if store.dialect != "postgresql":
        pytest.skip("migration 0016 is PostgreSQL's")
    saved = _save_in_eras(store, {0: 2, 3: 1})
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015")
        conn.execute(text("DROP INDEX IF EXISTS ix_article_search_era_terms"))
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(
            "CREATE FUNCTION nashra_era(bigint) RETURNS tsvector LANGUAGE sql IMMUTABLE AS "
            "$$ SELECT array_to_tsvector(ARRAY['e' || ($1 / 65536)::text]) $$"
        ))  # fmt: skip
        conn.execute(text(
            "CREATE INDEX CONCURRENTLY ix_article_search_era_terms ON article_search "
            "USING gin (nashra_era(article_pk), terms)"
        ))  # fmt: skip
        built = conn.execute(text("SELECT 'ix_article_search_era_terms'::regclass::oid")).scalar()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0016")
        names = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'article_search'"
        )).scalars())  # fmt: skip
        kept = conn.execute(text("SELECT 'ix_article_search_era_terms'::regclass::oid")).scalar()
        command.upgrade(cfg, "heads")
    assert kept == built and "ix_article_search_terms" not in names
    found = _pks(search(store, SearchRequest(q='"الميزانية العامة"')))
    assert sorted(found) == sorted(saved[0] + saved[3])

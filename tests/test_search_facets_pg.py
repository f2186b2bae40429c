"""PostgreSQL's filters inside the search index (migration 0017): the ``facets`` column every
writer fills, the migration that fills it for an existing archive, and a filtered search that
GIN answers without reading ``articles``. The filters' results on both backends are checked in
``test_search_scale.py`` (moderators, enrichment, date edges)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import event, select, text

from nashra.enrich.store import set_section
from nashra.ingest import save_article
from nashra.model import Article
from nashra.search import SearchRequest, search
from nashra.search.backends import PostgresBackend
from nashra.search.facets import facet_tokens
from nashra.search.query import parse_query
from nashra.search.ranking import units_of
from nashra.search.tables import pg_search
from nashra.store import Store
from nashra.store.db import _alembic_config
from nashra.store.queries import Filters
from nashra.store.schema import articles

INDEX = "ix_article_search_era_facets_terms"
CASABLANCA = timezone(timedelta(hours=1))


@pytest.fixture
def pg(store: Store) -> Store:
    if store.dialect != "postgresql":
        pytest.skip("the facets column is PostgreSQL's (SQLite's FTS5 has its own)")
    for slug in ("hespress", "lematin"):
        store.ensure_source(slug, slug)
    return store


def _save_mixed(store: Store) -> dict[int, tuple]:
    """Articles of two outlets, two languages, with and without a section, published around
    midnights in UTC and in another offset (their day is the UTC one)."""
    kinds = [
        ("hespress", "economics", "ar", datetime(2019, 12, 31, 23, 30, tzinfo=UTC)),
        ("hespress", None, "ar", datetime(2020, 1, 1, 0, 30, tzinfo=CASABLANCA)),
        ("lematin", "sports", "fr", datetime(2020, 3, 9, 12, tzinfo=UTC)),
        ("lematin", "politics", "ar", datetime(2019, 6, 1, tzinfo=UTC)),
    ]
    for n, (source, section, lang, published) in enumerate(kinds):
        title = "الميزانية العامة" if lang == "ar" else "Le budget de l'État"
        save_article(store, Article(
            source=source, url=f"https://example.test/{n}", title=f"{title} {n}",
            body_text=f"{title} نص {n}", published=published, lang=lang, section=section,
        ))  # fmt: skip
    with store.engine.connect() as conn:
        rows = conn.execute(select(articles.c.pk, articles.c.source, articles.c.section,
                                   articles.c.lang, articles.c.published)).all()  # fmt: skip
    return {pk: tuple(rest) for pk, *rest in rows}


def _facets_agree(store: Store, stored: dict[int, tuple]) -> None:
    """Each row's ``facets`` holds exactly the lexemes :func:`facet_tokens` writes."""
    same = text(
        "SELECT facets = array_to_tsvector(string_to_array(:tokens, ' ')) "
        "FROM article_search WHERE article_pk = :pk"
    )
    with store.engine.connect() as conn:
        for pk, row in stored.items():
            assert conn.execute(same, {"pk": pk, "tokens": facet_tokens(*row)}).scalar(), pk


def test_every_row_holds_its_article_s_facets_and_follows_a_moderator(pg: Store) -> None:
    stored = _save_mixed(pg)
    _facets_agree(pg, stored)
    pk = next(pk for pk, row in stored.items() if row[1] == "sports")
    with pg.engine.connect() as conn:
        num = conn.execute(select(articles.c.num).where(articles.c.pk == pk)).scalar_one()
    set_section(pg, "lematin", num, "culture", "moderator")
    _facets_agree(pg, {**stored, pk: ("lematin", "culture", *stored[pk][2:])})


def test_migration_0017_fills_an_existing_archive_as_the_writers_do(pg: Store) -> None:
    """``nashra_facets()`` (the migration's SQL) and :func:`facet_tokens` agree, row by row,
    and the column then refuses a row without facets."""
    stored = _save_mixed(pg)
    cfg = _alembic_config()
    with pg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
        columns = conn.execute(text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'article_search'"
        )).scalars().all()  # fmt: skip
        assert "facets" not in columns
        command.upgrade(cfg, "heads")
        nullable = conn.execute(text(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'article_search' AND column_name = 'facets'"
        )).scalar()  # fmt: skip
        indexes = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'article_search'"
        )).scalars())  # fmt: skip
    assert nullable == "NO"
    assert indexes >= {INDEX, "ix_article_search_words", "ix_article_search_author"}
    _facets_agree(pg, stored)
    budget = search(pg, SearchRequest(q="الميزانية", filters=Filters(source="hespress")))
    assert {h.row["pk"] for h in budget.hits} == {
        pk for pk, row in stored.items() if row[0] == "hespress"
    }


def test_migration_0017_keeps_what_an_operator_did_beforehand(pg: Store) -> None:
    """Filled and indexed while the portal ran (the column, the ``UPDATE``, ``CREATE INDEX
    CONCURRENTLY``): the migration fills in place the few rows the portal wrote since, and
    keeps the indexes it finds."""
    for n in range(10, 18):  # one row in twelve without facets: filled in place
        save_article(pg, Article(source="hespress", url=f"https://example.test/{n}",
                                 title=f"خبر {n}", body_text="نص", lang="ar",
                                 published=datetime(2021, 1, n, tzinfo=UTC)))  # fmt: skip
    stored = _save_mixed(pg)
    cfg = _alembic_config()
    migration = ScriptDirectory.from_config(cfg).get_revision("0017").module
    oids = text(
        "SELECT c.relname, c.oid FROM pg_class AS c JOIN pg_index AS i ON i.indexrelid = c.oid "
        "WHERE i.indrelid = 'article_search'::regclass"
    )
    with pg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
        conn.execute(text(migration.FACETS_FUNCTION))
        conn.execute(text("ALTER TABLE article_search ADD COLUMN facets tsvector"))
        conn.execute(text(
            "UPDATE article_search AS s "
            "SET facets = nashra_facets(a.source, a.section, a.lang, a.published) "
            "FROM articles AS a WHERE a.pk = s.article_pk"
        ))  # fmt: skip
    with pg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(
            f"CREATE INDEX CONCURRENTLY {INDEX} ON article_search "
            "USING gin (nashra_era(article_pk), facets, terms)"
        ))  # fmt: skip
        before = dict(conn.execute(oids).all())
        # An article the running portal (the code before 0017) wrote since: no facets.
        conn.execute(text(
            "UPDATE article_search SET facets = NULL "
            "WHERE article_pk = (SELECT max(article_pk) FROM article_search)"
        ))  # fmt: skip
    with pg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
        after = dict(conn.execute(oids).all())
    assert "ix_article_search_era_terms" not in after
    del before["ix_article_search_era_terms"]
    assert after == before  # the operator's index and the others, none rebuilt
    _facets_agree(pg, stored)


def test_a_filtered_search_is_answered_inside_the_index(pg: Store) -> None:
    """An outlet and a year are lexemes of the index beside the words: the plan reads neither
    ``articles`` nor a row the filters drop, and finds what the SQL filters find."""
    stored = _save_mixed(pg)
    backend = PostgresBackend([(t, "text") for t in parse_query("الميزانية").terms])
    year = Filters(
        source="hespress",
        since=datetime(2020, 1, 1, tzinfo=UTC),
        until=datetime(2021, 1, 1, tzinfo=UTC),
    )
    with pg.engine.connect() as conn:
        rest = backend.take_filters(conn, year)
        assert rest == Filters()  # nothing left for SQL on articles
        query = select(pg_search.c.article_pk).where(*backend.strict())
        found = set(conn.execute(query).scalars())
        compiled = query.compile(dialect=conn.dialect)
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(
            conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
        )
    assert found == {
        pk
        for pk, (source, _, _, published) in stored.items()
        if source == "hespress" and published.year == 2020
    }
    assert INDEX in plan and "facets @@" in plan and "articles" not in plan, plan


def test_a_long_range_is_asked_by_whole_months_and_its_days_checked_on_the_rows(pg: Store) -> None:
    """3 to 28 March is one month token inside the index (GIN pays for each ORed token), not 26
    day tokens; the days of March outside the range are still left out, on the rows read."""
    for n, day in enumerate((1, 2, 3, 15, 28, 29, 31)):
        save_article(pg, Article(
            source="hespress", url=f"https://example.test/march/{n}", title=f"الميزانية {day}",
            body_text="نص عن الميزانية", published=datetime(2020, 3, day, 12, tzinfo=UTC),
            lang="ar",
        ))  # fmt: skip
    march = Filters(
        source="hespress",
        since=datetime(2020, 3, 3, tzinfo=UTC),
        until=datetime(2020, 3, 29, tzinfo=UTC),
    )
    results = search(pg, SearchRequest(q="الميزانية", per_page=50, filters=march))
    assert sorted(h.row["published"].day for h in results.hits) == [3, 15, 28]
    assert results.exact_total == 3
    backend = PostgresBackend([(t, "text") for t in parse_query("الميزانية").terms])
    with pg.engine.connect() as conn:
        backend.take_filters(conn, march)
        query = select(pg_search.c.article_pk).where(*backend.strict())
        compiled = query.compile(dialect=conn.dialect)
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(
            conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
        )
    asked = [v for v in compiled.params.values() if isinstance(v, str) and "m202003" in v]
    assert asked and "d2020" not in asked[0], compiled.params
    assert "Filter: (strip(facets) @@" in plan, plan
    assert "Index Cond: ((facets @@" in plan, plan


def _long_article(n: int) -> Article:
    """An article whose search row is past PostgreSQL's 2 kB TOAST threshold twice over: 400
    distinct words, so ``terms`` and ``words`` are a few kB each, which pglz cannot shrink."""
    letters = "ثجحخدذرزسشصضطظعغقم"
    words = [
        "".join(letters[(i * 7 + k * (n + 3)) % len(letters)] for k in range(3)) + letters[i % 17]
        for i in range(400)
    ]
    return Article(
        source="hespress", url=f"https://example.test/long/{n}", title="الميزانية العامة",
        body_text="الميزانية " + " ".join(words), lang="ar",
        published=datetime(2021, 2, 1 + n, tzinfo=UTC),
    )  # fmt: skip


def _out_of_line(store: Store) -> int:
    """How many values of the search table live in its TOAST table (dead row versions vacuumed
    first)."""
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM article_search"))
        toast = conn.execute(text(
            "SELECT reltoastrelid::regclass::text FROM pg_class "
            "WHERE oid = 'article_search'::regclass"
        )).scalar_one()  # fmt: skip
        return conn.execute(text(f"SELECT count(DISTINCT chunk_id) FROM {toast}")).scalar_one()


def _terms(store: Store) -> dict[int, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT article_pk, terms::text FROM article_search")).all()
    return dict(rows)


def test_a_long_article_s_terms_stay_in_its_row(pg: Store) -> None:
    """Ranking reads every match's ``terms``: kept in the row (migration 0018), not one TOAST
    lookup more per match; ``words`` (read for prefixes only) still goes out of the row."""
    save_article(pg, _long_article(0))
    assert _out_of_line(pg) == 1  # ``words``; ``terms`` beside it was the second
    results = search(pg, SearchRequest(q="الميزانية"))
    assert results.exact_total == 1


def test_migration_0018_leaves_old_rows_to_the_operator_s_rewrite(pg: Store) -> None:
    """The migration only changes the storage (instant at any size); the rows written before it
    move into their rows when rewritten, by either way docs/deploy.md gives, terms unchanged."""
    cfg = _alembic_config()
    with pg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0017")
    for n in range(2):
        save_article(pg, _long_article(n))
    before = _terms(pg)
    assert _out_of_line(pg) == 4
    with pg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    assert _out_of_line(pg) == 4
    first = min(before)
    with pg.engine.begin() as conn:  # while the portal runs: batches of pks, then VACUUM
        conn.execute(text(
            "UPDATE article_search SET terms = terms || ''::tsvector, facets = facets || ''::tsvector "
            "WHERE article_pk BETWEEN :lo AND :hi"
        ), {"lo": first, "hi": first})  # fmt: skip
    assert _out_of_line(pg) == 3
    with pg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL article_search"))
    assert _out_of_line(pg) == 2
    assert _terms(pg) == before
    assert search(pg, SearchRequest(q="الميزانية")).exact_total == 2


def test_the_candidates_positions_are_read_where_the_ranking_found_their_rows(
    pg: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranking statement reads every match's row; the candidates' term positions are then
    read at the same places (a TID scan), not looked up again through the pk index — the same
    page either way, and a place that no longer holds its article (the row moved, or another
    took its place) is read by pk."""
    for n in range(6):
        save_article(pg, Article(
            source="hespress", url=f"https://example.test/budget/{n}",
            title="الميزانية" if n % 2 else f"خبر {n}",
            body_text=" ".join(["نص"] * n + ["الميزانية العامة"] * (1 + n % 3)),
            published=datetime(2021, 3, 1 + n, tzinfo=UTC), lang="ar",
        ))  # fmt: skip
    statements: list[str] = []
    event.listen(pg.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    request = SearchRequest(q="الميزانية")
    by_place = [(h.row["pk"], h.score) for h in search(pg, request).hits]
    assert any("ctid = ANY" in s for s in statements)
    monkeypatch.setattr(PostgresBackend, "found_at", lambda self, places: None)
    assert [(h.row["pk"], h.score) for h in search(pg, request).hits] == by_place
    assert len(by_place) == 6

    query = parse_query("الميزانية")
    backend = PostgresBackend([(t, "text") for t in query.terms])
    tokens = {tok for unit in units_of(query) for tok in unit.tokens}
    pks = sorted(pk for pk, _ in by_place)
    with pg.engine.connect() as conn:
        by_pk = backend.doc_terms(conn, pks, tokens)
        places = dict(conn.execute(text("SELECT article_pk, ctid::text FROM article_search")).all())
        backend.places = {pks[0]: places[pks[1]], pks[1]: "(4000000,1)"}
        assert backend.doc_terms(conn, pks, tokens) == by_pk
        conn.exec_driver_sql("SET enable_seqscan = off")  # six rows: one page
        plan = "\n".join(conn.exec_driver_sql(
            "EXPLAIN SELECT 1 FROM article_search AS s WHERE s.article_pk + 0 = ANY(%(pks)s) "
            "AND s.ctid = ANY(CAST(%(places)s AS tid[]))",
            {"pks": pks, "places": [places[pk] for pk in pks]},
        ).scalars())  # fmt: skip
    assert "Tid Scan" in plan, plan

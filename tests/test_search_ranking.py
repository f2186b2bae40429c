"""Relevance ranking: the pure scorer (``nashra.search.ranking``) on hand-made candidates, and the
whole search on a subset of the ARCD questions (tests/data/arcd, see its NOTICE.md): imported as
an archive, asked through ``/api/v1/search``, it must rank at least as well as our analyser under
plain FTS5 BM25 computed here on the same passages, and rank alike on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import PG_URL, _pg_database
from nashra.crawl.importer import import_jsonl
from nashra.search import SearchRequest, search
from nashra.search.backends import _varint
from nashra.search.evaluation import (
    URL_PREFIX,
    Question,
    RetrievalSet,
    bm25_anchor,
    import_records,
    load_retrieval_set,
    score,
)
from nashra.search.query import parse_query
from nashra.search.ranking import LEAD_TERMS, DocTerms, rank, units_of
from nashra.search.stats import corpus_stats, forget
from nashra.store import Store
from nashra.text import analyse

ARCD = Path(__file__).parent / "data" / "arcd"
ARTICLES = 30  # Wikipedia articles of the subset: ~250 passages, ~270 questions
# SQLite and PostgreSQL share the analyser and the scorer; their candidate pools come from
# their own index order (bm25 / ts_rank), so a few top-10 lists differ (measured on the subset:
# see the README's search section). The floor leaves room for that, not for a different ranking.
SAME_TOP10_FLOOR = 0.9


def _ranked(
    query: str, docs: dict[int, tuple[list[str], list[str]]], df: dict[str, int]
) -> list[int]:
    parsed = parse_query(query, ("ar",))
    units = units_of(parsed)
    wanted = {tok for u in units for tok in u.tokens}
    candidates = {
        pk: DocTerms.from_text(
            " ".join(analyse(" ".join(title))), " ".join(analyse(" ".join(body))), wanted
        )
        for pk, (title, body) in docs.items()
    }
    return [r.pk for r in rank(units, candidates, 1000, df)]


FILLER = ["كلام", "عام", "عن", "موضوع", "آخر"]


def test_more_of_the_query_ranks_first() -> None:
    docs = {
        1: (["خبر"], ["الحكومة", *FILLER]),
        2: (["خبر"], ["الحكومة", "المغربية", *FILLER]),
    }
    assert _ranked("الحكومة المغربية", docs, {"حكوم": 50, "مغرب": 50})[0] == 2


def test_rare_words_weigh_more_than_common_ones() -> None:
    docs = {1: (["خبر"], ["الحكومة", *FILLER]), 2: (["خبر"], ["الزلزال", *FILLER])}
    assert _ranked("الحكومة الزلزال", docs, {"حكوم": 900, "زلزال": 3}) == [2, 1]


def test_words_together_rank_before_words_apart() -> None:
    apart = ["رئيس", *FILLER, *FILLER, "الوزراء"]
    together = ["رئيس", "الوزراء", *FILLER, *FILLER]
    docs = {1: (["خبر"], apart), 2: (["خبر"], together)}
    assert _ranked("رئيس الوزراء", docs, {"رءيس": 40, "وزراء": 40}) == [2, 1]


def test_a_phrase_repeated_in_a_long_body_does_not_outrank_it_in_the_title() -> None:
    """Proximity saturates: a long article naming «الأمم المتحدة» six times late in its body does
    not outrank one with the phrase in its headline (each place used to add its full weight)."""
    long_body = FILLER * 280 + ["الأمم", "المتحدة", *FILLER * 10] * 6
    docs = {
        1: (["خبر"], long_body),
        2: (["الأمم", "المتحدة", "تجتمع"], ["الأمم", "المتحدة", *FILLER * 20]),
    }
    assert _ranked('"الأمم المتحدة"', docs, {"امم": 60, "متحد": 90}) == [2, 1]


def test_title_above_lead_above_body() -> None:
    late = [*FILLER * (LEAD_TERMS // len(FILLER) + 1), "الزلزال"]
    docs = {
        1: (["خبر"], late),
        2: (["خبر"], ["الزلزال", *late[:-1]]),
        3: (["الزلزال"], late[:-1]),
    }
    assert _ranked("الزلزال", docs, {"زلزال": 10}) == [3, 2, 1]


def test_question_words_add_little_and_never_outweigh_a_content_word() -> None:
    docs = {1: (["خبر"], ["متى", "كلام", *FILLER]), 2: (["خبر"], ["الزلزال", *FILLER])}
    # «متى» is rarer here than «الزلزال», yet the article with the content word wins.
    assert _ranked("متى الزلزال", docs, {"مت": 1, "زلزال": 100}) == [2, 1]


def test_equal_scores_put_the_article_stored_first() -> None:
    same = (["خبر"], ["الزلزال", *FILLER])
    assert _ranked("الزلزال", {9: same, 4: same, 7: same}, {"زلزال": 10}) == [4, 7, 9]


def test_sqlite_varint() -> None:
    assert _varint(bytes([0x05])) == 5
    assert _varint(bytes([0x81, 0x00])) == 128
    assert _varint(bytes([0xFF] * 8 + [0x01])) == (2**56 - 1) << 8 | 1


# -- end to end on ARCD -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def arcd() -> RetrievalSet:
    return load_retrieval_set(ARCD).subset(ARTICLES)


def _import(store: Store, data: RetrievalSet, folder: Path) -> None:
    path = folder / "arcd.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in import_records(data.passages)),
        "utf-8",
    )
    report = import_jsonl(store, path, {})
    assert report.new == len(data.passages) and not report.errors


@pytest.fixture(scope="module")
def archives(
    arcd: RetrievalSet, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Store]]:
    tmp = tmp_path_factory.mktemp("arcd")
    stores = {"sqlite": Store.open(f"sqlite:///{tmp / 'arcd.db'}")}
    pg = _pg_database() if PG_URL else None
    if pg is not None:
        stores["postgresql"] = Store.open(next(pg))
    for store in stores.values():
        _import(store, arcd, tmp)
    yield stores
    for store in stores.values():
        store.close()
    if pg is not None:
        pg.close()


def _top10(store: Store, question: Question) -> list[str]:
    hits = search(store, SearchRequest(q=question.text, per_page=10)).hits
    return [h.row["url"].removeprefix(URL_PREFIX) for h in hits]


def test_search_ranks_at_least_as_well_as_the_analyser_under_plain_bm25(
    arcd: RetrievalSet, archives: dict[str, Store], tmp_path: Path
) -> None:
    from nashra.config import load_settings
    from nashra.web.app import create_app

    anchor = score(arcd.questions, bm25_anchor(arcd.passages, analyse))
    settings = load_settings(env={}, data_dir=tmp_path / "data")
    with TestClient(create_app(settings, archives["sqlite"])) as client:

        def found(question: Question) -> list[str]:
            response = client.get("/api/v1/search", params={"q": question.text, "limit": 10})
            assert response.status_code == 200
            return [i["url"].removeprefix(URL_PREFIX) for i in response.json()["items"]]

        ours = score(arcd.questions, found)
    print(f"ARCD subset: ours {ours}, analyser under bm25 {anchor}")
    assert len(arcd.questions) > 200
    assert ours.mrr >= anchor.mrr
    assert ours.recall >= anchor.recall


def test_sqlite_and_postgresql_rank_alike(arcd: RetrievalSet, archives: dict[str, Store]) -> None:
    if "postgresql" not in archives:
        pytest.skip("PostgreSQL tests need NASHRA_TEST_DATABASE_URL (set by .ci/run)")
    same = 0
    for question in arcd.questions:
        same += _top10(archives["sqlite"], question) == _top10(archives["postgresql"], question)
    share = same / len(arcd.questions)
    print(f"identical top 10 on both backends: {share:.3f}")
    assert share >= SAME_TOP10_FLOOR


def test_word_counts_are_remembered_per_database(archives: dict[str, Store]) -> None:
    from nashra.search.backends import backend_for

    store = archives["sqlite"]
    forget(store.engine)
    backend = backend_for(store.dialect, [])
    with store.engine.connect() as conn:
        docs, df = corpus_stats(conn, backend, ["خاشقج", "لا-يوجد"])
        assert docs == backend.doc_count(conn) > 200
        assert df["خاشقج"] > 0 and df["لا-يوجد"] == 0
        assert backend.doc_freqs(conn, ["خاشقج"]) == {"خاشقج": df["خاشقج"]}


def test_both_backends_give_the_same_lengths_and_positions(
    arcd: RetrievalSet, archives: dict[str, Store]
) -> None:
    """What the ranking reads of each candidate — title and stream lengths, positions of the
    query's tokens — is the same from FTS5's stored text and from PostgreSQL's tsvectors."""
    if "postgresql" not in archives:
        pytest.skip("PostgreSQL tests need NASHRA_TEST_DATABASE_URL (set by .ci/run)")
    from sqlalchemy import select

    from nashra.search.backends import backend_for
    from nashra.store.schema import articles

    tokens = {tok for q in arcd.questions[:40] for tok in analyse(q.text)}
    seen = {}
    for name, store in archives.items():
        backend = backend_for(store.dialect, [])
        with store.engine.connect() as conn:
            urls = dict(conn.execute(select(articles.c.pk, articles.c.url)).all())
            terms = backend.doc_terms(conn, sorted(urls), tokens)
        seen[name] = {
            urls[pk]: (t.title_tokens, t.body_tokens, {k: list(v) for k, v in t.positions.items()})
            for pk, t in terms.items()
        }
    assert len(seen["sqlite"]) > 200 and seen["sqlite"] == seen["postgresql"]


def test_postgresql_keeps_each_rows_lengths_and_reads_older_rows_alike(
    arcd: RetrievalSet, archives: dict[str, Store]
) -> None:
    """Migration 0015: a trigger keeps where each row's title and stream end (what the ranking
    reads of a candidate without unnesting its ``terms``). They are what ``terms`` says, a row
    written before the migration (NULL) is read the same, and writing a row again sets them."""
    if "postgresql" not in archives:
        pytest.skip("PostgreSQL tests need NASHRA_TEST_DATABASE_URL (set by .ci/run)")
    from sqlalchemy import select, text

    from nashra.search.backends import backend_for
    from nashra.search.index import index_writer
    from nashra.search.tables import pg_search

    store = archives["postgresql"]
    backend = backend_for(store.dialect, [])
    tokens = {tok for q in arcd.questions[:40] for tok in analyse(q.text)}
    computed = (
        "SELECT count(*) FROM article_search WHERE title_end IS DISTINCT FROM "
        "nashra_last_position(ts_filter(terms, '{a}')) OR stream_end IS DISTINCT FROM "
        "nashra_last_position(terms)"
    )
    with store.engine.begin() as conn:
        pks = sorted(conn.execute(select(pg_search.c.article_pk)).scalars())
        kept = backend.doc_terms(conn, pks, tokens)
        assert conn.execute(text(computed)).scalar_one() == 0
        # Half the rows as a row written before the migration: the same lengths and positions.
        conn.execute(
            text(
                "UPDATE article_search SET title_end = NULL, stream_end = NULL "
                "WHERE article_pk % 2 = 0"
            )
        )
        assert conn.execute(text(computed)).scalar_one() > 100
        assert backend.doc_terms(conn, pks, tokens) == kept
        conn.execute(text("UPDATE article_search SET terms = terms WHERE title_end IS NULL"))
        assert conn.execute(text(computed)).scalar_one() == 0
        # An article written again with a longer title: its new lengths.
        ends = select(pg_search.c.title_end, pg_search.c.stream_end).where(
            pg_search.c.article_pk == pks[0]
        )
        before = conn.execute(ends).one()
        words = "كلمة " * 5
        index_writer(conn).write(
            conn,
            [{"pk": pks[0], "title": words, "body": "نص قصير", "author": "",
              "title_words": words, "body_words": "نص قصير", "facets": ""}],
        )  # fmt: skip
        assert conn.execute(ends).one() == (5, 7) != before
        conn.rollback()

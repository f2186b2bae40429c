"""Search over the crawled demo archive, on SQLite (FTS5) and PostgreSQL (tsvector) alike: the
relevance set, the same results on both backends, filters, pagination, bad queries, index sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from conftest import LOOPBACK_ALLOWED, PG_URL, _pg_database
from nashra.config import load_settings
from nashra.crawl.pipeline import crawl
from nashra.demo.sites import DemoServer, DemoSites
from nashra.ingest import prepare, save_article, write_side_rows
from nashra.model import Article
from nashra.search import (
    SearchRequest,
    index_status,
    register_region_links,
    reindex,
    search,
    unindex_article,
)
from nashra.search.engine import FALLBACK_BELOW, FALLBACK_POOL, SearchError
from nashra.store import Store
from nashra.store.queries import Filters
from nashra.store.schema import articles

DATA = Path(__file__).parent / "data" / "search"
RELEVANCE = json.loads((DATA / "relevance.json").read_text(encoding="utf-8"))["queries"]
DEMO_LIMIT = 400
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """The demo outlets crawled once into SQLite and (when configured) PostgreSQL, indexed."""
    tmp = tmp_path_factory.mktemp("search")
    settings = load_settings(
        env={}, data_dir=tmp / "data", per_host_concurrency=8, fetch_allow_networks=LOOPBACK_ALLOWED
    )
    stores = {"sqlite": Store.open(f"sqlite:///{tmp / 'search.db'}")}
    pg = _pg_database() if PG_URL else None
    if pg is not None:
        stores["postgresql"] = Store.open(next(pg))
    with DemoServer(DemoSites(limit=DEMO_LIMIT)) as server:
        sources = server.sites.sources(server.base_url)
        for store in stores.values():
            store.sync_sources(sources)
            crawl(settings, store, sources)
            reindex(store)
    yield stores
    for store in stores.values():
        store.close()
    if pg is not None:
        pg.close()


def _archive(archives: dict[str, Store], backend: str) -> Store:
    if backend not in archives:
        pytest.skip("PostgreSQL tests need NASHRA_TEST_DATABASE_URL (set by .ci/run)")
    return archives[backend]


def _keys(results) -> list[tuple[str, str]]:
    return [(h.row["source"], h.row["title"]) for h in results.hits]


def test_relevance_set_is_large_enough() -> None:
    arabic = [q for q in RELEVANCE if any("\u0600" <= c <= "\u06ff" for c in q["q"])]
    assert len(arabic) >= 40
    assert len(RELEVANCE) - len(arabic) >= 10
    whys = " ".join(q["why"] for q in RELEVANCE)
    for trap in ("hamza", "ta marbuta", "alef maqsura", "diacritics", "digits"):
        assert trap in whys


@pytest.mark.parametrize("backend", BACKENDS)
def test_relevance_set(archives: dict[str, Store], backend: str) -> None:
    store = _archive(archives, backend)
    failures = []
    for item in RELEVANCE:
        request = SearchRequest(q=item["q"], mode=item.get("mode", "topic"), per_page=10)
        got = _keys(search(store, request))
        missing = [tuple(e) for e in item["expect"] if tuple(e) not in got]
        if missing:
            failures.append((item["q"], missing, got[:3]))
    assert not failures


def test_both_backends_find_the_same_articles(archives: dict[str, Store]) -> None:
    if "postgresql" not in archives:
        pytest.skip("PostgreSQL tests need NASHRA_TEST_DATABASE_URL (set by .ci/run)")
    compared = 0
    for item in RELEVANCE:
        found = {}
        for backend, store in archives.items():
            request = SearchRequest(q=item["q"], mode=item.get("mode", "topic"), per_page=100)
            results = search(store, request)
            found[backend] = (
                results.exact_total,
                {
                    (k, m)
                    for k, m in zip(_keys(results), [h.matched for h in results.hits], strict=True)
                    if m == "all"
                },
            )
        assert found["sqlite"] == found["postgresql"], item["q"]
        compared += 1
    assert compared == len(RELEVANCE)


@pytest.mark.parametrize("backend", BACKENDS)
def test_spelling_variants_find_the_same_articles(archives: dict[str, Store], backend: str) -> None:
    store = _archive(archives, backend)

    def found(q: str) -> set[tuple[str, str]]:
        return set(_keys(search(store, SearchRequest(q=q, per_page=100))))

    base = found("الحكومة")
    assert base
    for variant in ("الحكومه", "الحُكُومَة", "الحكـــومة", "والحكومة", "حكومة"):
        assert found(variant) == base, variant
    assert found("إسرائيل") == found("اسرائيل") == found("إسرائيل")
    assert found("مونديال 2026") == found("مونديال ٢٠٢٦") == found("مونديال ۲۰۲۶")


@pytest.mark.parametrize("backend", BACKENDS)
def test_matched_words_are_highlighted_in_the_original_text(
    archives: dict[str, Store], backend: str
) -> None:
    store = _archive(archives, backend)
    results = search(store, SearchRequest(q="الحكومه المغربيه"))
    assert results.hits
    marked = " ".join(h.title_html + " " + h.snippet_html for h in results.hits)
    assert "<mark>" in marked
    # Every marked word is an original spelling whose analysed form is one of the query's.
    from nashra.text import analyse

    for piece in marked.split("<mark>")[1:]:
        word = piece.split("</mark>")[0]
        assert set(analyse(word)) & {"حكوم", "مغرب"}, word


@pytest.mark.parametrize("backend", BACKENDS)
def test_relevance_finds_any_word_and_ranks_more_of_the_query_first(
    archives: dict[str, Store], backend: str
) -> None:
    store = _archive(archives, backend)
    results = search(store, SearchRequest(q="الحكومة المغربية", per_page=100))
    either = {
        pk
        for q in ("الحكومة", "المغربية")
        for pk in (h.row["pk"] for h in search(store, SearchRequest(q=q, per_page=100)).hits)
    }
    assert results.total >= len(either) > results.exact_total >= 1
    assert {h.row["pk"] for h in results.hits} <= either
    kinds = [h.matched for h in results.hits]
    assert kinds.count("all") == results.exact_total and "some" in kinds
    assert kinds[0] == "all"  # the one article with both words comes first
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_function_and_question_words_never_decide_what_is_shown(
    archives: dict[str, Store], backend: str
) -> None:
    store = _archive(archives, backend)

    def found(q: str) -> set[int]:
        return {h.row["pk"] for h in search(store, SearchRequest(q=q, per_page=100)).hits}

    base = found("ترامب")
    assert base
    for question in ("متى ترامب", "من هو ترامب؟", "هل ترامب في", "ترامب على"):
        results = search(store, SearchRequest(q=question, per_page=100))
        assert {h.row["pk"] for h in results.hits} == base, question
        assert all(h.matched == "all" for h in results.hits)
        assert "<mark>في</mark>" not in " ".join(h.snippet_html for h in results.hits)
    # A query of function words only still looks for them.
    assert search(store, SearchRequest(q="هذا")).hits


@pytest.mark.parametrize("backend", BACKENDS)
def test_date_sort_puts_all_words_first_then_most_of_the_words(
    archives: dict[str, Store], backend: str
) -> None:
    store = _archive(archives, backend)
    results = search(store, SearchRequest(q="الحكومة المغربية", sort="date", per_page=100))
    assert results.exact_total < FALLBACK_BELOW
    kinds = [h.matched for h in results.hits]
    assert kinds[: results.exact_total] == ["all"] * results.exact_total
    assert "some" in kinds and "all" not in kinds[results.exact_total :]
    assert len(results.hits) == min(100, results.total)
    assert 0 < results.total - results.exact_total <= FALLBACK_POOL
    # A query that finds enough with every word gets no partial matches.
    many = search(store, SearchRequest(q="ترامب", sort="date", per_page=100))
    assert many.exact_total >= FALLBACK_BELOW
    assert {h.matched for h in many.hits} == {"all"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_filters_sort_and_pages(archives: dict[str, Store], backend: str) -> None:
    store = _archive(archives, backend)
    everything = search(store, SearchRequest(q="سوريا", per_page=100))
    assert everything.exact_total > 20
    by_source = search(store, SearchRequest(q="سوريا", filters=Filters(source="bbcarabic")))
    assert by_source.hits and {h.row["source"] for h in by_source.hits} == {"bbcarabic"}
    assert by_source.exact_total < everything.exact_total
    by_section = search(store, SearchRequest(q="سوريا", filters=Filters(section="sports")))
    assert {h.row["section"] for h in by_section.hits} <= {"sports"}
    french = search(store, SearchRequest(q="Macron", filters=Filters(lang="fr")))
    assert french.hits and {h.row["lang"] for h in french.hits} == {"fr"}
    since = datetime(2018, 3, 10, tzinfo=UTC)
    until = since + timedelta(days=5)
    window = search(store, SearchRequest(q="سوريا", filters=Filters(since=since, until=until)))
    assert window.hits and all(since <= h.row["published"] < until for h in window.hits)
    newest = search(store, SearchRequest(q="سوريا", sort="date", per_page=50))
    dates = [h.row["published"] for h in newest.hits]
    assert dates == sorted(dates, reverse=True)
    page1 = search(store, SearchRequest(q="سوريا", per_page=10))
    page2 = search(store, SearchRequest(q="سوريا", per_page=10, page=2))
    assert page1.next_page == 2 and page2.total == page1.total
    assert not set(_keys(page1)) & set(_keys(page2))
    assert _keys(page1) + _keys(page2) == _keys(everything)[:20]
    # The total comes with the ranked page; a page past the last one still counts the matches.
    last = -(-everything.exact_total // 10)
    beyond = search(store, SearchRequest(q="سوريا", per_page=10, page=last + 1))
    assert beyond.hits == [] and beyond.exact_total == everything.exact_total
    dated = search(store, SearchRequest(q="سوريا", sort="date", per_page=10, page=last))
    assert dated.exact_total == everything.exact_total and dated.hits


@pytest.mark.parametrize("backend", BACKENDS)
def test_prefix_matches_unstemmed_words_and_phrases_keep_order(
    archives: dict[str, Store], backend: str
) -> None:
    store = _archive(archives, backend)
    prefix = search(store, SearchRequest(q="ترام*", per_page=100))
    assert prefix.exact_total >= search(store, SearchRequest(q="ترامب")).exact_total
    assert all("<mark>ترام" in h.title_html + h.snippet_html for h in prefix.hits[:10])
    phrase = search(store, SearchRequest(q='"رئيس الوزراء"', per_page=100))
    reversed_phrase = search(store, SearchRequest(q='"الوزراء رئيس"', per_page=100))
    words = search(store, SearchRequest(q="رئيس الوزراء", per_page=100))
    assert 0 < phrase.exact_total < words.exact_total
    assert reversed_phrase.exact_total < phrase.exact_total


@pytest.mark.parametrize("backend", BACKENDS)
def test_writer_and_region_modes(archives: dict[str, Store], backend: str) -> None:
    store = _archive(archives, backend)
    writer = search(store, SearchRequest(q="رويترز", mode="writer", per_page=100))
    assert writer.hits
    # Agencies are not shown as authors (nashra.enrich), but the writer mode finds their items
    # through the byline the outlet gave.
    pks = [h.row["pk"] for h in writer.hits]
    with store.engine.connect() as conn:
        query = select(articles.c.pk, articles.c.byline).where(articles.c.pk.in_(pks))
        bylines = {pk: byline for pk, byline in conn.execute(query)}
    assert all("رويترز" in bylines[pk] for pk in pks)
    assert all("<mark>" in h.author_html for h in writer.hits if "رويترز" in h.row["author"])
    region = search(store, SearchRequest(q="الغوطة الشرقية", mode="region", per_page=100))
    assert (
        region.hits
        and region.exact_total <= search(store, SearchRequest(q="الغوطة الشرقية")).exact_total
    )
    # The region filter narrows a topic search to articles naming the place.
    narrowed = search(store, SearchRequest(q="سوريا", region="الغوطة"))
    assert 0 < narrowed.exact_total < search(store, SearchRequest(q="سوريا")).exact_total


@pytest.mark.parametrize("backend", BACKENDS)
def test_region_links_replace_text_matching_when_registered(
    archives: dict[str, Store], backend: str
) -> None:
    store = _archive(archives, backend)

    def links(region: str):
        if region != "الرباط":
            return None
        return select(articles.c.pk).where(articles.c.source == "hespress")

    register_region_links(links)
    try:
        linked = search(store, SearchRequest(q="الرباط", mode="region"))
        assert linked.hits and {h.row["source"] for h in linked.hits} == {"hespress"}
        filtered = search(store, SearchRequest(q="المغرب", region="الرباط"))
        assert {h.row["source"] for h in filtered.hits} == {"hespress"}
        unknown = search(store, SearchRequest(q="الغوطة", mode="region"))
        assert unknown.hits  # not a linked region: found by its name in the text
    finally:
        register_region_links(None)


BAD_QUERIES = {
    "unbalanced_quote": '"رئيس الوزراء',
    "lone_quote": '"',
    "lone_star": "*",
    "double_star": "**",
    "lone_and": "AND",
    "lone_or": "OR",
    "lone_not": "NOT",
    "lone_near": "NEAR",
    "near_call": "NEAR(سوريا ترامب, 2)",
    "or_between_words": "سوريا OR ترامب",
    "minus": "-سوريا",
    "lone_minus": "-",
    "colon": ":",
    "column_filter": "title:سوريا",
    "column_set": "{title body}: سوريا",
    "caret": "^سوريا",
    "star_first": "*سوريا",
    "one_letter_prefix": "س*",
    "parentheses": "((سوريا",
    "sql_injection": "'; DROP TABLE articles; --",
    "tsquery_syntax": "سوريا & !ترامب | <-> :*",
    "backslash": "\\\\ \\'",
    "nul_and_controls": "سوريا\x00\x1b[31m",
    "emoji_only": "🔥🔥",
    "long_10000": "سوريا " * 1700,
    "long_unbroken": "س" * 10_000,
    "only_punctuation": "؟!،.",
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(BAD_QUERIES))
def test_bad_queries_give_results_or_a_message(
    archives: dict[str, Store], backend: str, case: str
) -> None:
    store = _archive(archives, backend)
    for mode in ("topic", "writer", "region"):
        results = search(store, SearchRequest(q=BAD_QUERIES[case], mode=mode))
        assert results.hits or results.notes or results.total == 0
        assert results.total >= len(results.hits)
    with store.engine.connect() as conn:  # nothing was dropped
        assert conn.execute(select(articles.c.pk).limit(1)).first() is not None


def test_bad_queries_say_what_happened(archives: dict[str, Store]) -> None:
    store = archives["sqlite"]
    assert "unbalanced_quote" in search(store, SearchRequest(q='"رئيس الوزراء')).notes
    long = search(store, SearchRequest(q="سوريا " * 1700))
    assert "shortened" in long.notes and long.hits
    assert "no_words" in search(store, SearchRequest(q="؟!")).notes
    assert "prefix_too_short" in search(store, SearchRequest(q="س*")).notes
    assert search(store, SearchRequest(q="سوريا OR ترامب")).hits


@pytest.mark.parametrize(
    "field,value",
    [("mode", "everything"), ("sort", "random"), ("page", 0), ("page", 10_000), ("per_page", 0)],
)
def test_out_of_range_parameters_are_refused_clearly(
    archives: dict[str, Store], field: str, value: object
) -> None:
    request = SearchRequest(q="سوريا")
    setattr(request, field, value)
    with pytest.raises(SearchError, match=field.replace("per_page", "per_page")):
        search(archives["sqlite"], request)


# -- keeping the index in sync ----------------------------------------------------------------


def _article(n: int, **kw) -> Article:
    values = dict(
        source="demo",
        url=f"https://example.test/{n}",
        title=f"عنوان رقم {n}",
        body_text="نص المقال عن الاقتصاد",
        published=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        lang="ar",
    )
    values.update(kw)
    return Article(**values)


def test_index_follows_inserts_updates_and_deletes(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        store.ensure_source("demo", "ديمو")
        first = save_article(store, _article(1, title="الحكومة تعلن الميزانية"))
        save_article(store, _article(2, title="مباراة الوداد", author="فاطمة الزهراء"))
        assert index_status(store) == {"articles": 2, "indexed": 2}
        assert _keys(search(store, SearchRequest(q="حكومه")))[0][1] == "الحكومة تعلن الميزانية"
        assert search(store, SearchRequest(q="الزهراء", mode="writer")).exact_total == 1
        save_article(store, _article(1, title="البرلمان يصوت على الميزانية"))
        assert search(store, SearchRequest(q="الحكومة")).exact_total == 0
        assert search(store, SearchRequest(q="البرلمان")).exact_total == 1
        with store.engine.begin() as conn:
            unindex_article(conn, first.pk)
        assert search(store, SearchRequest(q="البرلمان")).exact_total == 0
        assert index_status(store) == {"articles": 2, "indexed": 1}
        assert reindex(store, only_missing=True) == 1
        assert search(store, SearchRequest(q="البرلمان")).exact_total == 1
        with store.engine.begin() as conn:  # the trigger / foreign key drops the index row
            conn.execute(delete(articles).where(articles.c.pk == first.pk))
        assert index_status(store) == {"articles": 1, "indexed": 1}
        assert search(store, SearchRequest(q="الميزانية")).exact_total == 0
    finally:
        store.close()


def test_a_failed_save_leaves_no_index_entry(sqlite_store: Store) -> None:
    store = sqlite_store
    store.ensure_source("demo")
    item = prepare(_article(7, title="خبر لن يحفظ"))

    def side_rows(conn, written):
        write_side_rows(conn, [(item, result) for _i, result in written])
        raise ZeroDivisionError  # the transaction rolls back: article and index entry together

    with pytest.raises(ZeroDivisionError):
        store.save_article(item.article, side_rows=side_rows)
    assert index_status(store) == {"articles": 0, "indexed": 0}
    assert search(store, SearchRequest(q="يحفظ")).exact_total == 0

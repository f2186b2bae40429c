"""The search page, the JSON API and the CLI, over a small archive on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from nashra.config import Settings
from nashra.ingest import save_article
from nashra.model import Article
from nashra.search import reindex
from nashra.search.commands import reindex_cmd, search_cmd
from nashra.search.engine import SearchError
from nashra.store import Store
from nashra.web.app import create_app
from nashra.web.editions import EDITIONS

T0 = datetime(2018, 3, 1, 8, tzinfo=UTC)
TEXTS = [
    (
        "الحكومة المغربية تقدم مشروع الميزانية",
        "قدّمت الحُكومةُ المغربيّة مشروع الميزانية أمام البرلمان <b>اليوم</b>.",
        "politics",
        "ar",
    ),
    ("البرلمان يناقش الميزانية", "ناقش نواب البرلمان ميزانية الحكومه الجديدة.", "politics", "ar"),
    ("الوداد يفوز في الدار البيضاء", "فاز فريق الوداد على ملعبه في الدار البيضاء.", "sports", "ar"),
    (
        "La croissance économique ralentit",
        "Les économistes prévoient une croissance plus faible au Maroc.",
        "economics",
        "fr",
    ),
]


@pytest.fixture
def archive(store: Store) -> Store:
    store.ensure_source("hespress", "هسبريس")
    store.ensure_source("lematin", "Le Matin", lang="fr")
    for n, (title, body, section, lang) in enumerate(TEXTS * 8):
        save_article(
            store,
            Article(
                source="lematin" if lang == "fr" else "hespress",
                url=f"https://example.test/{n}",
                title=title,
                body_text=body,
                summary=body[:60],
                author="سعيد الكاتب" if n % 2 else "",
                published=T0 + timedelta(hours=n),
                section=section,
                lang=lang,
            ),
        )
    reindex(store)
    return store


@pytest.fixture
def client(settings: Settings, archive: Store) -> Iterator[TestClient]:
    app = create_app(settings, archive)
    with TestClient(app) as client:
        yield client


def test_search_page_is_bookmarkable_with_form_count_and_marks(client: TestClient) -> None:
    response = client.get("/search", params={"q": "الحكومة", "sort": "relevance"})
    assert response.status_code == 200
    html = response.text
    for label in ("موضوع", "كاتب", "منطقة"):
        assert label in html
    assert 'value="الحكومة"' in html
    assert "نتيجة" in html
    assert "<mark>الحكومة</mark>" in html and "<mark>الحُكومةُ</mark>" in html
    assert "<mark>الحكومه</mark>" in html  # the original spelling, ta marbuta as ه
    assert "&lt;b&gt;اليوم&lt;/b&gt;" in html  # the text is escaped, only <mark> is markup
    page2 = client.get("/search", params={"q": "الميزانية", "page": "2"})
    assert page2.status_code == 200 and 'rel="prev"' in page2.text


def test_search_page_editions_and_filters(client: TestClient) -> None:
    french = client.get("/fr/search", params={"q": "économistes", "lang": "fr"})
    assert french.status_code == 200 and "Sujet" in french.text
    assert "<mark>économistes</mark>" in french.text
    none = client.get("/search", params={"q": "الحكومة", "section": "sports"})
    assert none.status_code == 200 and "لا توجد نتائج" in none.text


def test_the_help_line_says_how_the_chosen_order_treats_the_words(client: TestClient) -> None:
    """By relevance an article needs only some of the words; by date, or by writer or region,
    every word is required: the line under the form says which."""
    relevance = client.get("/search", params={"q": "الحكومة"}).text
    assert "تأتي أولا المقالات التي تضم أكثر كلماتك" in relevance
    assert "كل الكلمات مطلوبة" not in relevance
    for params in ({"sort": "date"}, {"mode": "writer"}):
        page = client.get("/search", params={"q": "الحكومة", **params}).text
        assert "كل الكلمات مطلوبة" in page and "أكثر كلماتك" not in page
    french = client.get("/fr/search", params={"q": "économistes"}).text
    assert "Les articles qui contiennent le plus de vos mots" in french


@pytest.mark.parametrize(
    "q",
    ['"الحكومة', "NEAR(a b)", "title:x", "*", "'; DROP TABLE articles; --", "س" * 10_000, "؟"],
)
def test_bad_queries_render_the_page_with_a_message(client: TestClient, q: str) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 200
    assert 'role="search"' in response.text


@pytest.mark.parametrize(
    "params,status",
    [
        ({"q": "x", "mode": "all"}, 400),
        ({"q": "x", "sort": "random"}, 400),
        ({"q": "x", "page": "-1"}, 400),
        ({"q": "x", "since": "yesterday"}, 400),
        ({"q": "x", "section": "gossip"}, 400),
        ({"q": "x", "source": "nope"}, 400),
        ({"q": "x", "lang": "de"}, 400),
    ],
)
def test_bad_parameters_are_explained(client: TestClient, params: dict, status: int) -> None:
    page = client.get("/search", params=params)
    assert page.status_code == status and 'role="alert"' in page.text
    api = client.get("/api/v1/search", params=params)
    assert api.status_code == status and api.json()["error"]


def test_api_returns_the_articles_envelope_best_first(client: TestClient) -> None:
    listing = client.get("/api/v1/articles").json()
    response = client.get("/api/v1/search", params={"q": "الحكومة الميزانية", "limit": "5"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"items", "next", "total"}
    assert body["total"] >= 16 and len(body["items"]) == 5 and body["next"] == "2"
    item = body["items"][0]
    assert set(listing["items"][0]) <= set(item)  # the same article objects, plus "search"
    assert "<mark>" in item["search"]["title_html"]
    scores = [i["search"]["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)
    following = client.get(
        "/api/v1/search", params={"q": "الحكومة الميزانية", "limit": "5", "cursor": body["next"]}
    ).json()
    assert not {i["path"] for i in following["items"]} & {i["path"] for i in body["items"]}


def test_api_writer_mode_and_bad_query(client: TestClient) -> None:
    writer = client.get("/api/v1/search", params={"q": "سعيد", "mode": "writer"}).json()
    assert writer["total"] == 16 and all(i["author"] == "سعيد الكاتب" for i in writer["items"])
    bad = client.get("/api/v1/search", params={"q": '"'})
    assert bad.status_code == 200 and bad.json()["items"] == []
    assert {n["code"] for n in bad.json()["notes"]} >= {"unbalanced_quote"}


def _cli(settings: Settings, *args: str):
    group = click.Group(commands=[reindex_cmd, search_cmd])
    return CliRunner().invoke(group, list(args), obj=settings, catch_exceptions=False)


def test_cli_reindex_and_search(tmp_path, settings: Settings) -> None:
    store = Store.open(settings.resolved_database_url)
    try:
        store.ensure_source("hespress")
        article = Article(
            source="hespress",
            url="https://e.test/1",
            title="الحكومة والبرلمان",
            body_text="نص",
            published=T0,
        )
        store.save_article(article)  # the bare store: no search document, as before the index
    finally:
        store.close()
    before = _cli(settings, "search", "الحكومة", "--json")
    assert before.exit_code == 0
    assert json.loads(before.output)["total"] == 0
    assert "nashra reindex" in " ".join(json.loads(before.output)["notes"])
    done = _cli(settings, "reindex")
    assert done.exit_code == 0 and "indexed 1 articles" in done.output
    after = json.loads(_cli(settings, "search", "حكومه", "--json").output)
    assert after["total"] == 1 and after["items"][0]["title"] == "الحكومة والبرلمان"
    assert after["estimated"] is False  # counted (SQLite counts every match)
    text = _cli(settings, "search", "البرلمان")
    assert "1 results" in text.output
    bad = CliRunner().invoke(
        click.Group(commands=[search_cmd]), ["search", "x", "--since", "soon"], obj=settings
    )
    assert bad.exit_code == 2 and "since must be a date" in bad.output


def test_the_rank_window_setting_reaches_the_page_api_and_cli(
    settings: Settings, archive: Store
) -> None:
    """``search_rank_window``: the newest N matches ranked, the older ones newest first."""
    settings = settings.override(search_rank_window=3)
    with TestClient(create_app(settings, archive)) as client:
        api = client.get("/api/v1/search", params={"q": "الميزانية", "limit": 10}).json()
        page = client.get("/search", params={"q": "الميزانية"})
    assert page.status_code == 200
    items = api["items"]
    assert api["total"] == 16 and len(items) == 10
    newest_first = sorted(items[3:], key=lambda i: i["published"], reverse=True)
    assert items[3:] == newest_first
    assert min(i["published"] for i in items[:3]) > max(i["published"] for i in items[3:])
    assert [i["search"]["score"] for i in items[3:]] == [0] * 7
    settings = settings.override(
        database_url=archive.engine.url.render_as_string(hide_password=False)
    )
    cli = json.loads(_cli(settings, "search", "الميزانية", "--json").output)
    assert [(i["source"], i["id"]) for i in cli["items"]][:10] == [
        (i["source"], i["id"]) for i in items
    ]


# -- the cache of first result pages ------------------------------------------------------------


def test_first_pages_are_cached_by_what_the_query_means(archive: Store) -> None:
    from nashra.search import SearchRequest
    from nashra.search.cache import ResultsCache

    cache = ResultsCache()
    first = cache.search(archive, SearchRequest(q="الميزانية"))
    assert first.hits and (cache.hits, cache.misses) == (0, 1)
    for same in ("الميزانيه", " الميزانية ", "الْمِيزَانِيَّة"):
        assert cache.search(archive, SearchRequest(q=same)) is first, same
    assert cache.hits == 3
    # Other filters, another mode or a later page are other results.
    cache.search(archive, SearchRequest(q="الميزانية", mode="writer"))
    assert cache.misses == 2
    second = cache.search(archive, SearchRequest(q="الميزانية", page=2, per_page=5))
    assert second.request.page == 2 and len(cache) == 2
    # Bad parameters are refused before the cache is consulted.
    with pytest.raises(SearchError):
        cache.search(archive, SearchRequest(q="الميزانية", sort="random"))


def test_cached_pages_expire_and_are_bounded(archive: Store) -> None:
    from nashra.search import SearchRequest
    from nashra.search.cache import ResultsCache

    expired = ResultsCache(ttl=0.0)
    expired.search(archive, SearchRequest(q="الميزانية"))
    expired.search(archive, SearchRequest(q="الميزانية"))
    assert expired.hits == 0 and expired.misses == 2
    small = ResultsCache(max_entries=2)
    for q in ("الميزانية", "البرلمان", "الوداد"):
        small.search(archive, SearchRequest(q=q))
    assert len(small) == 2
    small.search(archive, SearchRequest(q="الميزانية"))  # the oldest entry was dropped
    assert small.hits == 0


def test_the_article_memo_shared_by_searches_changes_no_result(archive: Store) -> None:
    from nashra.search import SearchRequest, search
    from nashra.search.articles import ArticleMemo

    def shown(results: Any) -> list[tuple[Any, ...]]:
        return [(h.row, h.score, h.matched, h.title_html, h.snippet_html) for h in results.hits]

    memo = ArticleMemo()
    for q in ("الميزانية", "الميزانية البرلمان", "البرلمان الميزانية", "الوداد", "الميزانية"):
        for page in (1, 2):
            request = SearchRequest(q=q, page=page, per_page=5)
            assert shown(search(archive, request, memo)) == shown(search(archive, request)), q
    assert len(memo._rows) and (len(memo._streams) > 0) == (archive.dialect == "sqlite")
    # The rows handed out are copies: a caller changing one changes no later search.
    first = search(archive, SearchRequest(q="الميزانية"), memo)
    first.hits[0].row["title"] = "changed"
    assert search(archive, SearchRequest(q="الميزانية"), memo).hits[0].row["title"] != "changed"


def test_marked_titles_and_snippets_are_reused_by_queries_through_the_same_words(
    archive: Store,
) -> None:
    """An article's marks depend only on the query tokens it holds: a new query that finds it
    through the same words reuses them, and every answer is the one of a search without memo."""
    from nashra.search import SearchRequest, search
    from nashra.search.articles import ArticleMemo

    def shown(results: Any) -> list[tuple[Any, ...]]:
        return [
            (h.row, h.matched, h.title_html, h.snippet_html, h.author_html) for h in results.hits
        ]

    def kept(memo: ArticleMemo) -> int:
        return sum(len(value) for _, value in memo._marks._entries.values())

    memo = ArticleMemo()
    asked = [
        ("الميزانية", {}),
        ("الميزانية 2099", {}),  # no article holds 2099: the same marks
        ("2099 الميزانية", {}),
        ("الميزانية الكاتب", {}),  # a word of the byline only: not in the title or the body
        ("الحكومة الميزانية", {}),  # held by some articles only
        ('"مشروع الميزانية"', {}),
        ("ميزا* البرلمان", {}),
        ("croissance Maroc", {}),
        ("الميزانية", {"region": "الدار البيضاء"}),
        ("الميزانية", {"sort": "date"}),
        ("الميزانية", {"page": 2, "per_page": 5}),
    ]
    counts = []
    for q, extra in asked:
        request = SearchRequest(q=q, **extra)
        assert shown(search(archive, request, memo)) == shown(search(archive, request)), q
        counts.append(kept(memo))
    assert counts[0] > 0 and counts[1] == counts[2] == counts[0]
    marked = search(archive, SearchRequest(q="الميزانية 2099"), memo).hits[0]
    assert "<mark>" in marked.title_html and "<mark>" in marked.snippet_html


def test_a_result_is_rendered_once_for_the_queries_that_show_it_alike(
    settings: Settings, archive: Store
) -> None:
    """The page's result items are kept per edition: a second query showing the same articles
    with the same marks renders none again, and its list is the one a fresh portal renders."""

    def results_list(html: str) -> list[str]:
        return re.findall(r'<li class="teaser".*?</li>', html, flags=re.S)

    app = create_app(settings, archive)
    kept = []
    with TestClient(app) as client:
        for q in ("الميزانية", "الميزانية 2099"):
            assert client.get("/search", params={"q": q}).status_code == 200
            kept.append(len(app.state.portal.memo(("search_results_html", "ar"), dict)))
        again = client.get("/search", params={"q": "2099 الميزانية"}).text
    assert kept[0] > 0 and kept[1] == kept[0]
    with TestClient(create_app(settings, archive)) as fresh:
        fresh_page = fresh.get("/search", params={"q": "الميزانية"}).text
    assert results_list(fresh_page) == results_list(again) != []


def test_the_api_reads_an_article_object_once_for_the_queries_that_find_it(
    settings: Settings, archive: Store
) -> None:
    """The API's article objects of results are kept: a second query finding the same
    articles reads none again, and they are the objects a fresh portal gives."""

    def objects(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {
            item["path"]: {k: v for k, v in item.items() if k != "search"}
            for item in answer["items"]
        }

    app = create_app(settings, archive)
    kept = []
    with TestClient(app) as client:
        for q in ("الميزانية", "الميزانية 2099"):
            answer = client.get("/api/v1/search", params={"q": q}).json()
            kept.append(len(app.state.portal.memo("search_api_articles", dict)))
        assert all("search" in item for item in answer["items"])
    assert kept[0] > 0 and kept[1] == kept[0]
    with TestClient(create_app(settings, archive)) as fresh:
        first = fresh.get("/api/v1/search", params={"q": "الميزانية"}).json()
    assert objects(first) == objects(answer) != {}


def test_a_new_article_reaches_the_cached_search_page_and_api(
    settings: Settings, archive: Store
) -> None:
    settings = settings.override(cache_check_seconds=0.0)  # the archive checked on every request
    with TestClient(create_app(settings, archive)) as client:
        page = client.get("/search", params={"q": "الزلزال"})
        api = client.get("/api/v1/search", params={"q": "الزلزال"})
        assert page.headers["cache-control"].startswith("public")
        assert api.json()["total"] == 0
        again = client.get("/search", params={"q": "الزلزال"})
        assert again.text == page.text  # answered from the page cache
        _store_quake(archive)
        assert client.get("/api/v1/search", params={"q": "الزلزال"}).json()["total"] == 1
        assert "الزلزال يضرب المنطقة" in client.get("/search", params={"q": "الزلزال"}).text
        later = client.get("/api/v1/search", params={"q": "الزلزال", "cursor": "2"})
        assert later.headers["cache-control"] == "no-store"


def _store_new(archive: Store, source: str, url: str, title: str, body: str) -> None:
    """A new article stored while the portal runs (a month after the fixtures)."""
    article = Article(
        source=source, url=url, title=title, body_text=body, published=T0 + timedelta(days=30)
    )
    save_article(archive, article)


def _store_quake(archive: Store) -> None:
    """A new article whose words no other has."""
    _store_new(archive, "hespress", "https://example.test/quake", "الزلزال يضرب المنطقة", "ضرب زلزال قوي المنطقة.")  # fmt: skip


def _ticker(page: str) -> str:
    return page.split('class="ticker"', 1)[1].split("</nav>", 1)[0]


def test_the_ticker_rendered_once_is_the_one_the_template_renders(
    settings: Settings, archive: Store
) -> None:
    app = create_app(settings, archive)
    portal = app.state.portal
    with TestClient(app):
        for edition in EDITIONS.values():
            # The page with the ticker the portal keeps rendered, and with the template's own.
            kept = portal.render_page(edition, "search/results.html", form={}, pager={})
            ticker = portal.ticker(edition)
            own = portal.render_page(
                edition, "search/results.html", form={}, pager={}, ticker=ticker
            )
            assert ticker and kept.body == own.body


def test_the_ticker_rendered_once_is_dropped_when_the_archive_changes(
    settings: Settings, archive: Store
) -> None:
    settings = settings.override(cache_check_seconds=0.0)  # the archive checked on every request
    with TestClient(create_app(settings, archive)) as client:
        before = client.get("/search", params={"q": "الوداد"}).text
        assert "الوداد يفوز" in _ticker(before) and "الزلزال" not in _ticker(before)
        _store_quake(archive)
        # Another query: the page is rendered again, its ticker holds the new article.
        after = client.get("/search", params={"q": "البرلمان"}).text
        assert "الزلزال يضرب المنطقة" in _ticker(after)


def test_search_pages_are_compressed_at_the_quick_gzip_level(
    settings: Settings, archive: Store
) -> None:
    app = create_app(settings, archive)
    with TestClient(app) as client:
        for path in ("/search?q=الوداد", "/fr/search?q=الوداد", "/api/v1/search?q=الوداد", "/"):
            assert client.get(path, headers={"accept-encoding": "gzip"}).status_code == 200
    entries = {key[1]: entry for key, entry in app.state.page_cache._entries.items()}
    for path, entry in entries.items():
        assert entry.gz is not None and gzip.decompress(entry.gz) == entry.body
        # The gzip header's XFL byte: 4 when compressed at the quickest level, 0 at level 6.
        assert entry.gz[8] == (0 if path == "/" else 4), path
    assert set(entries) == {"/search", "/fr/search", "/api/v1/search", "/"}


def test_the_form_kept_rendered_follows_the_choices_and_the_archive(
    settings: Settings, archive: Store
) -> None:
    settings = settings.override(cache_check_seconds=0.0)  # the archive checked on every request
    with TestClient(create_app(settings, archive)) as client:
        by_date = client.get("/search", params={"q": "الوداد", "sort": "date", "mode": "writer"})
        assert '<option value="date" selected>' in by_date.text
        assert 'value="writer" checked' in by_date.text
        plain = client.get("/search", params={"q": "البرلمان"}).text
        assert (
            '<option value="relevance" selected>' in plain and 'value="date" selected' not in plain
        )
        assert 'value="topic" checked' in plain and 'value="writer" checked' not in plain
        assert (
            client.get("/search", params={"q": "x", "source": "lematin"}).text.count(
                '<option value="lematin" selected'
            )
            == 1
        )
        assert 'value="akhbarona"' not in plain
        archive.ensure_source("akhbarona", "أخبارنا")
        _store_new(archive, "akhbarona", "https://example.test/new-outlet", "خبر من منبر جديد", "نص الخبر.")  # fmt: skip
        # A new outlet in the archive: the form of the next page offers it.
        assert 'value="akhbarona"' in client.get("/search", params={"q": "الحكومة"}).text

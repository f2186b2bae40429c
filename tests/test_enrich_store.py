"""Enrichment in the archive: saving labels, moderators' corrections, the rebuild command, the
API helper, the search hooks and the region pages (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nashra.config import Settings, load_settings
from nashra.crawl.pipeline import crawl
from nashra.demo.examples import ant_examples
from nashra.demo.sites import DemoServer, DemoSites
from nashra.enrich import enrich_article
from nashra.enrich.classifier import shipped_model
from nashra.enrich.commands import enrich_group
from nashra.enrich.queries import (
    author_clause,
    enrichment_for,
    region_article_pks,
    region_articles,
    region_clause,
    region_counts,
)
from nashra.enrich.store import ArticleNotFound, rebuild, save_enrichment, set_section
from nashra.enrich.training import (
    correction_examples,
    jsonl_examples,
    split,
    write_jsonl,
)
from nashra.enrich.web import routes
from nashra.ingest import save_article
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import article_regions, articles, section_corrections
from nashra.web.context import web_context

OUTLET = Source(
    slug="akhbar",
    name_ar="أخبار المغرب",
    name_fr="Akhbar",
    categories={"sport": "sports"},
)
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

ARTICLES = [
    # (url, title, body, byline, categories)
    (
        "https://akhbar.ma/a/1",
        "الوداد يفوز في الدار البيضاء",
        # long enough for the classifier to be sure (a one-line match report is not)
        "فاز فريق الوداد على الرجاء في مباراة الديربي بهدفين.",
        "الدار البيضاء - عبد الله العلوي",
        [],
    ),
    (
        "https://akhbar.ma/a/2",
        "وزارة الصحة تطلق حملة تلقيح في مراكش",
        "أطلقت وزارة الصحة حملة وطنية للتلقيح ضد الحصبة لفائدة الأطفال بمراكش.",
        "الرباط (و م ع)",
        [],
    ),
    (
        "https://akhbar.ma/a/3",
        "البنك المركزي يبقي سعر الفائدة دون تغيير",
        "قرر بنك المغرب الإبقاء على سعر الفائدة الرئيسي دون تغيير بسبب التضخم.",
        "عبدالله العلوي",
        ["sport"],  # the outlet filed it under sport: the mapping wins
    ),
]


def _store_articles(store: Store) -> list[int]:
    store.sync_sources([OUTLET])
    pks = []
    for i, (url, title, body, byline, categories) in enumerate(ARTICLES):
        article = Article(
            source=OUTLET.slug,
            url=url,
            title=title,
            body_text=body,
            author=byline,
            categories=categories,
            published=T0 + timedelta(hours=i),
        )
        enrichment = enrich_article(article, OUTLET)
        saved = save_article(store, article, enrichment=enrichment)
        save_enrichment(store, saved.pk, enrichment)
        pks.append(saved.pk)
    return pks


def test_an_explicit_section_overrides_the_rules_and_skips_the_classifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    articles = [
        Article(source=OUTLET.slug, url=url, title=title, body_text=body, author=byline,
                categories=categories, published=T0)
        for url, title, body, byline, categories in ARTICLES
    ]  # fmt: skip
    expected = [
        dataclasses.replace(
            enrich_article(a, OUTLET),
            section="economics",
            section_source="mapping",
            section_confidence=1.0,
        )
        for a in articles
    ]
    unlabelled = [enrich_article(a, OUTLET) for a in articles]

    def no_classifier(*args: object, **kwargs: object) -> None:
        raise AssertionError("the classifier was asked for an article with a section")

    monkeypatch.setattr("nashra.enrich.article.choose_section", no_classifier)
    assert [enrich_article(a, OUTLET, section="economics") for a in articles] == expected
    monkeypatch.undo()
    assert [enrich_article(a, OUTLET, section="") for a in articles] == unlabelled


def test_labels_are_stored_and_served_to_the_api(store: Store) -> None:
    pks = _store_articles(store)
    info = enrichment_for(store, [*pks, 999_999])
    assert set(info) == set(pks)
    first, second, third = (info[pk] for pk in pks)
    assert first["section"] == "sports" and first["section_source"] == "classifier"
    assert 0 < first["section_confidence"] <= 1
    assert first["author"] == "عبد الله العلوي" and first["agency"] == ""
    assert [r["slug"] for r in first["regions"]] == ["casablanca-settat"]
    assert first["regions"][0]["name_ar"] == "الدار البيضاء سطات"
    assert second["author"] == "" and second["agency"] == "MAP"
    assert second["agency_name"]["ar"] == "و م ع"
    assert [r["slug"] for r in second["regions"]] == ["marrakech-safi"]
    assert third["section"] == "sports" and third["section_source"] == "mapping"
    assert third["section_confidence"] == 1.0
    # one writer, two spellings, one key
    assert first["author_key"] == third["author_key"] != ""
    with store.engine.connect() as conn:
        byline = conn.execute(select(articles.c.byline).where(articles.c.pk == pks[1])).scalar()
        by_author = conn.execute(
            select(articles.c.pk).where(author_clause("عبد الله العلوي")).order_by(articles.c.pk)
        ).scalars()
        assert list(by_author) == [pks[0], pks[2]]
    assert byline == "الرباط (و م ع)"
    assert enrichment_for(store, []) == {}


def test_unsure_classifier_leaves_no_section_but_stores_its_confidence(store: Store) -> None:
    model = shipped_model()
    assert model is not None
    # the first held-out ANT article the shipped model is not sure about (computed, not chosen)
    unsure = next(
        e
        for e in split(list(ant_examples()))[1]
        if (p := model.predict(e.title, e.body, e.lang)) is not None and not p.sure
    )
    prediction = model.predict(unsure.title, unsure.body, "ar")
    assert prediction is not None
    store.sync_sources([OUTLET])
    article = Article(
        source=OUTLET.slug,
        url="https://akhbar.ma/unsure/1",
        title=unsure.title,
        body_text=unsure.body,
        published=T0,
    )
    enrichment = enrich_article(article, OUTLET)
    saved = save_article(store, article, enrichment=enrichment)
    save_enrichment(store, saved.pk, enrichment)
    info = enrichment_for(store, [saved.pk])[saved.pk]
    assert (info["section"], info["section_source"]) == (None, "classifier")
    assert info["section_confidence"] == pytest.approx(prediction.confidence, abs=1e-4)
    assert info["section_confidence"] < model.languages["ar"].threshold


def test_moderators_corrections_are_exported_as_training_examples(
    store: Store, tmp_path: Path
) -> None:
    pks = _store_articles(store)
    assert correction_examples(store) == []
    set_section(store, OUTLET.slug, _num(store, pks[1]), "politics", "amina")
    set_section(store, OUTLET.slug, _num(store, pks[1]), "society", "amina")  # the last one counts
    set_section(store, OUTLET.slug, _num(store, pks[0]), "sports", "omar")
    examples = correction_examples(store)
    assert [(e.section, e.title) for e in examples] == [
        ("sports", ARTICLES[0][1]),
        ("society", ARTICLES[1][1]),
    ]
    assert all(e.lang == "ar" and e.key.startswith("correction:akhbar/") for e in examples)
    assert ARTICLES[1][2] in examples[1].body
    assert split(examples) == (examples, [])  # corrections always train
    path = tmp_path / "corrections.jsonl"
    assert write_jsonl(examples, path) == 2
    assert list(jsonl_examples(path)) == examples


def test_region_queries_and_search_hook(store: Store) -> None:
    pks = _store_articles(store)
    assert region_article_pks(store, "casablanca-settat") == [pks[0]]
    assert region_article_pks(store, "souss-massa") == []
    counts = region_counts(store)
    assert len(counts) == 12 and counts["marrakech-safi"] == 1 and counts["oriental"] == 0
    with store.engine.connect() as conn:
        found = conn.execute(select(articles.c.pk).where(region_clause("marrakech-safi")))
        assert list(found.scalars()) == [pks[1]]
    rows, cursor = region_articles(store, "casablanca-settat", limit=5)
    assert [r["pk"] for r in rows] == [pks[0]] and cursor is None
    assert rows[0]["source_name_ar"] == "أخبار المغرب"


def test_region_listing_pages_with_a_cursor(store: Store) -> None:
    store.sync_sources([OUTLET])
    for i in range(5):
        article = Article(
            source=OUTLET.slug,
            url=f"https://akhbar.ma/c/{i}",
            title=f"خبر رقم {i} من طنجة",
            body_text="نص الخبر.",
            published=T0 + timedelta(minutes=i),
        )
        e = enrich_article(article, OUTLET)
        save_enrichment(store, save_article(store, article, enrichment=e).pk, e)
    page1, cursor = region_articles(store, "tanger-tetouan-al-hoceima", limit=2)
    page2, cursor2 = region_articles(store, "tanger-tetouan-al-hoceima", limit=2, cursor=cursor)
    page3, cursor3 = region_articles(store, "tanger-tetouan-al-hoceima", limit=2, cursor=cursor2)
    titles = [r["title"] for r in page1 + page2 + page3]
    assert titles == [f"خبر رقم {i} من طنجة" for i in (4, 3, 2, 1, 0)]
    assert cursor3 is None


def test_moderator_correction_is_logged_and_survives_recrawl_and_rebuild(store: Store) -> None:
    pks = _store_articles(store)
    previous = set_section(store, OUTLET.slug, _num(store, pks[1]), "society", "amina")
    assert previous == "health"
    assert enrichment_for(store, [pks[1]])[pks[1]]["section_source"] == "moderator"
    # the crawl sees the article again (changed) and enriches it afresh
    url, title, body, byline, categories = ARTICLES[1]
    article = Article(source=OUTLET.slug, url=url, title=title + "!", body_text=body, author=byline)
    e = enrich_article(article, OUTLET)
    saved = save_article(store, article, enrichment=e)
    assert saved.status == "updated"
    save_enrichment(store, saved.pk, e)
    assert enrichment_for(store, [pks[1]])[pks[1]]["section"] == "society"
    report = rebuild(store, [OUTLET], batch=2)
    assert report.articles == 3
    info = enrichment_for(store, [pks[1]])[pks[1]]
    assert (info["section"], info["section_source"]) == ("society", "moderator")
    with store.engine.connect() as conn:
        log = conn.execute(select(section_corrections)).mappings().all()
    assert [(r["previous"], r["section"], r["moderator"]) for r in log] == [
        ("health", "society", "amina")
    ]


def test_set_section_refuses_bad_input(store: Store) -> None:
    pks = _store_articles(store)
    with pytest.raises(ValueError, match="unknown section 'gossip'"):
        set_section(store, OUTLET.slug, _num(store, pks[0]), "gossip", "amina")
    with pytest.raises(ArticleNotFound):
        set_section(store, OUTLET.slug, 424242, "sports", "amina")
    with pytest.raises(ArticleNotFound):
        set_section(store, "no-such-outlet", 1, "sports", "amina")


def test_rebuild_recomputes_from_the_raw_byline(store: Store) -> None:
    pks = _store_articles(store)
    with store.engine.begin() as conn:  # labels damaged (an older version of the rules)
        conn.execute(articles.update().values(section=None, author="", agency=""))
        conn.execute(article_regions.delete())
    report = rebuild(store, [OUTLET])
    assert report.articles == 3 and report.with_regions == 2
    info = enrichment_for(store, pks)
    assert info[pks[0]]["author"] == "عبد الله العلوي"
    assert info[pks[1]]["agency"] == "MAP"
    assert all(info[pk]["section"] for pk in pks)
    again = rebuild(store, [OUTLET])  # idempotent
    assert (again.sections_changed, again.authors_changed) == (0, 0)
    assert enrichment_for(store, pks) == info


def test_rebuild_command_with_progress(tmp_path: Path, database_url: str) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url=database_url)
    store = Store.open(database_url)
    try:
        _store_articles(store)
        with store.engine.begin() as conn:
            conn.execute(articles.update().values(agency=""))
    finally:
        store.close()

    @click.group()
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.obj = settings

    cli.add_command(enrich_group)
    result = CliRunner().invoke(cli, ["enrich", "rebuild", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "3 articles" in result.output
    result = CliRunner().invoke(cli, ["enrich", "rebuild", "--json"])
    assert result.exit_code == 0, result.output
    assert '"articles": 3' in result.output
    result = CliRunner().invoke(cli, ["enrich", "rebuild", "--batch", "0"])
    assert result.exit_code != 0 and "batch" in result.output


def test_region_pages(tmp_path: Path, store: Store) -> None:
    _store_articles(store)
    settings = load_settings(env={}, data_dir=tmp_path / "data")
    app = Starlette(routes=routes(web_context(settings, store)))
    with TestClient(app) as client:
        index = client.get("/city")
        assert index.status_code == 200
        assert "الأخبار حسب الجهات" in index.text
        assert 'href="/city/casablanca-settat"' in index.text
        assert index.text.count('class="region"') == 12
        page = client.get("/city/casablanca-settat")
        assert page.status_code == 200
        main = page.text.split("<main", 1)[1].split("</main>", 1)[0]  # not the ticker
        assert "الوداد يفوز في الدار البيضاء" in main
        assert "وزارة الصحة" not in main
        fr = client.get("/fr/city")
        assert fr.status_code == 200 and "L'actualité par région" in fr.text.replace("&#39;", "'")
        assert client.get("/city/atlantis").status_code == 404
        assert client.get("/city/casablanca-settat?cursor=bad!").status_code == 400


def _num(store: Store, pk: int) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(articles.c.num).where(articles.c.pk == pk)).scalar_one()


# -- through the real crawl ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(DemoSites(limit=30)) as server:
        yield server


def test_crawled_demo_articles_get_the_expected_sections_and_clean_bylines(
    settings: Settings, sqlite_store: Store, demo_server: DemoServer
) -> None:
    sources = demo_server.sites.sources(demo_server.base_url)
    sqlite_store.sync_sources(sources)
    crawl(settings, sqlite_store, sources)
    report = rebuild(sqlite_store, sources)
    expected = {e["title"]: e for e in demo_server.sites.expected_articles()}
    assert report.articles >= len(expected)
    with sqlite_store.engine.connect() as conn:
        rows = conn.execute(
            select(
                articles.c.title, articles.c.section, articles.c.section_source,
                articles.c.author, articles.c.byline, articles.c.agency,
            )
        ).mappings().all()  # fmt: skip
    checked = 0
    for row in rows:
        exp = expected.get(row["title"])
        if exp is None:
            continue
        checked += 1
        assert row["section"] == exp["section"], row["title"]
        assert row["section_source"] == "mapping"
        # outlet names and datelines are never shown as an author
        assert "سكاي نيوز" not in row["author"] and "العربية.نت" not in row["author"]
        assert " - " not in row["author"]
    assert checked >= len(expected) - 2

"""Enrichment on the portal (issue 4): the «الجهات» menu link, region links and the news agency
on the article page, and one author page for every spelling of a writer — through the real app
over a real archive (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote_plus

import pytest
from starlette.testclient import TestClient

from nashra.enrich.authors import agency_name
from nashra.enrich.labels import WriterFilters, writer_filters
from nashra.enrich.queries import enrichment_for
from nashra.ingest import save_article
from nashra.model import Article
from nashra.store import Store
from nashra.store.queries import Filters, article_keys, latest_articles
from nashra.web.app import create_app
from nashra.web.editions import article_path
from test_portal_support import T0, PortalArchive, build_portal_archive
from test_web_support import css, parse


@pytest.fixture
def archive(settings, store: Store) -> PortalArchive:
    return build_portal_archive(settings, store)


@pytest.fixture
def client(archive: PortalArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.settings, archive.store)) as c:
        yield c


def page_of(store: Store, pk: int, prefix: str = "") -> str:
    source, num, lang = article_keys(store, [pk])[pk]
    return f"{prefix}/{source}/{num}" if prefix else article_path(source, num, lang)


@pytest.mark.parametrize(
    "home, label, city", [("/", "الجهات", "/city"), ("/fr/", "Régions", "/fr/city"),
                          ("/en/", "Regions", "/en/city")],
)  # fmt: skip
def test_main_menu_links_the_regions(client, home: str, label: str, city: str) -> None:
    doc = parse(client.get(home).text)
    links = {a.text_content(): a.get("href") for a in css(doc, "nav.menu a")}
    assert links[label] == city
    assert client.get(city).status_code == 200


def test_article_page_links_its_regions(client, archive) -> None:
    store, pk = archive.store, archive.pks["toll_a"]
    regions = enrichment_for(store, [pk])[pk]["regions"]
    assert regions  # the toll story names its province
    doc = parse(client.get(page_of(store, pk)).text)
    p = css(doc, "article p.regions")[0]
    assert p.get("dir") == "rtl" and p.text_content().strip().startswith("الجهات:")
    links = [(a.get("href"), a.text_content()) for a in css(p, "a")]
    assert links == [(f"/city/{r['slug']}", r["name_ar"]) for r in regions]
    region_page = client.get(links[0][0])
    assert region_page.status_code == 200 and page_of(store, pk) in region_page.text
    # the French edition names them in French and stays in its edition
    fr = parse(client.get(page_of(store, pk, "/fr")).text)
    fr_links = [(a.get("href"), a.text_content()) for a in css(fr, "article p.regions a")]
    assert fr_links == [(f"/fr/city/{r['slug']}", r["name_fr"]) for r in regions]


def test_article_without_regions_has_no_region_line(client, archive) -> None:
    store, pk = archive.store, archive.pks["lone_3"]
    assert enrichment_for(store, [pk])[pk]["regions"] == []
    assert not css(parse(client.get(page_of(store, pk)).text), "p.regions")


@pytest.mark.parametrize("prefix, lang", [("", "ar"), ("/en", "en")])
def test_agency_is_shown_on_the_byline(client, archive, prefix: str, lang: str) -> None:
    store, pk = archive.store, archive.pks["wire_a"]
    info = enrichment_for(store, [pk])[pk]
    assert info["agency"] == "MAP" and info["author"] == ""  # «و م ع» is no writer
    doc = parse(client.get(page_of(store, pk, prefix)).text)
    agency = css(doc, "p.byline span.agency")[0]
    assert agency_name("MAP", lang) in agency.text_content()
    assert not css(doc, "p.byline a[lang]")  # no author link for an agency


def test_article_without_agency_has_none_on_the_byline(client, archive) -> None:
    doc = parse(client.get(page_of(archive.store, archive.pks["lone_1"])).text)
    assert css(doc, "p.byline a")  # the writer
    assert not css(doc, "span.agency")


@pytest.mark.parametrize("spelling", ["عبد الله العلوي", "عبدالله العلوي", "عبد الله  العلوي"])
def test_one_author_page_for_every_spelling(client, archive, spelling: str) -> None:
    store, pks = archive.store, archive.pks
    both = {page_of(store, pks["lone_1"]), page_of(store, pks["lone_2"])}
    page = client.get(f"/author/{quote_plus(spelling)}")
    assert page.status_code == 200
    listed = {a.get("href") for a in css(parse(page.text), "main li.teaser a.teaser-title")}
    assert listed == both
    feed = client.get(f"/author/{quote_plus(spelling)}/rss")
    assert feed.status_code == 200
    assert all(p in feed.text for p in both)


def test_author_link_on_the_article_reaches_the_joined_page(client, archive) -> None:
    store, pks = archive.store, archive.pks
    doc = parse(client.get(page_of(store, pks["lone_2"])).text)
    href = css(doc, "p.byline a")[0].get("href")
    listed = {a.get("href") for a in css(parse(client.get(href).text), "li.teaser a.teaser-title")}
    assert page_of(store, pks["lone_1"]) in listed


@pytest.mark.parametrize("name", ["نكرة+مجهول", "سيد"])
def test_unknown_writer_is_a_404(client, name: str) -> None:
    assert client.get(f"/author/{name}").status_code == 404


def test_writer_filters_fall_back_to_the_exact_name_when_no_key_matches(archive) -> None:
    store = archive.store
    keyed = writer_filters(store, "عبدالله العلوي")
    assert isinstance(keyed, WriterFilters)
    rows, _ = latest_articles(store, keyed)
    assert {r["pk"] for r in rows} == {archive.pks["lone_1"], archive.pks["lone_2"]}
    # an article saved without enrichment has no author key: the exact byline still finds it
    saved = save_article(store,
        Article(source="lematin", url="https://m.example/plain", title="Sans clé",
                body_text="Texte.", published=T0, lang="fr", author="Jean Dupont")
    )  # fmt: skip
    plain = writer_filters(store, "Jean Dupont")
    assert type(plain) is Filters and plain.author == "Jean Dupont"
    assert [r["pk"] for r in latest_articles(store, plain)[0]] == [saved.pk]

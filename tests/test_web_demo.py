"""The portal over a crawled demo archive (the demo outlet sites, crawled through the whole
pipeline): the French edition shows the French outlets with the French interface, feeds stay
valid on real crawled data, and article pages carry related articles that share their topic."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from lxml import etree

from demo_portal import build_demo_archive, outlets_by_lang
from feed_validity import ATOM, validate_atom, validate_rss
from nashra.store import Store, queries
from nashra.web.app import create_app
from nashra.web.i18n import translations
from nashra.web.related import title_terms
from test_web_support import LiveServer, css, parse


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    settings = build_demo_archive(tmp_path_factory.mktemp("web-demo") / "data")
    store = Store.open(settings.resolved_database_url)
    with LiveServer(create_app(settings, store)) as base, httpx.Client(base_url=base) as client:
        yield settings, store, client, base
    store.close()


def _slug_of(href: str, prefix: str = "") -> str:
    path = urlsplit(href).path.removeprefix(prefix)
    return path.strip("/").split("/")[0]


def _with_articles(store: Store, slugs: set[str]) -> set[str]:
    return {
        s["slug"] for s in queries.list_sources(store) if s["slug"] in slugs and s["article_count"]
    }


def test_the_demo_crawl_brought_french_and_arabic_outlets(demo):
    settings, store, _, _ = demo
    langs = outlets_by_lang(settings)
    assert {"lemonde", "lefigaro", "lesechos", "euronews-fr"} <= langs["fr"]
    assert _with_articles(store, langs["fr"]) == langs["fr"]
    assert len(_with_articles(store, langs["ar"])) >= 5


def test_french_home_shows_the_french_outlets_in_the_french_interface(demo):
    settings, store, client, _ = demo
    fr = translations("fr").gettext
    response = client.get("/fr/")
    assert response.status_code == 200
    doc = parse(response.content)
    assert doc.get("lang") == "fr" and doc.get("dir") == "ltr"
    menu = [a.text_content().strip() for a in css(doc, "nav.menu a")]
    assert fr("Home") in menu and fr("List of newspapers") in menu
    assert fr("Home") != "Home" or fr("List of newspapers") != "List of newspapers"
    assert css(doc, ".ticker-h")[0].text_content().strip() == fr("Latest news")
    assert css(doc, "#top-h")[0].text_content().strip() == fr("Top stories")
    french = outlets_by_lang(settings)["fr"]
    shown = {_slug_of(a.get("href"), "/fr") for a in css(doc, "main a, .ticker a")}
    assert shown and shown <= french | {"outlets", "politics", "economics", "international",
                                        "sports", "society", "culture", "religion", "health"}  # fmt: skip
    assert _with_articles(store, french) <= shown  # every French outlet is on the page
    ticker = [a.get("href") for a in css(doc, ".ticker a")]
    assert ticker and all(h.startswith("/fr/") and _slug_of(h, "/fr") in french for h in ticker)


def test_arabic_home_shows_no_french_outlet(demo):
    settings, _, client, _ = demo
    doc = parse(client.get("/").content)
    assert doc.get("lang") == "ar" and doc.get("dir") == "rtl"
    french = outlets_by_lang(settings)["fr"]
    linked = {_slug_of(a.get("href")) for a in css(doc, "main a, .ticker a")}
    assert linked and not linked & french


def test_french_outlet_list_and_outlet_page(demo):
    settings, store, client, _ = demo
    french = outlets_by_lang(settings)["fr"]
    doc = parse(client.get("/fr/outlets").content)
    listed = {_slug_of(a.get("href"), "/fr") for a in css(doc, "ul.outlets a")}
    assert listed == _with_articles(store, french) | (french - _with_articles(store, french))
    page = parse(client.get("/fr/lemonde").content)
    assert page.get("lang") == "fr"
    items = [a.get("href") for a in css(page, "main .teaser-title")]
    rows, _ = queries.latest_articles(store, queries.Filters(source="lemonde"), limit=50)
    assert items == [f"/fr/lemonde/{r['num']}" for r in rows]


def test_french_article_page(demo):
    _, store, client, _ = demo
    rows, _ = queries.latest_articles(store, queries.Filters(source="lefigaro"), limit=1)
    row = rows[0]
    response = client.get(f"/fr/lefigaro/{row['num']}")
    assert response.status_code == 200
    doc = parse(response.content)
    assert doc.get("lang") == "fr" and doc.get("dir") == "ltr"
    article = css(doc, "article.article")[0]
    assert article.get("lang") == "fr"
    assert css(article, "h1")[0].text_content().strip() == row["title"].strip()
    source_link = css(article, ".source-link a")[0]
    assert source_link.text_content().strip() == translations("fr").gettext(
        "Click here to read the news at its source."
    )
    assert source_link.get("href") == row["url"]


@pytest.mark.parametrize("edition", ["", "/fr", "/en"])
@pytest.mark.parametrize("flavour", ["rss", "atom"])
def test_feeds_of_the_crawled_archive_are_valid(demo, edition, flavour):
    settings, _, client, base = demo
    path = f"{edition}/{flavour}"
    response = client.get(path)
    assert response.status_code == 200
    validate = validate_rss if flavour == "rss" else validate_atom
    assert validate(response.content, self_url=base + path) == []
    if edition == "/fr":
        root = etree.fromstring(response.content)
        links = [n.text for n in root.iter("link") if n.text] + [
            n.get("href") for n in root.iter(f"{{{ATOM}}}link") if n.get("rel") == "alternate"
        ]
        items = [h for h in links if h.removeprefix(base).count("/") == 3]  # /fr/{outlet}/{num}
        french = outlets_by_lang(settings)["fr"]
        assert items and all(_slug_of(h, "/fr") in french for h in items)


def test_article_pages_show_related_articles_of_the_same_topic(demo):
    _, store, client, _ = demo
    rows, _ = queries.latest_articles(store, queries.Filters(lang="ar"), limit=60)
    pages_with_related = 0
    for row in rows:
        doc = parse(client.get(f"/{row['source']}/{row['num']}").content)
        related = css(doc, "aside.related .teaser-title")
        more = {a.get("href") for a in css(doc, "aside.more .teaser-title")}
        if not related:
            continue
        pages_with_related += 1
        own_terms = title_terms(row["title"], "ar")
        for link in related:
            source, num = link.get("href").strip("/").split("/")
            other = queries.get_article(store, source, int(num))
            assert other["section"] == row["section"] and other["lang"] == row["lang"]
            assert (source, int(num)) != (row["source"], row["num"])
            assert link.get("href") not in more
            assert own_terms & title_terms(other["title"], "ar")
    assert pages_with_related >= 3

"""RSS 2.0 / Atom 1.0 feeds, sitemaps and robots.txt of the portal."""

from __future__ import annotations

from urllib.parse import quote

import feedparser
import pytest
from lxml import etree
from starlette.testclient import TestClient

from nashra.web.app import create_app
from test_web_support import AUTHOR, SEED, SEED_NUM, build_archive

BASE = "http://testserver"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("web-feeds"))


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive.settings, archive.store)) as c:
        yield c


FEEDS = [
    "/rss",
    "/hespress/rss",
    "/politics/rss",
    f"/author/{quote(AUTHOR.replace(' ', '+'), safe='+')}/rss",
    "/fr/rss",
]


@pytest.mark.parametrize("path", FEEDS)
@pytest.mark.parametrize("flavour", ["rss", "atom"])
def test_feeds_parse_cleanly(client, path, flavour):
    path = path[: -len("rss")] + flavour
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(f"application/{flavour}+xml")
    assert response.headers["cache-control"] == "public, max-age=60" and response.headers["etag"]
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if flavour == "rss" else "atom10")
    assert 0 < len(parsed.entries) <= 30
    for entry in parsed.entries:
        assert entry.link.startswith(BASE + "/") and entry.title
        assert entry.author  # the outlet
        assert entry.get("published_parsed")


def test_rss_items_link_to_portal_pages_with_outlet_and_image(client, archive):
    parsed = feedparser.parse(client.get("/hespress/rss").content)
    seed = next(e for e in parsed.entries if e.title == SEED["title"])
    assert seed.link == f"{BASE}/hespress/{SEED_NUM}"
    assert seed.author == "هسبريس"
    assert seed.summary.endswith(" (...)")
    assert seed.enclosures[0].href == f"{BASE}/media/{archive.seed_sha}-full.webp"
    assert int(seed.enclosures[0].length) > 0 and seed.enclosures[0].type == "image/webp"
    assert {e.author for e in parsed.entries} == {"هسبريس"}
    atom = feedparser.parse(client.get("/hespress/atom").content)
    seed = next(e for e in atom.entries if e.title == SEED["title"])
    assert seed.link == f"{BASE}/hespress/{SEED_NUM}" and seed.author == "هسبريس"
    assert any(link.rel == "enclosure" for link in seed.links)


def test_scoped_feeds_hold_only_their_scope(client):
    politics = feedparser.parse(client.get("/politics/rss").content)
    assert {e.tags[0].term for e in politics.entries} == {"السياسية"}
    french = feedparser.parse(client.get("/fr/rss").content)
    assert [e.title for e in french.entries] == [
        "Le Maroc et la France renforcent leur coopération"
    ]
    assert french.feed.language == "fr"


@pytest.mark.parametrize("path", ["/nope/rss", "/nope/atom", "/author/nobody/rss"])
def test_feeds_of_unknown_scopes(client, path):
    response = client.get(path)
    if path.startswith("/author/"):
        # an author without articles has an empty (valid) feed
        assert response.status_code == 200 and feedparser.parse(response.content).entries == []
    else:
        assert response.status_code == 404


def test_sitemaps_and_robots(client):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and f"Sitemap: {BASE}/sitemap.xml" in robots.text
    index = etree.fromstring(client.get("/sitemap.xml").content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = index.xpath("//s:sitemap/s:loc/text()", namespaces=ns)
    assert f"{BASE}/sitemaps/2023-12-14.xml" in locs
    day = etree.fromstring(client.get("/sitemaps/2023-12-14.xml").content)
    urls = day.xpath("//s:url/s:loc/text()", namespaces=ns)
    assert f"{BASE}/hespress/{SEED_NUM}" in urls and f"{BASE}/fr/lematin/42" in urls
    assert len(urls) == len(set(urls))
    assert client.get("/sitemaps/2023-02-31.xml").status_code == 404

"""The portal's feeds are valid RSS 2.0 / Atom 1.0, checked structurally with lxml (not only
feedparser's bozo flag): required elements, RFC 822 / RFC 3339 dates, absolute URLs, unique
guids/ids, atom:link rel=self, enclosures whose length is the image's real size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import pytest
from lxml import etree
from starlette.testclient import TestClient

from feed_validity import ATOM, enclosures, validate_atom, validate_rss
from nashra.ingest import save_article
from nashra.model import Article
from nashra.store.queries import get_article
from nashra.web.app import create_app
from test_web_support import AUTHOR, SEED_NUM, T0, build_archive

BASE = "http://testserver"
AUTHOR_PATH = f"/author/{quote(AUTHOR.replace(' ', '+'), safe='+')}"
SCOPES = ["", "/hespress", "/politics", AUTHOR_PATH, "/fr", "/en", "/en/hespress", "/fr/politics"]
CONTROL_TITLE = "عنوان\x0b فيه\x01 حروف تحكم\x08"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    archive = build_archive(tmp_path_factory.mktemp("web-feed-validity"), fillers=20)
    # a row with characters XML cannot carry (the store keeps what it is given)
    save_article(
        archive.store,
        Article(
            source="hespress",
            url="https://www.hespress.com/control-chars",
            title=CONTROL_TITLE,
            summary="ملخص\x0c فيه حرف تحكم",
            body_html="<p>نص</p>",
            num=999001,
            published=T0 + timedelta(hours=1, minutes=5),
            section="politics",
            author=AUTHOR,
        ),  # fmt: skip
    )
    return archive


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive.settings, archive.store)) as c:
        yield c


@pytest.mark.parametrize("scope", SCOPES)
def test_rss_feeds_are_valid_rss_2(client, scope):
    path = f"{scope}/rss"
    response = client.get(path)
    assert response.status_code == 200
    problems = validate_rss(response.content, self_url=BASE + path)
    assert problems == []
    assert feedparser.parse(response.content).bozo == 0
    assert etree.fromstring(response.content).findall("channel/item")


@pytest.mark.parametrize("scope", SCOPES)
def test_atom_feeds_are_valid_atom_1(client, scope):
    path = f"{scope}/atom"
    response = client.get(path)
    assert response.status_code == 200
    assert validate_atom(response.content, self_url=BASE + path) == []
    assert feedparser.parse(response.content).bozo == 0
    assert etree.fromstring(response.content).findall(f"{{{ATOM}}}entry")


@pytest.mark.parametrize("flavour", ["rss", "atom"])
def test_enclosure_length_is_the_size_of_the_served_image(client, flavour):
    found = enclosures(client.get(f"/hespress/{flavour}").content)
    assert found  # the seed and some fillers have re-hosted images
    for url, length in found:
        assert url.startswith(BASE + "/media/")
        image = client.get(url.removeprefix(BASE))
        assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
        assert len(image.content) == length


def test_an_article_has_one_id_in_every_edition(client):
    """guid / id is the canonical page, so the same article is not new again in another
    edition's feed, while the link stays inside the reader's edition."""
    ids = {}
    for path in ("/rss", "/en/rss"):
        root = etree.fromstring(client.get(path).content)
        ids[path] = {item.findtext("link"): item.findtext("guid") for item in root.iter("item")}
    seed_guid = f"{BASE}/hespress/{SEED_NUM}"
    assert ids["/rss"][seed_guid] == seed_guid
    assert ids["/en/rss"][f"{BASE}/en/hespress/{SEED_NUM}"] == seed_guid
    atom = etree.fromstring(client.get("/fr/atom").content)
    entry = atom.find(f"{{{ATOM}}}entry")
    assert entry.findtext(f"{{{ATOM}}}id") == f"{BASE}/fr/lematin/42"


def test_control_characters_never_break_a_feed(client):
    for path in ("/hespress/rss", "/hespress/atom", f"{AUTHOR_PATH}/rss"):
        response = client.get(path)
        assert response.status_code == 200
        validate = validate_rss if path.endswith("rss") else validate_atom
        assert validate(response.content, self_url=BASE + path) == []
        titles = [e.title for e in feedparser.parse(response.content).entries]
        assert "عنوان  فيه  حروف تحكم" in titles


@pytest.mark.parametrize("flavour", ["rss", "atom"])
def test_an_author_name_with_a_control_character_gets_a_valid_empty_feed(client, flavour):
    path = f"/author/%0Bnobody/{flavour}"
    response = client.get(path)
    assert response.status_code == 200
    validate = validate_rss if flavour == "rss" else validate_atom
    assert validate(response.content, self_url=BASE + "/author/%0Bnobody/" + flavour) == []


def test_atom_entry_updated_follows_an_update_at_the_source(client, archive):
    save_article(
        archive.store,
        Article(
            source="hespress",
            url="https://www.hespress.com/control-chars",
            title="عنوان مصحح بعد التحديث",
            summary="ملخص جديد",
            body_html="<p>نص معدل</p>",
            num=999001,
            published=T0 + timedelta(hours=1, minutes=5),
            updated=T0 + timedelta(days=3),
            section="politics",
        ),  # fmt: skip
    )
    app = create_app(archive.settings, archive.store)  # a fresh page cache
    with TestClient(app) as fresh:
        body = fresh.get("/hespress/atom").content
    assert validate_atom(body, self_url=BASE + "/hespress/atom") == []
    root = etree.fromstring(body)
    A = lambda tag: f"{{{ATOM}}}{tag}"  # noqa: E731
    entry = next(
        e for e in root.iter(A("entry")) if e.findtext(A("title")) == "عنوان مصحح بعد التحديث"
    )
    # <updated> is when the archive recorded the change (so caches and feed readers see it even
    # when the outlet's own edit stamp is older than other updates).
    stored = get_article(archive.store, "hespress", 999001)["updated"].astimezone(UTC)
    stamp = lambda el: datetime.fromisoformat(el.findtext(A("updated")))  # noqa: E731
    assert stamp(entry) == stored and stamp(root) == stored
    assert entry.findtext(A("published")) == "2023-12-14T10:05:00Z"


# -- the validators catch what they claim to (each broken document is one bad-input case) -------

GOOD_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>t</title><link>https://x.ma/</link><description>d</description>
<atom:link href="https://x.ma/rss" rel="self" type="application/rss+xml"/>
<item><title>a</title><link>https://x.ma/a</link><guid>https://x.ma/a</guid>
<pubDate>Thu, 14 Dec 2023 09:00:00 GMT</pubDate>
<enclosure url="https://x.ma/a.webp" length="12" type="image/webp"/></item>
</channel></rss>"""

GOOD_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar"><title>t</title><id>https://x.ma/atom</id>
<updated>2023-12-14T09:00:00Z</updated><author><name>n</name></author>
<link rel="self" href="https://x.ma/atom"/>
<entry><title>a</title><id>https://x.ma/a</id><updated>2023-12-14T09:00:00Z</updated>
<link rel="alternate" href="https://x.ma/a"/></entry></feed>"""


def test_the_reference_documents_are_valid():
    assert validate_rss(GOOD_RSS, self_url="https://x.ma/rss") == []
    assert validate_atom(GOOD_ATOM, self_url="https://x.ma/atom") == []


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (b"<link>https://x.ma/a</link>", b"<link>/a</link>", "link is not absolute"),
        (b"Thu, 14 Dec 2023", b"Fri, 14 Dec 2023", "wrong day of the week"),
        (b"Thu, 14 Dec 2023 09:00:00 GMT", b"2023-12-14T09:00:00Z", "not an RFC 822 date"),
        (b'length="12"', b'length="0"', "enclosure length"),
        (b'type="image/webp"', b'type="webp"', "enclosure type"),
        (b"<description>d</description>", b"", "exactly one <description>"),
        (b'rel="self" ', b'rel="alternate" ', "rel=self"),
        (b"https://x.ma/rss", b"https://x.ma/other", "the feed is at"),
        (b"<guid>https://x.ma/a</guid>", b"<guid>a-1</guid>", "permalink guid"),
        (
            b"</item>",
            b"</item><item><title>b</title><guid>https://x.ma/a</guid></item>",
            "appears 2 times",
        ),
        (b"<title>a</title>", b"<title>a</title><creator>x</creator>", "not an RSS 2.0 element"),
        (b'version="2.0"', b'version="0.91"', "not <rss version='2.0'>"),
        (b"</channel></rss>", b"</channel>", "not well-formed"),
    ],
)
def test_rss_validator_reports(old, new, expected):
    assert old in GOOD_RSS
    problems = validate_rss(GOOD_RSS.replace(old, new, 1), self_url="https://x.ma/rss")
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (b"<id>https://x.ma/a</id>", b"<id>a</id>", "id is not an absolute IRI"),
        (b"<updated>2023-12-14T09:00:00Z</updated>\n<link rel=\"alternate\"",
         b"<updated>14 Dec 2023</updated>\n<link rel=\"alternate\"", "not an RFC 3339 date"),
        (b"2023-12-14T09:00:00Z</updated><author>", b"2023-12-14T09:00:00</updated><author>",
         "not an RFC 3339 date"),
        (b"2023-12-14T09:00:00Z</updated><author>", b"2023-12-13T09:00:00Z</updated><author>",
         "after the feed's own updated"),
        (b'<link rel="self" href="https://x.ma/atom"/>', b"", "rel=self"),
        (b'<link rel="alternate" href="https://x.ma/a"/>', b"", "no rel=alternate link"),
        (b'href="https://x.ma/a"', b'href="/a"', "href is not absolute"),
        (b"<author><name>n</name></author>", b"", "no author"),
        (b' xml:lang="ar"', b"", "xml:lang"),
        (b"</entry></feed>", b"</entry><entry><title>b</title><id>https://x.ma/a</id>"
         b"<updated>2023-12-14T09:00:00Z</updated><link href=\"https://x.ma/b\"/></entry></feed>",
         "appears 2 times"),
        (b'<link rel="alternate" href="https://x.ma/a"/>',
         b'<link rel="alternate" href="https://x.ma/a"/><link rel="enclosure" href="https://x.ma/i"/>',
         "enclosure length"),
    ],
)  # fmt: skip
def test_atom_validator_reports(old, new, expected):
    assert old in GOOD_ATOM
    problems = validate_atom(GOOD_ATOM.replace(old, new, 1), self_url="https://x.ma/atom")
    assert any(expected in p for p in problems), problems

"""The demo outlet sites, served for real on a loopback port and read back as a crawler would."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, unquote, urlsplit

import feedparser
import httpx
import lxml.html
import pytest
from PIL import Image

from nashra.demo import DemoServer, DemoSites
from nashra.demo import cases as C
from nashra.sections import SECTIONS
from nashra.sources import registry

SMALL = 40


@pytest.fixture(scope="module")
def sites() -> DemoSites:
    return DemoSites(limit=SMALL)


@pytest.fixture(scope="module")
def server(sites: DemoSites):
    with DemoServer(sites) as srv:
        yield srv


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def _norm(text: str) -> str:
    return " ".join(text.split())


def _page_text(resp: httpx.Response) -> str:
    doc = lxml.html.document_fromstring(
        resp.content, parser=lxml.html.HTMLParser(encoding=resp.encoding)
    )
    return _norm(doc.text_content())


def _canonical_path(link: str) -> str:
    """A feed link's path, percent-encoded the way the demo's ground truth writes it."""
    return quote(unquote(urlsplit(link).path), safe="/-_.~")


def _entries(resp: httpx.Response) -> list[dict]:
    """Entries of one feed document: feedparser for RSS/Atom, json for JSON Feed
    (feedparser 6.0 has no JSON Feed support)."""
    if "feed+json" in resp.headers["content-type"]:
        doc = json.loads(resp.content)
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        return [
            {"link": i["url"], "title": i["title"], "summary": i["summary"], "image": i["image"]}
            for i in doc["items"]
        ]
    parsed = feedparser.parse(
        resp.content, response_headers={"content-type": resp.headers["content-type"]}
    )
    assert not parsed.bozo, parsed.get("bozo_exception")
    out = []
    for e in parsed.entries:
        image = next((m["url"] for m in e.get("media_content", [])), None)
        image = image or next(
            (lk["href"] for lk in e.get("links", []) if lk.get("rel") == "enclosure"), None
        )
        out.append(
            {"link": e.link, "title": e.title, "summary": e.get("summary", ""), "image": image}
        )
    return out


# ---- server basics ------------------------------------------------------------------------------


def test_root_index_lists_every_outlet(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    r = client.get(server.base_url + "/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    for outlet in sites.outlets():
        assert f"/{outlet.slug}/" in r.text
    assert ("GET", "/", 200) in server.request_log


def test_robots_txt_disallows_private_only(server: DemoServer, client: httpx.Client) -> None:
    r = client.get(server.base_url + "/robots.txt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "User-agent: *" in r.text and "Disallow: /private/" in r.text
    assert (
        client.get(server.base_url + "/private/secret").status_code == 200
    )  # exists, but disallowed


@pytest.mark.parametrize(
    "path",
    [
        "/nowhere",
        "/bbcarabic/arabic/world-1",
        "/skynewsarabia/rss/world.xml?page=99",
        "/nosuch/feed/",
    ],
)
def test_unknown_paths_answer_404(server: DemoServer, client: httpx.Client, path: str) -> None:
    r = client.get(server.base_url + path)
    assert r.status_code == 404
    assert "404" in r.text


def test_post_is_refused(server: DemoServer, client: httpx.Client) -> None:
    r = client.post(server.base_url + "/robots.txt", content=b"x=1")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"


def test_head_has_headers_without_body(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    target = sites.feed_targets("hespress")[0]
    identity = {"Accept-Encoding": "identity"}
    head = client.head(server.base_url + target, headers=identity)
    get = client.get(server.base_url + target, headers=identity)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


def test_limit_below_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        DemoSites(limit=5)


# ---- feeds --------------------------------------------------------------------------------------


def test_every_feed_parses_with_the_expected_entries(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    linked: set[str] = set()
    formats = Counter()
    for outlet in sites.outlets():
        for page, target in zip(
            sites.feed_pages(outlet.slug), sites.feed_targets(outlet.slug), strict=True
        ):
            r = client.get(server.base_url + target)
            assert r.status_code == 200, target
            formats[r.headers["content-type"].split(";")[0]] += 1
            entries = _entries(r)
            assert len(entries) == len(page.articles), target
            assert [e["title"] for e in entries] == [a.title for a in page.articles]
            linked.update(_canonical_path(e["link"]) for e in entries)
    assert linked == {e["url_path"] for e in sites.expected_articles()}
    assert set(formats) == {"application/rss+xml", "application/atom+xml", "application/feed+json"}


def test_rss_items_carry_date_category_author_and_image(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    r = client.get(server.base_url + sites.feed_targets("skynewsarabia")[0])
    parsed = feedparser.parse(r.content)
    page = sites.feed_pages("skynewsarabia")[0]
    for entry, article in zip(parsed.entries, page.articles, strict=True):
        assert entry.published == article.pubdate
        assert entry.tags[0].term == "اقتصاد"
        assert entry.author == article.author
        assert entry.media_content[0]["url"].endswith(quote(article.image, safe="/-_.~"))


def test_json_feed_pages_link_to_each_other(server: DemoServer, client: httpx.Client) -> None:
    sites = DemoSites()
    with DemoServer(sites) as big:
        targets = sites.feed_targets("france24ar")
        assert any("page=2" in t for t in targets)
        first = next(t for t in targets if "page=2" in t).replace("?page=2", "")
        doc = client.get(big.base_url + first).json()
        assert doc["next_url"] == big.base_url + first + "?page=2"
        assert len(doc["items"]) == 100


def test_feeds_list_every_article_and_stay_short_at_default_size() -> None:
    sites = DemoSites()
    listed = Counter()
    for outlet in sites.outlets():
        for page in sites.feed_pages(outlet.slug):
            assert len(page.articles) <= 300
            listed.update(a.key for a in page.articles)
    assert set(listed) == {a.key for a in sites.articles()}


# ---- pages --------------------------------------------------------------------------------------


def test_every_article_page_has_its_paragraphs(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    for expected in sites.expected_articles():
        r = client.get(server.base_url + expected["url_path"])
        assert r.status_code == 200, expected["path"]
        assert r.headers["content-type"].startswith("text/html; charset=")
        text = _page_text(r)
        assert _norm(expected["title"]) in text
        for paragraph in expected["paragraphs"]:
            assert _norm(paragraph) in text, (expected["path"], paragraph[:40])
        if expected["author"]:
            assert _norm(expected["author"]) in text


def test_pages_are_rtl_with_canonical_and_boilerplate(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    expected = sites.expected_articles()[0]
    r = client.get(server.base_url + expected["url_path"])
    doc = lxml.html.document_fromstring(r.content)
    html = doc.getroottree().getroot()
    assert html.get("lang") == "ar" and html.get("dir") == "rtl"
    assert doc.xpath("//link[@rel='canonical']/@href") == [server.base_url + expected["url_path"]]
    for hook in (
        "main-menu",
        "ticker",
        "breadcrumbs",
        "share-buttons",
        "related",
        "comments",
        "newsletter",
    ):
        assert doc.xpath(f"//*[contains(@class, '{hook}')]"), hook
    assert doc.xpath("//footer[contains(., '©')]")
    assert doc.xpath("//figure/img/@src") and doc.xpath("//figure/figcaption")
    assert len(doc.xpath("//h1")) == 1


def test_some_outlets_have_og_and_json_ld_and_some_not(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    def doc_of(slug: str):
        path = next(e["url_path"] for e in sites.expected_articles() if e["source"] == slug)
        return lxml.html.document_fromstring(client.get(server.base_url + path).content)

    sky = doc_of("skynewsarabia")
    assert sky.xpath("//meta[@property='og:type']/@content") == ["article"]
    published = sky.xpath("//meta[@property='article:published_time']/@content")[0]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", published)
    ld = json.loads(sky.xpath("//script[@type='application/ld+json']/text()")[0])
    assert ld["@type"] == "NewsArticle"
    arabiya = doc_of("alarabiya")
    assert not arabiya.xpath("//meta[starts-with(@property, 'og:')]")
    assert not arabiya.xpath("//script[@type='application/ld+json']")


@pytest.mark.parametrize(
    ("slug", "month"),
    [("skynewsarabia", "مارس"), ("bbcarabic", "آذار"), ("hespress", "دجنبر"), ("lemonde", "août")],
)
def test_visible_dates_use_the_outlets_month_names(
    server: DemoServer, sites: DemoSites, client: httpx.Client, slug: str, month: str
) -> None:
    path = next(e["url_path"] for e in sites.expected_articles() if e["source"] == slug)
    doc = lxml.html.document_fromstring(client.get(server.base_url + path).content)
    assert month in doc.xpath("//time")[0].text_content()


def test_hespress_article_keeps_its_sub_headings(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    (expected,) = [e for e in sites.expected_articles() if e["source"] == "hespress"]
    assert expected["title"].startswith("التعاون الأمني بين المغرب وفرنسا")
    assert expected["published"].date().isoformat() == "2023-12-14"
    doc = lxml.html.document_fromstring(client.get(server.base_url + expected["url_path"]).content)
    assert [h.text_content() for h in doc.xpath("//h2")] == [
        "مدخل لتقوية العلاقات",
        "التزام مبدئي ونموذج أمني",
    ]


def test_windows_1256_outlet_is_encoded_throughout(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    feed = client.get(server.base_url + sites.feed_targets("cnnarabic")[0])
    assert feed.headers["content-type"] == "application/rss+xml; charset=windows-1256"
    assert feed.content.startswith(b'<?xml version="1.0" encoding="windows-1256"?>')
    with pytest.raises(UnicodeDecodeError):
        feed.content.decode("utf-8")
    title = sites.feed_pages("cnnarabic")[0].articles[0].title
    assert feedparser.parse(feed.content).entries[0].title == title
    expected = next(e for e in sites.expected_articles() if e["source"] == "cnnarabic")
    page = client.get(server.base_url + expected["url_path"])
    assert page.headers["content-type"] == "text/html; charset=windows-1256"
    assert b'<meta charset="windows-1256">' in page.content
    words = [w for w in expected["title"].split() if all("\u0600" <= ch <= "\u06ff" for ch in w)]
    assert words and words[0] in page.content.decode("windows-1256")


# ---- HTTP caching and compression ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["feed", "page"])
def test_conditional_get_answers_304(
    server: DemoServer, sites: DemoSites, client: httpx.Client, kind: str
) -> None:
    target = (
        sites.feed_targets("bbcarabic")[0]
        if kind == "feed"
        else sites.expected_articles()[0]["url_path"]
    )
    url = server.base_url + target
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(url, headers={"If-Modified-Since": older}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_gzip_only_when_accepted(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    url = server.base_url + sites.feed_targets("skynewsarabia")[0]
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decoded it
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    raw = httpx.get(url, headers={"Accept-Encoding": "gzip"}).read()
    assert raw == plain.content
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as resp:
        assert gzip.decompress(b"".join(resp.iter_raw())) == plain.content


# ---- pictures -----------------------------------------------------------------------------------


def test_lead_images_are_generated_jpegs(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    expected = next(e for e in sites.expected_articles() if e["image_kind"] == "generated")
    r = client.get(server.base_url + expected["image_path"])
    assert r.headers["content-type"] == "image/jpeg"
    img = Image.open(io.BytesIO(r.content))
    assert img.format == "JPEG" and img.size == (640, 360)
    assert client.get(server.base_url + expected["image_path"]).content == r.content
    logo = client.get(f"{server.base_url}/{expected['source']}/logo.png")
    assert Image.open(io.BytesIO(logo.content)).format == "PNG"


def test_hostile_images_answer_as_designed(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    hostile = sites.hostile_images()
    assert all(hostile[name] for name in C.IMAGE_CASES)

    def fetch(case: str, i: int = 0) -> httpx.Response:
        return client.get(server.base_url + hostile[case][i]["image_path"])

    truncated = fetch(C.TRUNCATED_JPEG)
    assert (
        truncated.headers["content-type"] == "image/jpeg" and truncated.content[:2] == b"\xff\xd8"
    )
    with pytest.raises(OSError):
        Image.open(io.BytesIO(truncated.content)).load()

    fake = fetch(C.HTML_AS_JPEG)
    assert fake.headers["content-type"] == "image/jpeg"
    assert fake.content.lstrip().lower().startswith(b"<!doctype html")

    svg = fetch(C.SVG_SCRIPT)
    assert svg.headers["content-type"] == "image/svg+xml"
    assert b"<script" in svg.content

    bomb = fetch(C.PNG_BOMB)
    assert bomb.headers["content-type"] == "image/png"
    assert len(bomb.content) < 200_000
    assert bomb.content[16:24] == (C.BOMB_SIZE).to_bytes(4, "big") * 2  # IHDR width, height
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb.content))


def _ahash(data: bytes) -> int:
    small = Image.open(io.BytesIO(data)).convert("L").resize((8, 8), Image.Resampling.BOX)
    pixels = list(small.tobytes())
    mean = sum(pixels) / len(pixels)
    return sum(1 << i for i, p in enumerate(pixels) if p > mean)


def test_shared_picture_is_the_same_image_reencoded(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    pair = sites.hostile_images()[C.SHARED_PICTURE]
    assert len(pair) == 2 and pair[0]["source"] != pair[1]["source"]
    a, b = (client.get(server.base_url + p["image_path"]).content for p in pair)
    assert a != b
    assert Image.open(io.BytesIO(a)).size != Image.open(io.BytesIO(b)).size
    assert bin(_ahash(a) ^ _ahash(b)).count("1") <= 4


def test_hostile_images_are_the_feed_items_images(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    for case in (C.TRUNCATED_JPEG, C.SVG_SCRIPT, C.HTML_AS_JPEG, C.PNG_BOMB):
        (expected,) = sites.hostile_images()[case]
        found = []
        for target in sites.feed_targets(expected["source"]):
            for entry in _entries(client.get(server.base_url + target)):
                if _canonical_path(entry["link"]) == expected["url_path"]:
                    found.append(entry["image"])
        assert found and all(img == server.base_url + expected["image_path"] for img in found), case


# ---- special cases ------------------------------------------------------------------------------


def test_paywall_page_has_no_body_but_feed_has_summary(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    (expected,) = sites.special_cases()[C.PAYWALL]
    assert expected["partial"] and expected["paragraphs"] == []
    article = next(a for a in sites.articles(expected["source"]) if a.key == expected["key"])
    text = _page_text(client.get(server.base_url + expected["url_path"]))
    assert _norm(expected["title"]) in text and "التطبيق" in text
    assert not any(_norm(p) in text for p in article.paragraphs)
    entries = [
        e
        for target in sites.feed_targets(expected["source"])
        for e in _entries(client.get(server.base_url + target))
        if _canonical_path(e["link"]) == expected["url_path"]
    ]
    assert entries and _norm(entries[0]["summary"]) == _norm(expected["summary"])
    assert _norm(article.paragraphs[0]) in _norm(expected["summary"])


def test_wire_copy_is_in_two_outlets_with_the_same_body(sites: DemoSites) -> None:
    pair = sites.special_cases()[C.WIRE_COPY]
    assert len(pair) == 2
    original, copy = sorted(pair, key=lambda e: e["published"])
    assert original["source"] == "skynewsarabia" and copy["source"] == "alarabiya"
    assert original["paragraphs"] == copy["paragraphs"] and original["paragraphs"]
    assert original["title"] != copy["title"]


def test_broken_html_page_still_carries_its_text(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    (expected,) = sites.special_cases()[C.BROKEN_HTML]
    r = client.get(server.base_url + expected["url_path"])
    raw = r.content.decode(r.encoding)
    assert "</html>" not in raw and "</body>" not in raw
    assert raw.count("<p>") > raw.count("</p>")
    text = _page_text(r)
    assert all(_norm(p) in text for p in expected["paragraphs"])


# ---- registry entries ---------------------------------------------------------------------------


def test_sources_are_valid_registry_entries(
    server: DemoServer, sites: DemoSites, client: httpx.Client
) -> None:
    validate = getattr(registry, "validate_slug", None)
    sources = sites.sources(server.base_url)
    assert {s.slug for s in sources} == {o.slug for o in sites.outlets()}
    for source in sources:
        if validate is not None:
            validate(source.slug)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", source.slug)
        assert source.name_ar and source.name_fr and source.name_en
        assert source.site_url == f"{server.base_url}/{source.slug}/"
        assert client.get(source.site_url).status_code == 200
        assert source.feeds and all(f.startswith(server.base_url) for f in source.feeds)
        assert source.default_section in SECTIONS
        assert source.categories and set(source.categories.values()) <= set(SECTIONS)
    by_slug = {s.slug: s for s in sources}
    for expected in sites.expected_articles():
        pattern = by_slug[expected["source"]].id_pattern
        url = server.base_url + expected["url_path"]
        if pattern is None:
            assert expected["num"] is None
        else:
            assert int(re.search(pattern, url).group(1)) == expected["num"], url
        assert expected["section"] in SECTIONS


def test_default_demo_size() -> None:
    sites = DemoSites()
    ant = [a for a in sites.articles() if a.key[:3] in {"SK-", "AL-", "CN-", "BB-", "FR-"}]
    assert len(ant) >= 1500
    assert len({a.published.date() for a in ant}) >= 10
    assert {a.source for a in ant} == {
        "skynewsarabia",
        "alarabiya",
        "cnnarabic",
        "bbcarabic",
        "france24ar",
    }
    assert min(Counter(a.source for a in ant).values()) >= 200
    slugs = {o.slug for o in sites.outlets()}
    assert {"hespress", "lemonde", "lefigaro", "lesechos", "euronews-fr"} <= slugs
    assert {o.lang for o in sites.outlets()} == {"ar", "fr"}
    assert sites.article_count() == len(sites.expected_articles())
    assert (
        len({(e["source"], e["path"]) for e in sites.expected_articles()}) == sites.article_count()
    )


def test_selection_is_deterministic() -> None:
    a = [e["path"] for e in DemoSites(limit=SMALL, seed=1).expected_articles()]
    b = [e["path"] for e in DemoSites(limit=SMALL, seed=1).expected_articles()]
    c = [e["path"] for e in DemoSites(limit=SMALL, seed=2).expected_articles()]
    assert a == b and a != c


# ---- load ---------------------------------------------------------------------------------------


def test_fifty_concurrent_requests(server: DemoServer, sites: DemoSites) -> None:
    paths = [e["url_path"] for e in sites.expected_articles()][:25] + sites.feed_targets(
        "cnnarabic"
    )[:25]
    paths = (paths * 2)[:50]

    def get(path: str) -> int:
        with httpx.Client(timeout=10) as c:
            return c.get(server.base_url + path).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert list(pool.map(get, paths)) == [200] * 50


def test_wsgi_app_serves_the_same_sites(sites: DemoSites) -> None:
    from wsgiref.util import setup_testing_defaults

    expected = sites.expected_articles()[0]
    environ: dict = {"PATH_INFO": unquote(expected["url_path"]).encode().decode("latin-1")}
    setup_testing_defaults(environ)
    seen: list = []
    body = b"".join(sites.wsgi_app(environ, lambda status, headers: seen.append((status, headers))))
    assert seen[0][0] == "200 OK"
    assert _norm(expected["paragraphs"][0]) in _norm(body.decode("utf-8"))

"""The portal's HTML pages, rendered by the real app over a real SQLite archive."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from nashra.media.paths import media_url
from nashra.store import queries
from nashra.store.queries import Filters
from nashra.web.app import create_app
from test_web_support import AUTHOR, SEED, SEED_NUM, build_archive, css, parse, position


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("web-pages"))


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive.settings, archive.store)) as c:
        yield c


def get_doc(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:500])
    return parse(response.text)


# ------------------------------------------------------------------------------ article page


def test_article_page_has_the_seed_anatomy_in_order(client, archive):
    doc = get_doc(client, f"/hespress/{SEED_NUM}")
    ticker = css(doc, "nav.ticker")[0]
    main = css(doc, "main")[0]
    article = css(main, "article")[0]
    img = css(article, "figure img")[0]
    h1 = css(article, "h1")[0]
    dateline = css(article, "p.dateline")[0]
    body = css(article, "div.body")[0]
    sub = css(body, "h2")[0]
    source_link = css(article, "p.source-link a")[0]
    # the ticker is outside <main> and <article>, so readers and extractors can drop it
    assert main not in ticker.iterancestors() and ticker not in main.iter()
    order = [position(doc, e) for e in (ticker, main, img, h1, dateline, body, sub, source_link)]
    assert order == sorted(order)
    # the source link is the article's last element
    assert position(doc, source_link) > max(position(doc, e) for e in body.iter())
    assert h1.text_content() == SEED["title"] and h1.get("dir") == "auto"
    assert (
        " ".join(dateline.text_content().split())
        == SEED["date_line"]
        == "نشر في هسبريس يوم 14 - 12 - 2023"
    )
    assert css(dateline, "a")[0].get("href") == "/hespress"
    assert [h.text_content() for h in css(body, "h2")] == SEED["subheadings"]
    assert len(css(body, "p")) >= 8
    assert source_link.text_content() == "انقر هنا لقراءة الخبر من مصدره."
    assert source_link.get("href") == f"https://www.hespress.com/seed-{SEED_NUM}.html"
    assert set(source_link.get("rel").split()) == {"nofollow", "noopener"}
    assert img.get("src") == media_url(archive.seed_sha, "full")
    assert (img.get("width"), img.get("height")) == ("960", "540")
    assert article.get("lang") == "ar"


def test_article_page_is_rtl_with_dir_auto_titles(client):
    doc = get_doc(client, f"/hespress/{SEED_NUM}")
    html = doc.getroottree().getroot()
    assert (html.get("lang"), html.get("dir")) == ("ar", "rtl")
    titles = css(doc, "h1, .ticker-list a, .teaser-title")
    assert len(titles) > 10
    assert all(t.get("dir") == "auto" for t in titles)


def test_article_shows_author_linked_to_author_page(client, archive):
    rows, _ = queries.latest_articles(
        archive.store, Filters(author=AUTHOR, source="hespress"), limit=1
    )
    doc = get_doc(client, f"/hespress/{rows[0]['num']}")
    link = css(doc, "p.byline a")[0]
    assert link.text_content() == AUTHOR
    assert link.get("href") == "/author/" + quote(AUTHOR.replace(" ", "+"), safe="+")
    assert css(get_doc(client, link.get("href")), "h1")[0].text_content() == AUTHOR


def test_article_without_image_shows_the_outlet_logo(client, archive):
    doc = get_doc(client, "/alyaoum24/1001")
    figures = css(doc, "article figure")
    assert len(figures) == 1 and "lead-logo" in figures[0].get("class")
    logo = css(doc, "article figure img")[0]
    assert logo.get("src") == "/media/logo/alyaoum24.svg"
    assert (logo.get("width"), logo.get("height")) == ("160", "160")  # no layout shift
    assert css(doc, "article form") == []  # an outlet's logo is not reportable
    assert css(doc, "article h1")[0].get("dir") == "auto"


def test_copy_links_to_its_original(client):
    doc = get_doc(client, "/alyaoum24/777")
    assert css(doc, "p.copy-note a")[0].get("href") == f"/hespress/{SEED_NUM}"


@pytest.mark.parametrize(
    "path",
    ["/no-such-outlet", "/hespress/999999", "/hespress/abc", "/hespress/12x", "/hespress/" + "9" * 30,
     "/no-such-outlet/5", "/author/nobody+at+all", "/archive/2023/13/40", "/fr/hespress/999999"],
)  # fmt: skip
def test_unknown_pages_answer_an_arabic_404_with_a_search_box(client, path):
    response = client.get(path)
    assert response.status_code == 404
    doc = parse(response.text)
    form = css(doc, "main form[role=search]")[0]
    assert form.get("action").endswith("/search") and css(form, "input[name=q]")
    if not path.startswith("/fr/"):
        assert doc.getroottree().getroot().get("lang") == "ar"
        assert "الصفحة غير موجودة" in css(doc, "main h1")[0].text_content()
    assert "Traceback" not in response.text
    assert response.headers["cache-control"] == "no-store"


# ------------------------------------------------------------------------------------- home


def test_home_has_ticker_top_stories_and_section_blocks(client, archive):
    doc = get_doc(client, "/")
    items = css(doc, "nav.ticker ul.ticker-list > li")
    assert 0 < len(items) <= 60
    assert all(li.text_content().strip() for li in items)
    assert "خبر بلا عنوان" in items[0].text_content()  # untitled item shows its text
    assert css(doc, "nav.ticker")[0] not in css(doc, "main")[0].iter()
    top = css(doc, "section.top article.story")
    assert len(top) == 6
    for story in top:
        assert css(story, "h3 a") and css(story, "h3")[0].get("dir") == "auto"
        assert css(story, "p.meta a")[0].text_content() in {"هسبريس", "اليوم 24"}
        assert css(story, "time")
    snippets = [p.text_content() for p in css(doc, "section.top p.snippet")]
    assert snippets and all(s.endswith(" (...)") for s in snippets)
    assert sum(1 for s in top if css(s, "img[width][height]")) >= 1
    blocks = css(doc, "section.block")
    assert len(blocks) >= 6
    for block in blocks:
        teasers = css(block, "li.teaser")
        assert 1 <= len(teasers) <= 7
        for t in teasers:
            assert css(t, "a.teaser-title")[0].get("dir") == "auto"
            assert css(t, "time")
    assert any(css(b, "span.author") for b in blocks)
    assert any(css(b, "img.thumb[width][height]") for b in blocks)
    html = doc.getroottree().getroot()
    assert (html.get("lang"), html.get("dir")) == ("ar", "rtl")
    # the French article belongs to the French edition, not the Arabic home
    assert "Le Maroc et la France" not in client.get("/").text


def test_ticker_is_a_css_marquee_that_pauses_and_respects_reduced_motion(client):
    doc = get_doc(client, "/")
    css_href = css(doc, "link[rel=stylesheet]")[0].get("href")
    sheet = client.get(css_href).text
    assert re.search(r"\.ticker-list\s*{[^}]*animation:", sheet)
    assert re.search(
        r"\.ticker:hover \.ticker-list, \.ticker:focus-within \.ticker-list\s*{\s*animation-play-state: paused",
        sheet,
    )
    assert re.search(
        r"@media \(prefers-reduced-motion: reduce\)\s*{\s*\.ticker-list\s*{\s*animation: none",
        sheet,
    )
    # works without JavaScript: the only script is the portal's deferred reader.js (theme, text
    # size, follow buttons, view beacon), which the ticker does not need
    scripts = css(doc, "script")
    assert [s.get("src").split("?")[0] for s in scripts] == ["/static/reader.js"]
    assert all(s.get("defer") is not None and not (s.text or "").strip() for s in scripts)


# ----------------------------------------------------------------------------------- listings


def walk(client, first):
    """Follow rel=next from ``first``; return the article paths seen and the pages' URLs."""
    seen, urls, url = [], [], first
    while url:
        doc = get_doc(client, url)
        urls.append(url)
        seen += [a.get("href") for a in css(doc, "main li.teaser a.teaser-title")]
        nxt = css(doc, "nav.pager a[rel=next]")
        assert bool(nxt) == bool(css(doc, "head link[rel=next]"))
        url = nxt[0].get("href") if nxt else None
        assert len(urls) < 20
    return seen, urls


def test_outlet_pages_walk_every_item_once_and_back(client, archive):
    seen, urls = walk(client, "/hespress")
    assert len(seen) == len(set(seen)) == archive.counts["hespress"]
    assert len(urls) == 2
    assert all(p.startswith("/hespress/") for p in seen)
    # walk back with rel=prev from the last page
    back, url = [], urls[-1]
    while True:
        doc = get_doc(client, url)
        back = [a.get("href") for a in css(doc, "main li.teaser a.teaser-title")] + back
        prev = css(doc, "nav.pager a[rel=prev]")
        if not prev:
            break
        url = prev[0].get("href")
    assert back == seen
    assert url == "/hespress"


def test_outlet_page_heading_and_feed_links(client):
    doc = get_doc(client, "/alyaoum24")
    assert css(doc, "main h1")[0].text_content() == "اليوم 24"
    assert css(doc, "head link[type='application/rss+xml'][href='/alyaoum24/rss']")


def test_bad_cursor_on_a_page_is_a_clear_400(client):
    response = client.get("/hespress?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "invalid cursor" in response.text and "Traceback" not in response.text


def test_section_page_lists_only_that_section(client, archive):
    seen, _ = walk(client, "/politics")
    expected = queries.count_articles(archive.store, Filters(section="politics", lang="ar"))
    assert len(seen) == len(set(seen)) == expected
    doc = get_doc(client, "/politics")
    assert css(doc, "main h1")[0].text_content() == "السياسية"


@pytest.mark.parametrize(
    "encode", [lambda n: n.replace(" ", "+"), lambda n: quote(n.replace(" ", "+"), safe="+"), quote]
)
def test_author_page_accepts_plus_and_percent_encoding(client, archive, encode):
    seen, _ = walk(client, "/author/" + encode(AUTHOR))
    assert len(seen) == queries.count_articles(archive.store, Filters(author=AUTHOR))


def test_day_archive_lists_that_day(client, archive):
    doc = get_doc(client, "/archive/2023/12/14")
    titles = [a.text_content() for a in css(doc, "main li.teaser a.teaser-title")]
    assert SEED["title"] in titles
    assert css(doc, "main h1")[0].text_content() == "14 - 12 - 2023"


def test_outlet_list(client):
    doc = get_doc(client, "/outlets")
    names = [a.text_content() for a in css(doc, "main ul.outlets a")]
    assert set(names) == {"هسبريس", "اليوم 24"}  # the French outlet is in the French edition
    assert "Le Matin" in get_doc(client, "/fr/outlets").text_content()


# ------------------------------------------------------------------------------------ editions


def test_french_edition_has_french_interface_and_outlets(client):
    doc = get_doc(client, "/fr/")
    html = doc.getroottree().getroot()
    assert (html.get("lang"), html.get("dir")) == ("fr", "ltr")
    assert "Le Maroc et la France" in css(doc, "section.top")[0].text_content()
    assert SEED["title"] not in doc.text_content()
    art = get_doc(client, "/fr/lematin/42")
    assert css(art, "article")[0].get("lang") == "fr"
    assert (
        " ".join(css(art, "p.dateline")[0].text_content().split())
        == "Publié dans Le Matin le 14 - 12 - 2023"
    )
    assert (
        css(art, "p.source-link a")[0].text_content()
        == "Cliquez ici pour lire l'article à sa source."
    )


def test_english_interface_over_an_arabic_article(client):
    doc = get_doc(client, f"/en/hespress/{SEED_NUM}")
    html = doc.getroottree().getroot()
    assert (html.get("lang"), html.get("dir")) == ("en", "ltr")
    assert css(doc, "article")[0].get("lang") == "ar"
    dateline = css(doc, "p.dateline")[0]
    assert dateline.get("lang") == "en"
    assert " ".join(dateline.text_content().split()) == "Published in Hespress on 14 - 12 - 2023"


def test_arabic_interface_marks_french_text_with_its_language(client):
    doc = get_doc(client, "/lematin/42")
    assert css(doc, "article")[0].get("lang") == "fr"
    assert css(doc, "p.dateline")[0].get("lang") == "ar"


# --------------------------------------------------------------------------- static & health


def test_static_css_has_a_versioned_url_and_long_cache(client):
    href = css(get_doc(client, "/"), "link[rel=stylesheet]")[0].get("href")
    assert re.fullmatch(r"/static/nashra\.css\?v=[0-9a-f]{12}", href)
    response = client.get(href)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    assert (
        "immutable" in response.headers["cache-control"]
        and "max-age=31536000" in response.headers["cache-control"]
    )
    stale = client.get("/static/nashra.css?v=000000000000")
    assert "immutable" not in stale.headers["cache-control"]
    assert client.get("/static/other.css").status_code == 404


def test_media_serves_visible_images_only(client, archive):
    response = client.get(media_url(archive.seed_sha, "thumb"))
    assert response.status_code == 200 and response.headers["content-type"] == "image/webp"
    assert response.content[:4] == b"RIFF"
    assert client.get("/media/" + "0" * 64 + "-full.webp").status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get("/media/notanimage.webp").status_code == 404


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "db": True}


def test_about_and_widget_pages(client):
    assert "حول نشرة" in css(get_doc(client, "/about"), "main h1")[0].text_content()
    doc = get_doc(client, "/widget?source=hespress")
    code = css(doc, "textarea.code")[0].text_content()
    assert "<iframe" in code and "/widget/box?source=hespress" in code
    box = get_doc(client, "/widget/box?source=hespress")
    links = css(box, "li a")
    assert 0 < len(links) <= 10 and all("/hespress/" in a.get("href") for a in links)
    assert client.get("/widget?source=nope").status_code == 404
    assert client.get("/widget/box?section=nope").status_code == 404


# ----------------------------------------------------------------------------------- failures


def test_a_server_error_renders_a_plain_page_and_is_logged(tmp_path, caplog):
    archive = build_archive(tmp_path, fillers=2)
    app = create_app(archive.settings, archive.store)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/hespress").status_code == 200
        with archive.store.engine.begin() as conn:  # a real fault: the table disappears
            conn.execute(text("ALTER TABLE articles RENAME TO articles_gone"))
        response = client.get(f"/hespress/{SEED_NUM}")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "OperationalError" not in response.text
    assert css(parse(response.text), "main h1")[0].text_content() == "خطأ"
    assert any("error while serving GET /hespress/" in r.getMessage() for r in caplog.records)


def test_teasers_without_a_picture_show_the_outlet_logo(client, archive):
    doc = get_doc(client, "/alyaoum24")
    logos = [img for img in css(doc, "li.teaser img") if "thumb-logo" in img.get("class")]
    assert logos and all(img.get("src") == "/media/logo/alyaoum24.svg" for img in logos)
    assert all(img.get("width") and img.get("height") for img in logos)  # no layout shift

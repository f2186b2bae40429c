"""Video articles (issue 18): recognised in pages and feeds, stored with their video, listed on
``/video`` in every edition, shown with a click-to-play player, and in the API and feeds."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from demo_portal import build_demo_archive
from feed_validity import validate_atom, validate_rss
from nashra.crawl.article import build_article
from nashra.crawl.extract import extract_page, parse_html
from nashra.crawl.feeds import parse_feed
from nashra.demo.cases import VIDEO_CASES
from nashra.ingest import save_article
from nashra.model import ExtractedPage, FeedEntry
from nashra.sources.registry import Source
from nashra.store import Store, queries
from nashra.video.detect import (
    DAILYMOTION,
    FILE,
    SOURCE,
    VIMEO,
    YOUTUBE,
    Video,
    choose_video,
    find_video,
    parse_duration,
    provider_video,
)
from nashra.video.store import videos_for
from nashra.web.app import create_app
from nashra.web.i18n import translations
from test_web_support import LiveServer, css, parse

PAGE = (
    "<html><head>{head}</head><body><article><h1>t</h1>{body}<p>{text}</p></article></body></html>"
)


def page(body: str = "", head: str = "", text: str = "نص قصير") -> str:
    return PAGE.format(head=head, body=body, text=text)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://www.youtube.com/watch?v=M7lc1UVf-VE&t=3", (YOUTUBE, "M7lc1UVf-VE")),
        ("https://youtu.be/M7lc1UVf-VE", (YOUTUBE, "M7lc1UVf-VE")),
        ("https://www.youtube.com/embed/M7lc1UVf-VE?rel=0", (YOUTUBE, "M7lc1UVf-VE")),
        ("https://www.youtube-nocookie.com/embed/M7lc1UVf-VE", (YOUTUBE, "M7lc1UVf-VE")),
        ("https://m.youtube.com/shorts/M7lc1UVf-VE", (YOUTUBE, "M7lc1UVf-VE")),
        ("https://www.dailymotion.com/video/x8abc12_some-title", (DAILYMOTION, "x8abc12")),
        ("https://www.dailymotion.com/embed/video/x8abc12", (DAILYMOTION, "x8abc12")),
        ("https://geo.dailymotion.com/player.html?video=x8abc12", (DAILYMOTION, "x8abc12")),
        ("https://dai.ly/x8abc12", (DAILYMOTION, "x8abc12")),
        ("https://vimeo.com/76979871", (VIMEO, "76979871")),
        ("https://player.vimeo.com/video/76979871?h=abc", (VIMEO, "76979871")),
        ("https://www.youtube.com/channel/UCabc", None),  # a channel is no video
        ("https://www.youtube.com/watch?v=short", None),
        ("https://vimeo.com/about", None),
        ("https://example.com/embed/M7lc1UVf-VE", None),
        ("not a url at all", None),
    ],
)
def test_provider_addresses(url, expected) -> None:
    assert provider_video(url) == expected


@pytest.mark.parametrize(
    "value, seconds",
    [("PT2M14S", 134), ("PT1H2M5S", 3725), ("PT45S", 45), ("P1DT1S", 86401), (90, 90), ("90", 90),
     ("PT", None), ("two minutes", None), ("PT0S", None), (-5, None), (True, None)],
)  # fmt: skip
def test_durations(value, seconds) -> None:
    assert parse_duration(value) == seconds


def _video(html: str, url: str = "https://outlet.test/news/1") -> Video | None:
    return find_video(parse_html(html), url)


def test_iframe_players_of_each_provider() -> None:
    yt = _video(
        page('<iframe src="https://www.youtube.com/embed/M7lc1UVf-VE" title="كلمة"></iframe>')
    )
    assert yt == Video(YOUTUBE, "M7lc1UVf-VE", title="كلمة")
    dm = _video(page('<iframe data-src="//www.dailymotion.com/embed/video/x8abc12"></iframe>'))
    assert (dm.provider, dm.video_id) == (DAILYMOTION, "x8abc12")
    vm = _video(page('<iframe src="https://player.vimeo.com/video/76979871"></iframe>'))
    assert (vm.provider, vm.video_id) == (VIMEO, "76979871")


def test_lite_youtube_and_poster_links() -> None:
    lite = _video(page('<lite-youtube videoid="M7lc1UVf-VE" title="t"></lite-youtube>'))
    assert (lite.provider, lite.video_id) == (YOUTUBE, "M7lc1UVf-VE")
    linked = _video(page('<a href="https://vimeo.com/76979871"><img src="/p.jpg" alt=""></a>'))
    assert (linked.provider, linked.video_id) == (VIMEO, "76979871")


def test_a_plain_link_counts_only_on_a_page_filed_under_video() -> None:
    html = page('<p>See <a href="https://youtu.be/M7lc1UVf-VE">the speech</a>.</p>')
    assert _video(html, "https://outlet.test/politics/1") is None
    found = _video(html, "https://outlet.test/video/2024/1")
    assert (found.provider, found.video_id) == (YOUTUBE, "M7lc1UVf-VE")


def test_og_video_and_json_ld_video_object() -> None:
    og = _video(page(head='<meta property="og:video" content="https://www.youtube.com/embed/M7lc1UVf-VE">'
                          '<meta property="og:image" content="/poster.jpg">'))  # fmt: skip
    assert og.provider == YOUTUBE and og.poster_url == "https://outlet.test/poster.jpg"
    mp4 = _video(page(head='<meta property="og:video:url" content="https://cdn.test/v.mp4">'))
    assert mp4 == Video(FILE, "https://cdn.test/v.mp4")
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type":'
        ' "NewsArticle", "video": {"@type": "VideoObject", "name": "خطاب", "duration": "PT2M14S",'
        ' "embedUrl": "https://www.dailymotion.com/embed/video/x8abc12", "thumbnailUrl":'
        ' ["https://cdn.test/t.jpg"]}}]}</script>'
    )
    video = _video(page(head=ld))
    assert video == Video(DAILYMOTION, "x8abc12", "خطاب", 134, "https://cdn.test/t.jpg")


def test_an_ordinary_article_has_no_video() -> None:
    html = page('<img src="/a.jpg"><a href="https://www.youtube.com/channel/UCx">قناتنا</a>')
    assert _video(html) is None
    assert extract_page(html, "https://outlet.test/news/1").video is None


def test_feed_enclosures_and_media_content_of_video_types() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
    <channel><title>t</title><link>https://o.test/</link>
    <item><title>a</title><link>https://o.test/a</link>
      <enclosure url="https://o.test/a.mp4" type="video/mp4" length="10"/></item>
    <item><title>b</title><link>https://o.test/b</link>
      <media:content url="https://www.youtube.com/watch?v=M7lc1UVf-VE" medium="video"/></item>
    <item><title>c</title><link>https://o.test/c</link>
      <enclosure url="https://o.test/c.jpg" type="image/jpeg" length="10"/></item>
    </channel></rss>"""
    entries = parse_feed(rss, "https://o.test/feed").entries
    assert [e.video for e in entries] == [
        Video(FILE, "https://o.test/a.mp4"),
        Video(YOUTUBE, "M7lc1UVf-VE"),
        None,
    ]


def test_the_page_player_wins_and_a_video_segment_alone_marks_a_video() -> None:
    feed = Video(YOUTUBE, "M7lc1UVf-VE")
    page_file = Video(FILE, "https://cdn.test/v.mp4", title="t", poster_url="https://cdn.test/p")
    assert choose_video(page_file, feed, "https://o.test/a") == Video(
        YOUTUBE, "M7lc1UVf-VE", title="t", poster_url="https://cdn.test/p"
    )
    assert choose_video(None, None, "https://o.test/video/12-slug") == Video(SOURCE, "")
    assert choose_video(None, None, "https://o.test/%D9%81%D9%8A%D8%AF%D9%8A%D9%88/12") == Video(
        SOURCE, ""
    )
    assert choose_video(None, None, "https://o.test/news/video") is None  # the last segment


def test_a_video_with_a_short_caption_is_complete_not_partial() -> None:
    source = Source(slug="outlet", name_ar="منفذ", lang="ar")
    entry = FeedEntry(url="https://o.test/a", title="شاهد", summary="تعليق أطول من نص الصفحة " * 3)
    text = ExtractedPage(title="شاهد", body_html="<p>تعليق</p>", body_text="تعليق")
    plain = build_article(source, entry, text)
    assert plain.partial and plain.video is None
    poster = "https://o.test/poster.jpg"
    with_video = ExtractedPage(
        **{**text.__dict__, "video": Video(YOUTUBE, "M7lc1UVf-VE", poster_url=poster)}
    )
    article = build_article(source, entry, with_video)
    assert not article.partial and article.video.video_id == "M7lc1UVf-VE"
    assert article.image_url == poster  # the poster is re-hosted as the lead image


# -- the demo, crawled through the pipeline, served by the portal --------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    settings = build_demo_archive(tmp_path_factory.mktemp("video") / "data", limit=60)
    store = Store.open(settings.resolved_database_url)
    with LiveServer(create_app(settings, store)) as base, httpx.Client(base_url=base) as client:
        yield store, client
    store.close()


def _video_rows(store: Store) -> list[dict]:
    rows, _ = queries.latest_articles(store, queries.Filters(video=True), limit=200)
    return rows


def test_demo_video_articles_are_stored_complete_with_video_and_poster(demo) -> None:
    store, _ = demo
    rows = _video_rows(store)
    videos = videos_for(store, [r["pk"] for r in rows])
    assert {(v.provider, v.video_id) for v in videos.values()} == set(VIDEO_CASES.values())
    assert len({r["source"] for r in rows}) >= 2
    for row in rows:
        assert not row["partial"], row["url"]
        assert row["image_id"] is not None  # the poster, re-hosted by the media stage
    youtube = next(v for v in videos.values() if v.provider == YOUTUBE)
    assert youtube.duration == 134 and youtube.title


@pytest.mark.parametrize("prefix", ["", "/fr", "/en"])
def test_video_page_in_every_edition(demo, prefix) -> None:
    store, client = demo
    response = client.get(f"{prefix}/video")
    assert response.status_code == 200
    doc = parse(response.content)
    lang = prefix.strip("/") or "ar"
    heading = translations(lang).gettext("In video")
    assert css(doc, "main h1")[0].text_content().strip() == heading
    assert heading in [a.text_content().strip() for a in css(doc, "nav.menu a")]
    cards = css(doc, ".video-card .teaser-title")
    if prefix == "/fr":
        assert cards == []  # no French outlet of the demo has a video
    else:
        expected = [f"/{r['source']}/{r['num']}" for r in _video_rows(store)]
        assert [a.get("href").removeprefix(prefix) for a in cards] == expected
    if lang == "ar":
        assert translations("ar").gettext("In video") == "بالفيديو"


def test_video_page_filters_and_cursor(demo) -> None:
    store, client = demo
    rows = _video_rows(store)
    source = rows[0]["source"]
    doc = parse(client.get("/video", params={"source": source}).content)
    hrefs = [a.get("href") for a in css(doc, ".video-card .teaser-title")]
    assert hrefs and all(h.startswith(f"/{source}/") for h in hrefs)
    section = rows[0]["section"]
    doc = parse(client.get("/video", params={"section": section}).content)
    hrefs = [a.get("href") for a in css(doc, ".video-card .teaser-title")]
    assert f"/{source}/{rows[0]['num']}" in hrefs
    assert client.get("/video", params={"section": "gossip"}).status_code == 400
    assert client.get("/video", params={"source": "nope"}).status_code == 400
    assert client.get("/video", params={"cursor": "garbage"}).status_code == 400
    cursor = queries.row_cursor(rows[0])
    doc = parse(client.get("/video", params={"cursor": cursor}).content)
    hrefs = [a.get("href") for a in css(doc, ".video-card .teaser-title")]
    assert hrefs == [f"/{r['source']}/{r['num']}" for r in rows[1:]]


def test_video_feeds_are_valid_and_list_the_videos(demo) -> None:
    store, client = demo
    rss = client.get("/video/rss")
    assert rss.status_code == 200
    assert validate_rss(rss.content) == []
    links = etree.fromstring(rss.content).xpath("//item/link/text()")
    assert [link.split("/", 3)[3] for link in links] == [
        f"{r['source']}/{r['num']}" for r in _video_rows(store)
    ]
    atom = client.get("/en/video/atom")
    assert atom.status_code == 200
    assert validate_atom(atom.content) == []


def test_article_page_shows_a_click_to_play_player_and_no_third_party_frame(demo) -> None:
    store, client = demo
    for row in _video_rows(store):
        video = videos_for(store, [row["pk"]])[row["pk"]]
        response = client.get(f"/{row['source']}/{row['num']}")
        doc = parse(response.content)
        assert css(doc, "iframe") == [] and css(doc, "video") == []
        player = css(doc, "figure.player")[0]
        assert player.get("data-embed") == video.embed_url
        assert player.get("data-embed").startswith(
            (
                "https://www.youtube-nocookie.com/",
                "https://geo.dailymotion.com/",
                "https://player.vimeo.com/",
            )
        )
        link = css(player, "a.play")[0]
        assert link.get("href") == video.watch_url  # without script: the video's own page
        poster = css(link, "img")[0].get("src")
        assert poster.startswith("/media/")  # served by Nashra, never by the provider
        policy = response.headers["content-security-policy"]
        frame_src = next(p for p in policy.split("; ") if p.startswith("frame-src"))
        assert "https://www.youtube-nocookie.com" in frame_src
        assert "youtube.com " not in frame_src + " "


def test_api_video_object_and_filter(demo) -> None:
    store, client = demo
    body = client.get("/api/v1/articles", params={"video": "true", "limit": 100}).json()
    assert body["items"] and all(item["video"] for item in body["items"])
    assert {i["video"]["provider"] for i in body["items"]} == {YOUTUBE, DAILYMOTION, VIMEO}
    youtube = next(i for i in body["items"] if i["video"]["provider"] == YOUTUBE)
    assert youtube["video"]["duration"] == 134
    assert youtube["video"]["embed_url"].startswith("https://www.youtube-nocookie.com/embed/")
    one = client.get(f"/api/v1/articles/{youtube['source']}/{youtube['id']}").json()
    assert one["video"] == youtube["video"]
    plain = client.get("/api/v1/articles", params={"video": "false", "limit": 100}).json()
    assert plain["items"] and all(item["video"] is None for item in plain["items"])
    bad = client.get("/api/v1/articles", params={"video": "maybe"})
    assert bad.status_code == 400 and "video" in bad.json()["error"]


def test_video_rows_on_both_databases(store) -> None:
    from datetime import UTC, datetime

    from nashra.model import Article

    store.sync_sources([Source(slug="outlet", name_ar="منفذ")])
    when = datetime(2026, 1, 1, tzinfo=UTC)
    video = Video(VIMEO, "76979871", "عنوان", 75, "https://o.test/p.jpg")
    with_video = save_article(
        store,
        Article(
            source="outlet", url="https://o.test/v", title="فيديو", published=when, video=video
        ),
    )
    plain = save_article(
        store, Article(source="outlet", url="https://o.test/p", title="خبر", published=when)
    )
    assert videos_for(store, [with_video.pk, plain.pk]) == {with_video.pk: video}
    only, _ = queries.latest_articles(store, queries.Filters(video=True))
    none, _ = queries.latest_articles(store, queries.Filters(video=False))
    assert [r["pk"] for r in only] == [with_video.pk] and [r["pk"] for r in none] == [plain.pk]
    # an update that no longer finds the video removes it
    save_article(
        store, Article(source="outlet", url="https://o.test/v", title="فيديو محذوف", published=when)
    )
    assert videos_for(store, [with_video.pk]) == {}

"""«أخباري» my news (issue 18): choices kept by the reader (a token in localStorage and a
cookie), a personal home built from them and never shared through the page cache, a signed
personal RSS address that cannot be edited into another query, and an OPML export."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from starlette.testclient import TestClient

from feed_validity import validate_atom, validate_rss
from nashra.ingest import save_article
from nashra.mynews.choices import (
    COOKIE,
    MAX_PER_KIND,
    Choices,
    ChoicesError,
    parse_token,
    sign,
    verify,
)
from nashra.store import queries
from nashra.web.app import create_app
from nashra.web.i18n import translations
from test_web_support import build_archive, css, parse


def test_choices_follow_mute_clear_and_round_trip() -> None:
    c = Choices().choose("source", "hespress", "follow").choose("section", "sports", "mute")
    c = c.choose("author", "  محمد   العلوي ", "follow")
    assert c.follow == {"source": ["hespress"], "author": ["محمد العلوي"]}
    assert c.mute == {"section": ["sports"]}
    assert parse_token(c.token()) == c
    moved = c.choose("source", "hespress", "mute")  # muting un-follows
    assert moved.followed("source") == [] and moved.muted("source") == ["hespress"]
    assert not Choices().choose("topic", "x", "follow").choose("topic", "x", "clear")
    many = Choices()
    for i in range(MAX_PER_KIND + 5):
        many = many.choose("topic", f"t{i}", "follow")
    assert len(many.followed("topic")) == MAX_PER_KIND


@pytest.mark.parametrize(
    "kind, value, action",
    [("gossip", "x", "follow"), ("source", "", "follow"), ("source", "x" * 101, "follow"),
     ("source", "x", "delete")],
)  # fmt: skip
def test_bad_choices_are_refused(kind, value, action) -> None:
    with pytest.raises(ChoicesError):
        Choices().choose(kind, value, action)


@pytest.mark.parametrize(
    "token", ["%%%", "bm90IGpzb24", "W10", "eyJmIjogeyJnb3NzaXAiOiBbXX19", "A" * 9000]
)
def test_damaged_tokens_are_refused(token) -> None:
    with pytest.raises(ChoicesError):
        parse_token(token)


def test_a_signed_feed_address_cannot_be_edited() -> None:
    secret = b"k" * 32
    token = Choices().choose("source", "hespress", "follow").token()
    assert verify(secret, token, sign(secret, token)).followed("source") == ["hespress"]
    heavier = Choices().choose("topic", "a", "follow").choose("topic", "b", "follow").token()
    with pytest.raises(ChoicesError):
        verify(secret, heavier, sign(secret, token))
    with pytest.raises(ChoicesError):
        verify(b"another key" * 3, token, sign(secret, token))


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path, check_seconds=0.0, fillers=12)


def test_follow_without_script_and_the_personal_home(archive) -> None:
    app = create_app(archive.settings, archive.store)
    with TestClient(app) as client:
        empty = client.get("/my")
        assert empty.status_code == 200 and empty.headers["cache-control"] == "private, no-store"
        heading = translations("ar").gettext("My news")
        assert heading == "أخباري"
        assert css(parse(empty.content), "main h1")[0].text_content() == heading
        # the buttons on the outlet page post the choice; the cookie keeps it
        doc = parse(client.get("/alyaoum24").content)
        box = css(doc, ".follow")[0]
        assert (box.get("data-follow-kind"), box.get("data-follow-value")) == (
            "source",
            "alyaoum24",
        )
        answer = client.post(
            "/my/choose",
            data={"kind": "source", "value": "alyaoum24", "action": "follow", "next": "/my"},
            follow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/my"
        assert COOKIE in answer.cookies
        hits = app.state.page_cache.hits
        mine = parse(client.get("/my").content)
        hrefs = [a.get("href") for a in css(mine, ".teaser-title")]
        assert hrefs and all(h.startswith("/alyaoum24/") for h in hrefs)
        # mute a section: its articles leave the personal home
        section = queries.latest_articles(
            archive.store, queries.Filters(source="alyaoum24"), limit=1
        )[0][0]["section"]
        client.post("/my/choose", data={"kind": "section", "value": section, "action": "mute"})
        rows, _ = queries.latest_articles(
            archive.store, queries.Filters(source="alyaoum24"), limit=100
        )
        expected = [f"/{r['source']}/{r['num']}" for r in rows if r["section"] != section][:20]
        mine = parse(client.get("/my").content)
        assert [a.get("href") for a in css(mine, ".teaser-title")] == expected
        assert app.state.page_cache.hits == hits  # personal pages never come from the cache
        # without the cookie, the same address shows everyone's page again
        client.cookies.clear()
        assert not css(parse(client.get("/my").content), ".my-choices")
        assert (
            client.post(
                "/my/choose", data={"kind": "x", "value": "y", "action": "follow"}
            ).status_code
            == 400
        )
        off_site = client.post(
            "/my/choose",
            data={
                "kind": "source",
                "value": "hespress",
                "action": "follow",
                "next": "//evil.test/",
            },
            follow_redirects=False,
        )
        assert off_site.headers["location"] == "/my"


def test_personal_feed_is_signed_valid_and_opml_lists_the_outlets(archive) -> None:
    with TestClient(create_app(archive.settings, archive.store)) as client:
        client.post("/my/choose", data={"kind": "source", "value": "hespress", "action": "follow"})
        doc = parse(client.get("/fr/my").content)
        feed = css(doc, ".feeds a")[0].get("href")
        rss = client.get(feed)
        assert rss.status_code == 200 and validate_rss(rss.content) == []
        links = etree.fromstring(rss.content).xpath("//item/link/text()")
        assert links and all("/hespress/" in link for link in links)
        query = parse_qs(urlsplit(feed).query)
        other = Choices().choose("source", "alyaoum24", "follow").token()
        tampered = client.get("/my/rss", params={"c": other, "s": query["s"][0]})
        assert tampered.status_code == 400
        atom = client.get(css(doc, ".feeds a")[1].get("href"))
        assert atom.status_code == 200 and validate_atom(atom.content) == []
        entries = etree.fromstring(atom.content).xpath(
            "//a:entry/a:link[@rel='alternate']/@href",
            namespaces={"a": "http://www.w3.org/2005/Atom"},
        )
        assert entries and all("/hespress/" in link for link in entries)
        assert client.get("/my/atom", params={"c": other, "s": query["s"][0]}).status_code == 400
        head_feeds = [link.get("href") for link in css(doc, "link[rel=alternate]")]
        assert feed in head_feeds and css(doc, ".feeds a")[1].get("href") in head_feeds
        opml = client.get(css(doc, ".feeds a")[2].get("href"))
        assert opml.status_code == 200
        outlines = etree.fromstring(opml.content).xpath("//outline")
        assert [o.get("xmlUrl").rsplit("/", 2)[-2] for o in outlines] == ["hespress"]


@pytest.mark.parametrize("path, kind", [("/politics", "section"), ("/fr/lematin", "source"),
                                        ("/city/casablanca-settat", "region")])  # fmt: skip
def test_follow_buttons_on_listing_pages(archive, path, kind) -> None:
    with TestClient(create_app(archive.settings, archive.store)) as client:
        response = client.get(path)
        assert response.status_code == 200
        boxes = css(parse(response.content), ".follow")
        assert boxes and boxes[0].get("data-follow-kind") == kind
        assert client.get("/en/my").status_code == 200


def test_personal_articles_on_both_databases(store) -> None:
    from datetime import UTC, datetime, timedelta

    from nashra.model import Article
    from nashra.mynews.queries import personal_articles
    from nashra.sources.registry import Source

    store.sync_sources([Source(slug="a", name_ar="أ"), Source(slug="b", name_ar="ب")])
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    specs = [("a", "politics", "الحكومة تجتمع"), ("a", "sports", "الوداد يفوز"),
             ("b", "politics", "زلزال في الحوز"), ("b", "culture", "معرض الكتاب 100%_")]  # fmt: skip
    pks = [
        save_article(
            store,
            Article(
                source=src,
                url=f"https://x.test/{i}",
                title=title,
                published=t0 + timedelta(hours=i),
                section=section,
            ),  # fmt: skip
        ).pk
        for i, (src, section, title) in enumerate(specs)
    ]
    choices = Choices().choose("source", "a", "follow").choose("topic", "زلزال", "follow")
    rows, _ = personal_articles(store, choices.choose("section", "sports", "mute"))
    assert [r["pk"] for r in rows] == [pks[2], pks[0]]
    literal = Choices().choose("topic", "100%_", "follow")  # LIKE wildcards are plain text
    assert [r["pk"] for r in personal_articles(store, literal)[0]] == [pks[3]]
    page, cursor = personal_articles(store, Choices(), limit=2)
    rest, _ = personal_articles(store, Choices(), limit=2, cursor=cursor)
    assert [r["pk"] for r in page + rest] == pks[::-1]


def test_a_followed_topic_is_found_by_search_on_both_databases(store) -> None:
    """«المغرب» finds «بالمغرب», «والمغرب» and a voweled «والمَغْرِب» (the analyser folds clitics,
    harakat and hamza forms), in headlines only; «نار» is not «الدينار»; a two-word name matches
    its words together; a muted topic leaves the page too."""
    from datetime import UTC, datetime, timedelta

    from nashra.model import Article
    from nashra.mynews.queries import personal_articles
    from nashra.sources.registry import Source

    store.sync_sources([Source(slug="a", name_ar="أ"), Source(slug="b", name_ar="ب")])
    t0 = datetime(2026, 2, 1, tzinfo=UTC)
    specs = [
        ("a", "أمطار غزيرة بالمغرب هذا الأسبوع", ""),
        ("b", "والمَغْرِب يستعد لكأس إفريقيا", ""),
        ("a", "تونس تستعد للانتخابات", "وفد من المغرب يتابع الحملة"),  # the body alone: no
        ("b", "زلزال بالحوز والمغرب يعلن الحداد", ""),
        ("a", "الدار البيضاء تستضيف المعرض", ""),
        ("b", "البيضاء في الدار الكبيرة", ""),  # both words, not the name
        ("a", "النار تلتهم غابة بالشمال", ""),
        ("b", "ارتفاع سعر الدينار", ""),
    ]
    pks = [
        save_article(
            store,
            Article(source=src, url=f"https://x.test/t{i}", title=title, body_text=body or title,
                    published=t0 + timedelta(hours=i)),
        ).pk
        for i, (src, title, body) in enumerate(specs)
    ]  # fmt: skip

    def followed(choices: Choices) -> list[int]:
        return [r["pk"] for r in personal_articles(store, choices)[0]]

    morocco = Choices().choose("topic", "المغرب", "follow")
    assert followed(morocco) == [pks[3], pks[1], pks[0]]
    assert followed(morocco.choose("topic", "الحوز", "mute")) == [pks[1], pks[0]]
    assert followed(Choices().choose("topic", "افريقيا", "follow")) == [pks[1]]
    assert followed(Choices().choose("topic", "نار", "follow")) == [pks[6]]
    casablanca = Choices().choose("topic", "الدار البيضاء", "follow")
    assert followed(casablanca) == [pks[4]]
    both = casablanca.choose("topic", "المغرب", "follow")
    assert followed(both) == [pks[4], pks[3], pks[1], pks[0]]

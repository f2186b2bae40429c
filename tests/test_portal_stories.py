"""Stories on the portal (issue 5): the home's top stories with «نشر أيضا في», one ticker headline
per story, other outlets' versions on the article page — through the real app over a real
archive (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from nashra.config import Settings
from nashra.store import Store
from nashra.store.queries import article_keys
from nashra.stories import queries as story_queries
from nashra.stories.coverage import top_story_rows
from nashra.web.app import create_app
from nashra.web.editions import article_path
from test_portal_support import PortalArchive, build_portal_archive
from test_web_support import css, parse


@pytest.fixture
def archive(settings: Settings, store: Store) -> PortalArchive:
    return build_portal_archive(settings, store)


@pytest.fixture
def client(archive: PortalArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.settings, archive.store)) as c:
        yield c


def paths(store: Store, pks: list[int]) -> dict[int, str]:
    keys = article_keys(store, pks)
    return {pk: article_path(*keys[pk]) for pk in pks}


def story_of(store: Store, pk: int) -> int:
    return story_queries.story_ids(store, [pk])[pk]


def test_the_48_hour_window_is_relative_to_the_newest_story_and_widens(archive) -> None:
    store = archive.store
    # 48 hours before the newest story (the outlier, five years later) hold only the outlier
    narrow = story_queries.top_stories(store, lang="ar", limit=6, hours=48)
    assert [t["article"]["pk"] for t in narrow] == [archive.pks["outlier"]]
    # the home widens the window until it has its six stories
    top = top_story_rows(store, "ar", 6)
    assert len(top) == 6
    assert [t["story"]["outlet_count"] for t in top][:2] == [3, 2]
    assert top[0]["story"]["id"] == story_of(store, archive.pks["wire_a"])
    assert archive.pks["outlier"] in {t["article"]["pk"] for t in top}


def test_home_top_stories_show_also_published_in_and_link_the_story(client, archive) -> None:
    store, pks = archive.store, archive.pks
    doc = parse(client.get("/").text)
    top = css(doc, "section.top article.story")
    assert len(top) == 6
    wire = top[0]
    wire_story = story_of(store, pks["wire_a"])
    rep = story_queries.get_story(store, wire_story)["representative"]
    wanted = paths(store, [pks["wire_a"], pks["wire_b"], pks["wire_c"]])
    assert css(wire, "h3 a")[0].get("href") == wanted[rep]
    also = css(wire, "p.also")[0]
    assert " ".join(also.text_content().split()).startswith("نشر أيضا في")
    assert also.get("dir") == "rtl" and also.get("lang") == "ar"
    links = [a.get("href") for a in css(also, "a")]
    # the two other outlets' versions, then the story page
    assert set(links[:-1]) == {p for pk, p in wanted.items() if pk != rep}
    assert links[-1] == f"/story/{wire_story}"
    assert client.get(links[-1]).status_code == 200
    toll = css(top[1], "p.also a")
    assert len(toll) == 2 and toll[-1].get("href") == f"/story/{story_of(store, pks['toll_a'])}"
    # lone stories have no «also» line; every story is shown once on the home
    assert not css(top[-1], "p.also")
    home = client.get("/").text
    main = home.split("<main", 1)[1]
    for member in (pks["wire_b"], pks["wire_c"], pks["toll_b"]):
        if member != rep:
            assert main.count(f'href="{paths(store, [member])[member]}"') == 1  # the «also» link
    # the French story stays in the French edition, labelled in French
    assert "Publié aussi dans" not in home


def test_english_edition_labels_the_also_line(client) -> None:
    doc = parse(client.get("/en/").text)
    also = css(doc, "section.top p.also")
    assert also and all(p.text_content().strip().startswith("Also published in") for p in also)
    assert "Full coverage" in also[0].text_content()


def test_ticker_shows_one_headline_per_story(client, archive) -> None:
    store = archive.store
    doc = parse(client.get("/").text)
    hrefs = [a.get("href") for a in css(doc, "ul.ticker-list > li a")]
    by_path = {p: pk for pk, p in paths(store, list(archive.pks.values())).items()}
    shown = [by_path[h] for h in hrefs]
    stories = [story_of(store, pk) for pk in shown]
    assert len(stories) == len(set(stories))  # one headline per story
    arabic_stories = {story_of(store, pk) for name, pk in archive.pks.items() if name != "french"}
    assert set(stories) == arabic_stories
    assert shown[0] == archive.pks["outlier"]  # the story with the latest news first


def test_home_and_ticker_fall_back_to_latest_articles_without_stories(settings, store) -> None:
    archive = build_portal_archive(settings, store, group=False)
    assert story_queries.story_ids(store, list(archive.pks.values())) == {}
    with TestClient(create_app(settings, store)) as client:
        doc = parse(client.get("/").text)
    top = css(doc, "section.top article.story")
    assert len(top) == 6 and not css(doc, "p.also")
    ticker = css(doc, "ul.ticker-list > li")
    assert len(ticker) == len(archive.pks) - 1  # every Arabic article, none grouped


def test_article_page_lists_the_other_outlets_versions(client, archive) -> None:
    store, pks = archive.store, archive.pks
    wanted = paths(store, [pks["wire_a"], pks["wire_b"], pks["wire_c"]])
    doc = parse(client.get(wanted[pks["wire_b"]]).text)
    aside = css(doc, "aside.story-versions")[0]
    assert css(aside, "h2")[0].text_content() == "الخبر نفسه في منابر أخرى"
    versions = [a.get("href") for a in css(aside, "li.teaser a.teaser-title")]
    assert versions == [wanted[pks["wire_a"]], wanted[pks["wire_c"]]]  # earliest first
    story = css(aside, "p.more-link a")[0]
    assert story.get("href") == f"/story/{story_of(store, pks['wire_a'])}"
    # the versions come after the article and are not repeated in the related list
    article = css(doc, "main article")[0]
    assert aside not in article.iter()
    related = [
        a.get("href")
        for aside in css(doc, "aside.related")
        if "story-versions" not in aside.get("class")
        for a in css(aside, "a.teaser-title")
    ]
    assert not set(related) & set(versions)


def test_article_without_versions_has_no_versions_block(client, archive) -> None:
    lone = paths(archive.store, [archive.pks["lone_3"]])[archive.pks["lone_3"]]
    response = client.get(lone)
    assert response.status_code == 200
    assert not css(parse(response.text), "aside.story-versions")
    assert "/story/" not in response.text.split("<main", 1)[1]


def test_one_per_story_of_several_listings_is_the_listings_in_turn(archive) -> None:
    """The home's sections: a story kept by one listing is skipped by the next, the stories of
    every row read in one look-up, exactly as one listing after the other."""
    from nashra.store.queries import Filters, latest_articles
    from nashra.stories.coverage import one_per_story, one_per_story_each

    store = archive.store
    rows, _ = latest_articles(store, Filters(lang="ar"), limit=50)
    listings = [rows[::2], rows, rows[1::3], []]
    for limit in (None, 1, 3):
        seen_together, seen_apart = {story_of(store, archive.pks["wire_a"])}, set()
        seen_apart |= seen_together
        together = one_per_story_each(store, listings, seen_together, limit)
        apart = [one_per_story(store, rows, seen_apart, limit) for rows in listings]
        assert together == apart and seen_together == seen_apart
    assert together[1] and len({story_of(store, r["pk"]) for r in together[1]}) == len(together[1])

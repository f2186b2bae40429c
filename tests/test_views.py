"""Most read (issue 18): the view counter keeps no personal data, counts one view per article
per browser per hour, leaves crawlers out, caps a network, writes in batches; pages show the
most read of the last 24 hours without losing their cache; ``/api/v1/most-read``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from nashra.config import ViewsSettings
from nashra.ingest import save_article
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store, queries
from nashra.store.schema import article_views
from nashra.views.counter import ViewCounter, is_bot
from nashra.views.store import add_views, hours_ago, most_read
from nashra.web.app import create_app
from nashra.web.i18n import translations
from test_web_support import build_archive, css, parse

FIREFOX = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"
CHROME = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _articles(store: Store, n: int = 3, section: str = "politics") -> list[int]:
    store.sync_sources([Source(slug="hespress", name_ar="هسبريس")])
    now = datetime.now(UTC)
    return [
        save_article(
            store,
            Article(
                source="hespress",
                url=f"https://h.test/{i}",
                title=f"خبر {i}",
                body_text="نص",
                published=now - timedelta(hours=i),
                section=section if i % 2 == 0 else "sports",
            ),  # fmt: skip
        ).pk
        for i in range(n)
    ]


def _stored(store: Store) -> dict[int, int]:
    with store.engine.connect() as conn:
        out: dict[int, int] = {}
        for row in conn.execute(select(article_views)):
            out[row.article_pk] = out.get(row.article_pk, 0) + row.views
        return out


@pytest.mark.parametrize(
    "agent, bot",
    [(FIREFOX, False), (CHROME, False), ("", True), (None, True),
     ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
     ("facebookexternalhit/1.1", True), ("curl/8.5.0", True), ("python-httpx/0.27", True),
     ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/124.0", True),
     ("NashraBot/0.1 (+https://github.com/nashra/nashra; news aggregator)", True)],
)  # fmt: skip
def test_crawlers_are_recognised(agent, bot) -> None:
    assert is_bot(agent) is bot


def test_one_view_per_article_per_browser_per_hour(store: Store) -> None:
    a, b, _ = _articles(store)
    clock = Clock(1_700_000_000.0)
    counter = ViewCounter(
        store, ViewsSettings(views_flush_seconds=7200, views_flush_views=10_000), clock=clock
    )
    assert counter.record(a, "203.0.113.5", FIREFOX)
    assert not counter.record(a, "203.0.113.5", FIREFOX)  # the same browser, the same hour
    assert counter.record(b, "203.0.113.5", FIREFOX)  # another article
    assert counter.record(a, "203.0.113.5", CHROME)  # another browser behind the same address
    assert not counter.record(a, "198.51.100.7", "Googlebot/2.1")
    clock.now += 3600  # the next hour: the same browser counts again
    assert counter.record(a, "203.0.113.5", FIREFOX)
    assert _stored(store) == {}  # nothing written per view
    assert counter.flush() == 4
    assert _stored(store) == {a: 3, b: 1}
    with store.engine.connect() as conn:
        hours = sorted(r.hour for r in conn.execute(select(article_views.c.hour)))
    assert all(h.minute == 0 and h.second == 0 for h in hours) and len(set(hours)) == 2


def test_one_network_cannot_push_an_article_up(store: Store) -> None:
    a, _, _ = _articles(store)
    counter = ViewCounter(store, ViewsSettings(views_flush_views=10_000, views_network_cap=5))
    counted = [counter.record(a, f"192.0.2.{i}", FIREFOX) for i in range(1, 50)]
    assert sum(counted) == 5  # one /24
    assert counter.record(a, "2001:db8:1::1", FIREFOX) and counter.record(
        a, "198.51.100.1", FIREFOX
    )
    counter.flush()
    assert _stored(store) == {a: 7}


def test_views_are_written_in_batches(store: Store) -> None:
    a, b, _ = _articles(store)
    counter = ViewCounter(store, ViewsSettings(views_flush_seconds=3600, views_flush_views=3))
    counter.record(a, "192.0.2.1", FIREFOX)
    counter.record(b, "192.0.2.2", FIREFOX)
    assert _stored(store) == {}
    counter.record(a, "192.0.2.3", FIREFOX)  # the third view writes the batch
    assert _stored(store) == {a: 2, b: 1}
    counter.record(a, "192.0.2.4", FIREFOX)
    counter.flush()
    assert _stored(store) == {a: 3, b: 1}  # added to the same hourly bucket


def test_nothing_personal_is_kept(store: Store) -> None:
    a, _, _ = _articles(store)
    clock = Clock(1_700_000_000.0)
    counter = ViewCounter(store, ViewsSettings(views_flush_views=10_000), clock=clock)
    counter.record(a, "203.0.113.77", FIREFOX)
    kept = repr(vars(counter))
    assert "203.0.113" not in kept and "Firefox" not in kept
    salt = counter._salt
    clock.now += 86400  # a new day: a new salt, yesterday's hashes cannot be made again
    counter.record(a, "203.0.113.77", FIREFOX)
    assert counter._salt != salt and len(counter._salt) == 32
    counter.flush()
    with store.engine.connect() as conn:
        columns = set(conn.execute(select(article_views)).keys())
    assert columns == {"article_pk", "hour", "views"}


def test_most_read_ranks_by_views_of_the_window_and_by_section(store: Store) -> None:
    a, b, c = _articles(store)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    add_views(store, [(a, now, 5), (b, now, 9), (c, now - timedelta(hours=30), 50), (c, now, 1)])
    add_views(store, [(a, now, 6)])  # same bucket: added
    ranked = most_read(store, since=hours_ago(now, 24))
    assert [(r["pk"], r["views"]) for r in ranked] == [(a, 11), (b, 9), (c, 1)]
    politics = most_read(store, since=hours_ago(now, 24), section="politics")
    assert [r["pk"] for r in politics] == [a, c]
    week = most_read(store, since=hours_ago(now, 48), limit=1)
    assert [(r["pk"], r["views"]) for r in week] == [(c, 51)]
    add_views(store, [(10**9, now, 3)])  # an article deleted since: skipped, no error


# -- the portal ---------------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path, check_seconds=0.0, fillers=12)


def test_beacon_counts_views_without_a_cookie_and_pages_stay_cached(archive) -> None:
    app = create_app(archive.settings, archive.store)
    rows, _ = queries.latest_articles(archive.store, queries.Filters(lang="ar"), limit=3)
    row = rows[0]
    path = f"/{row['source']}/{row['num']}"
    with TestClient(app, client=("203.0.113.9", 5000)) as client:
        page = client.get(path)
        assert css(parse(page.content), "article")[0].get("data-view") == f"/view{path}"
        before = app.state.page_cache.hits
        for _ in range(3):
            beacon = client.post(f"/view{path}", headers={"User-Agent": FIREFOX})
            assert beacon.status_code == 204 and "set-cookie" not in beacon.headers
            assert beacon.headers["cache-control"] == "no-store"
            client.get(path)
        assert app.state.page_cache.hits == before + 3  # the page was not rendered again
        assert (
            client.post(f"/view{path}", headers={"User-Agent": "Googlebot/2.1"}).status_code == 204
        )
        assert client.post("/view/hespress/999999999").status_code == 404
        assert client.post("/view/hespress/12abc").status_code == 404
        assert client.get(f"/view{path}").status_code == 405
        assert app.state.view_counter.counted == 1 and app.state.view_counter.refused == 3
    # the app's shutdown wrote the batch
    assert _stored(archive.store) == {row["pk"]: 1}


def test_most_read_block_on_home_article_and_section_pages(archive) -> None:
    rows, _ = queries.latest_articles(archive.store, queries.Filters(lang="ar"), limit=5)
    now = datetime.now(UTC)
    add_views(archive.store, [(rows[2]["pk"], now, 40), (rows[0]["pk"], now, 7)])
    app = create_app(archive.settings, archive.store)
    heading = translations("ar").gettext("Most read")
    assert heading == "الأكثر قراءة"
    with TestClient(app) as client:
        for path in ("/", f"/{rows[1]['source']}/{rows[1]['num']}"):
            doc = parse(client.get(path).content)
            assert css(doc, "#most-read-h")[0].text_content() == heading
            links = [a.get("href") for a in css(doc, ".most-read li > a")]
            assert links == [f"/{r['source']}/{r['num']}" for r in (rows[2], rows[0])]
        section = rows[2]["section"]
        doc = parse(client.get(f"/{section}").content)
        links = [a.get("href") for a in css(doc, ".most-read li > a")]
        expected = [r for r in (rows[2], rows[0]) if r["section"] == section]
        assert links == [f"/{r['source']}/{r['num']}" for r in expected]
        fr = parse(client.get("/fr/").content)
        assert css(fr, ".most-read") == []  # no French article was read
        en = parse(client.get("/en/").content)
        assert css(en, "#most-read-h")[0].text_content() == "Most read"


def test_most_read_api(archive) -> None:
    rows, _ = queries.latest_articles(archive.store, queries.Filters(lang="ar"), limit=3)
    now = datetime.now(UTC)
    add_views(
        archive.store, [(rows[1]["pk"], now, 4), (rows[0]["pk"], now - timedelta(hours=30), 9)]
    )
    with TestClient(create_app(archive.settings, archive.store)) as client:
        body = client.get("/api/v1/most-read").json()
        assert body["hours"] == 24
        assert [(i["id"], i["views"]) for i in body["items"]] == [(rows[1]["num"], 4)]
        week = client.get("/api/v1/most-read", params={"hours": 48}).json()
        assert [i["views"] for i in week["items"]] == [9, 4]
        section = rows[1]["section"]
        assert client.get("/api/v1/most-read", params={"section": section}).json()["items"]
        for bad in ({"hours": 0}, {"hours": 1000}, {"hours": "x"}, {"section": "gossip"},
                    {"lang": "xx"}, {"limit": 0}):  # fmt: skip
            response = client.get("/api/v1/most-read", params=bad)
            assert response.status_code == 400 and response.json()["error"]

"""The read side of stories over HTTP: the story page, the API, and the query hooks the portal
calls for the home, the ticker and the article page."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nashra.config import Settings
from nashra.store import Store
from nashra.stories import queries
from nashra.stories.store import StoryStore
from nashra.stories.web import routes
from nashra.web.context import web_context
from test_stories_support import hard_cases, save


def _archive(store: Store) -> dict[str, int]:
    """Three outlets covering one story (one of them a near-copy), plus a lone story."""
    assigner = StoryStore(store)
    wire = next(c for c in hard_cases() if c["kind"] == "wire copy")
    para = next(c for c in hard_cases() if c["kind"] == "figure" and c["lang"] == "ar")
    pks = {
        "first": save(
            store, "hespress", "https://h.example/1", wire["a"]["title"], wire["a"]["body"], 0
        ),  # fmt: skip
        "copy": save(
            store, "le360", "https://l.example/1", wire["b"]["title"], wire["b"]["body"], 1
        ),  # fmt: skip
        "third": save(
            store,
            "alyaoum24",
            "https://y.example/1",
            wire["a"]["title"],
            wire["a"]["body"] + " تتمة",
            2,
        ),  # fmt: skip
        "lone": save(
            store, "goud", "https://g.example/1", para["a"]["title"], para["a"]["body"], 3
        ),  # fmt: skip
    }
    for pk in pks.values():
        assigner.assign(pk)
    return pks


@pytest.fixture
def archive(store: Store) -> dict[str, int]:
    return _archive(store)


@pytest.fixture
def client(settings: Settings, store: Store) -> TestClient:
    return TestClient(Starlette(routes=routes(web_context(settings, store))))


@pytest.fixture
def sqlite_client(settings: Settings, sqlite_store: Store) -> TestClient:
    """Bad-input cases do not depend on the database: SQLite only, to keep the suite fast."""
    _archive(sqlite_store)
    return TestClient(Starlette(routes=routes(web_context(settings, sqlite_store))))


def test_top_stories_are_stories_with_also_published_in(store: Store, archive) -> None:
    top = queries.top_stories(store, lang="ar", limit=6)
    assert [t["story"]["outlet_count"] for t in top] == [3, 1]
    lead = top[0]
    assert lead["article"]["pk"] == archive["first"]
    assert [a["source"] for a in lead["also"]] == ["le360", "alyaoum24"]
    assert top[1]["also"] == []
    assert queries.top_stories(store, lang="fr") == []


def test_other_versions_for_the_article_page(store: Store, archive) -> None:
    versions = queries.other_versions(store, archive["copy"])
    assert [v["source"] for v in versions] == ["hespress", "alyaoum24"]
    assert queries.other_versions(store, archive["lone"]) == []
    assert queries.other_versions(store, 99999) == []


def test_ticker_shows_one_headline_per_story(store: Store, archive) -> None:
    ticker = queries.ticker_stories(store, lang="ar")
    assert len(ticker) == 2
    assert {t["pk"] for t in ticker} == {archive["first"], archive["lone"]}
    assert ticker[0]["pk"] == archive["lone"]  # the most recent news first


def test_the_ticker_joins_only_the_newest_stories(store: Store, archive) -> None:
    """The ticker picks its newest stories first, then joins their headlines: joined before
    the LIMIT, PostgreSQL read and sorted every story of the year (20-40 ms for 2,853 stories
    at five million articles). The joins of the plan see no more rows than the ticker shows."""
    from sqlalchemy import event

    [newest] = queries.ticker_stories(store, lang="ar", limit=1)
    assert newest["pk"] == archive["lone"]
    if store.dialect != "postgresql":
        return
    seen: list[tuple[str, object]] = []
    listen = lambda *a: seen.append((a[2], a[3])) if "stories" in a[2] else None  # noqa: E731
    event.listen(store.engine, "before_cursor_execute", listen)
    queries.ticker_stories(store, lang="ar", limit=1)
    event.remove(store.engine, "before_cursor_execute", listen)
    statement, parameters = seen[-1]

    def nodes(plan: dict) -> list[dict]:
        return [plan] + [n for child in plan.get("Plans", ()) for n in nodes(child)]

    with store.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
        [[plan]] = cursor.fetchall()
    joins = [n for n in nodes(plan[0]["Plan"]) if n["Node Type"].endswith(("Loop", "Join"))]
    assert joins and all(n["Actual Rows"] <= 1 for n in joins), joins


def test_story_ids_for_the_api(store: Store, archive) -> None:
    ids = queries.story_ids(store, list(archive.values()) + [424242])
    assert ids[archive["first"]] == ids[archive["copy"]] == ids[archive["third"]]
    assert ids[archive["lone"]] != ids[archive["first"]]
    assert 424242 not in ids
    assert queries.story_ids(store, []) == {}


def test_api_lists_and_shows_stories(client: TestClient, archive) -> None:
    body = client.get("/api/v1/stories").json()
    assert [s["outlet_count"] for s in body["stories"]] == [1, 3]
    assert body["next"] is None
    big = body["stories"][1]
    assert big["outlets"] == ["hespress", "le360", "alyaoum24"]
    assert big["representative"]["source"] == "hespress"
    assert big["path"] == f"/story/{big['id']}"
    one = client.get(f"/api/v1/stories/{big['id']}").json()
    assert [a["source"] for a in one["articles"]] == ["hespress", "le360", "alyaoum24"]
    assert one["articles"][1]["copy_of"] == archive["first"]
    assert {a["story_id"] for a in one["articles"]} == {big["id"]}
    page = client.get("/api/v1/stories?limit=1").json()
    assert len(page["stories"]) == 1 and page["next"]
    rest = client.get(f"/api/v1/stories?limit=1&cursor={page['next']}").json()
    assert rest["stories"][0]["id"] == big["id"] and rest["next"] is None
    multi = client.get("/api/v1/stories?min_outlets=2").json()["stories"]
    assert [s["id"] for s in multi] == [big["id"]]


@pytest.mark.parametrize(
    "query, message",
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=1000", "limit"),
        ("min_outlets=0", "min_outlets"),
        ("lang=xx", "lang"),
        ("cursor=@@@", "invalid cursor"),
    ],
)
def test_api_refuses_bad_parameters(sqlite_client: TestClient, query: str, message: str) -> None:
    response = sqlite_client.get(f"/api/v1/stories?{query}")
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.parametrize(
    "path", ["/api/v1/stories/999999", "/api/v1/stories/abc", "/api/v1/stories/١٢"]
)
def test_api_unknown_story_is_a_json_404(sqlite_client: TestClient, path: str) -> None:
    response = sqlite_client.get(path)
    assert response.status_code == 404 and response.json() == {"error": "not found"}


def test_story_page_in_each_edition(client: TestClient, store: Store, archive) -> None:
    sid = queries.story_ids(store, [archive["first"]])[archive["first"]]
    html = client.get(f"/story/{sid}").text
    assert 'dir="rtl"' in html and "3 منابر" in html
    for source in ("hespress", "le360", "alyaoum24"):
        assert f"/{source}/" in html
    assert hard_cases()[11]["a"]["title"] in html
    fr = client.get(f"/fr/story/{sid}")
    assert fr.status_code == 200 and "Toutes les versions" in fr.text and 'dir="ltr"' in fr.text


@pytest.mark.parametrize("path", ["/story/999999", "/story/abc", "/story/99999999999999999999"])
def test_unknown_story_page_is_404(sqlite_client: TestClient, path: str) -> None:
    assert sqlite_client.get(path).status_code == 404


def test_merged_story_page_redirects_to_the_live_story(
    client: TestClient, store: Store, archive
) -> None:
    from sqlalchemy import insert, select

    from nashra.store.schema import stories

    with store.engine.begin() as conn:
        live = conn.execute(select(stories.c.id).where(stories.c.size == 3)).scalar_one()
        row = conn.execute(select(stories).where(stories.c.id == live)).first()
        gone = conn.execute(
            insert(stories).values(
                title="", lang="ar", size=0, outlet_count=0, outlets="", merged_into=live,
                first_published=row.first_published, last_published=row.last_published,
                updated_at=row.updated_at,
            )
        ).inserted_primary_key[0]  # fmt: skip
    response = client.get(f"/story/{gone}", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == f"/story/{live}"
    assert client.get(f"/api/v1/stories/{gone}").json()["merged_into"] == live


def test_story_page_folds_copies_under_their_original(
    client: TestClient, store: Store, archive
) -> None:
    sid = queries.story_ids(store, [archive["first"]])[archive["first"]]
    html = client.get(f"/story/{sid}").text
    versions = html[html.index('id="versions-h"') :]
    # hespress first, then its near-copies folded under it, earliest first
    first, copies, third = (versions.index(f"/{s}/") for s in ("hespress", "le360", "alyaoum24"))
    assert first < versions.index("story-copies") < copies < third
    assert "نسختان من هذه الرواية" in versions  # le360's and alyaoum24's near-copies
    assert versions.count('class="story-copies"') == 1


def test_fold_copies_keeps_orphan_copies_as_versions() -> None:
    from nashra.stories.web import fold_copies

    rows = [
        {"pk": 1, "copy_of": None, "near_copy_of": None},
        {"pk": 2, "copy_of": None, "near_copy_of": 1},
        {"pk": 3, "copy_of": 99, "near_copy_of": None},  # its original is not in the story
    ]
    items = [{"n": 1}, {"n": 2}, {"n": 3}]
    assert fold_copies(rows, items) == [({"n": 1}, [{"n": 2}]), ({"n": 3}, [])]


def test_top_stories_rank_outlets_with_freshness() -> None:
    # five outlets a day ago give way to four outlets now; at equal age more outlets win
    assert queries.top_score(4, 4, 0.0) > queries.top_score(5, 5, 24.0)
    assert queries.top_score(5, 5, 3.0) > queries.top_score(4, 4, 3.0)
    assert queries.top_score(3, 10, 0.0) > queries.top_score(3, 3, 0.0)
    assert queries.top_score(3, 3, -5.0) == queries.top_score(3, 3, 0.0)  # a clock skew
    assert queries.top_score(3, 3, 1e6, float("inf")) == 3  # a widened window: coverage only


def test_home_prefers_a_fresh_story_to_a_stale_wider_one(store: Store) -> None:
    assigner = StoryStore(store)
    stale = next(c for c in hard_cases() if c["kind"] == "wire copy")
    fresh = next(c for c in hard_cases() if c["kind"] == "toll")
    for i, outlet in enumerate(("hespress", "le360", "alyaoum24")):
        pk = save(store, outlet, f"https://{outlet}.example/old", stale["a"]["title"],
                  stale["a"]["body"], i * 0.1)  # fmt: skip
        assigner.assign(pk)
    for i, (outlet, side) in enumerate((("goud", "a"), ("hibapress", "b"))):
        pk = save(store, outlet, f"https://{outlet}.example/new", fresh[side]["title"],
                  fresh[side]["body"], 40 + i)  # fmt: skip
        assigner.assign(pk)
    top = queries.top_stories(store, lang="ar", limit=2)
    assert [t["story"]["outlet_count"] for t in top] == [2, 3]


def test_story_title_is_its_most_representative_headline() -> None:
    from datetime import UTC, datetime, timedelta

    from nashra.stories.summary import summarise

    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    base = {"lang": "ar", "copy_of": None, "partial": False, "chars": 2000}
    titles = [
        "شاهد.. لحظة وصول الوفد",  # the first to publish, but says little
        "ولي العهد السعودي يلتقي ترامب في البيت الأبيض",
        "ترامب يستقبل ولي العهد السعودي في البيت الأبيض",
        "ولي العهد السعودي في البيت الأبيض: ترامب يشيد بالعلاقات",
    ]
    members = [
        {**base, "pk": i + 1, "source": f"o{i}", "published": t0 + timedelta(hours=i), "title": t}
        for i, t in enumerate(titles)
    ]
    summary = summarise(members)
    assert summary.representative != 1
    assert summary.title in titles[1:]
    assert summary.first_published == t0

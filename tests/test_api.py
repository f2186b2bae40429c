"""The JSON API (``/api/v1``) over a real SQLite archive."""

from __future__ import annotations

from datetime import datetime

import pytest
from starlette.testclient import TestClient

from nashra.media.paths import media_url
from nashra.store import queries
from nashra.web.app import create_app
from test_web_support import SEED, SEED_NUM, build_archive

LIST_FIELDS = {"source", "source_name", "id", "path", "url", "title", "summary", "published", "updated",
               "author", "agency", "lang", "section", "regions", "image", "partial", "copy_of", "story_id",
               "video"}  # fmt: skip


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("web-api"))


@pytest.fixture(scope="module")
def client(archive):
    with TestClient(create_app(archive.settings, archive.store)) as c:
        yield c


def test_list_envelope_and_article_objects(client):
    response = client.get("/api/v1/articles")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    data = response.json()
    assert set(data) == {"items", "next"}
    assert len(data["items"]) == 20 and isinstance(data["next"], str)
    for item in data["items"]:
        assert set(item) == LIST_FIELDS
        published = datetime.fromisoformat(item["published"])
        assert published.utcoffset() is not None and item["published"].endswith("+00:00")
        assert (
            item["path"] == f"/{item['source']}/{item['id']}"
            or item["path"] == f"/fr/{item['source']}/{item['id']}"
        )
    stamps = [datetime.fromisoformat(i["published"]) for i in data["items"]]
    assert stamps == sorted(stamps, reverse=True)


def test_walking_every_page_has_no_duplicates_or_gaps(client, archive):
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get(
            "/api/v1/articles", params={"limit": 7, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200
        data = response.json()
        assert len(data["items"]) <= 7
        seen += [(i["source"], i["id"]) for i in data["items"]]
        pages += 1
        cursor = data["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == queries.count_articles(archive.store)
    assert pages == -(-len(seen) // 7)


def test_source_filter(client, archive):
    data = client.get("/api/v1/articles", params={"source": "hespress", "limit": 100}).json()
    assert {i["source"] for i in data["items"]} == {"hespress"}
    assert len(data["items"]) == archive.counts["hespress"] and data["next"] is None


def test_issue3_filters_section_author_lang_dates(client):
    politics = client.get("/api/v1/articles", params={"section": "politics", "limit": 100}).json()[
        "items"
    ]
    assert politics and {i["section"] for i in politics} == {"politics"}
    fr = client.get("/api/v1/articles", params={"lang": "fr"}).json()["items"]
    assert [(i["source"], i["id"], i["path"]) for i in fr] == [("lematin", 42, "/fr/lematin/42")]
    author = client.get("/api/v1/articles", params={"author": "Jean Dupont"}).json()["items"]
    assert [i["author"] for i in author] == ["Jean Dupont"]
    day = client.get(
        "/api/v1/articles",
        params={"since": "2023-12-14T00:00:00+00:00", "until": "2023-12-14T10:00:00+00:00"},
    ).json()["items"]
    assert {(i["source"], i["id"]) for i in day} == {("hespress", SEED_NUM), ("alyaoum24", 777)}


def test_image_object_and_copy_of(client, archive):
    seed = client.get(f"/api/v1/articles/hespress/{SEED_NUM}").json()
    assert seed["image"] == {
        "id": archive.seed_sha, "width": 1200, "height": 675, "state": "visible",
        "url": media_url(archive.seed_sha, "full"), "thumb_url": media_url(archive.seed_sha, "thumb"),
    }  # fmt: skip
    copy = client.get("/api/v1/articles/alyaoum24/777").json()
    assert copy["copy_of"] == f"/hespress/{SEED_NUM}" and seed["copy_of"] is None
    assert client.get("/api/v1/articles/alyaoum24/1001").json()["image"] is None


def test_one_article_adds_the_body_and_its_path_is_its_page(client):
    response = client.get(f"/api/v1/articles/hespress/{SEED_NUM}")
    assert response.status_code == 200
    item = response.json()
    assert set(item) == LIST_FIELDS | {"body_html", "body_text"}
    assert item["title"] == SEED["title"] and item["source_name"] == "هسبريس"
    assert "<h2>مدخل لتقوية العلاقات</h2>" in item["body_html"]
    assert item["body_text"] and item["url"].startswith("https://www.hespress.com/")
    assert client.get(item["path"]).status_code == 200


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"cursor": "garbage!!"}, "invalid cursor"),
        ({"cursor": "aGVsbG8"}, "invalid cursor"),  # valid base64, not ours
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"source": "nope"}, "unknown source"),
        ({"section": "gossip"}, "unknown section"),
        ({"lang": "de"}, "lang"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2023-13-45"}, "until"),
    ],
)
def test_bad_queries_are_400_json(client, params, fragment):
    response = client.get("/api/v1/articles", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert fragment in response.json()["error"]


@pytest.mark.parametrize(
    "path", ["/api/v1/articles/hespress/999999", "/api/v1/articles/nope/1", "/api/v1/articles/hespress/abc",
             "/api/v1/articles/hespress/" + "9" * 40, "/api/v1/nothing-here"],
)  # fmt: skip
def test_unknown_articles_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]


def test_sources_sections_and_openapi(client, archive):
    sources = client.get("/api/v1/sources").json()["items"]
    assert {s["slug"]: s["article_count"] for s in sources} == archive.counts
    sections = client.get("/api/v1/sections").json()["items"]
    assert {s["slug"] for s in sections} >= {"politics", "economics", "sports", "health"}
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["components"]["schemas"]["Article"]["properties"]) == LIST_FIELDS
    assert "/api/v1/articles/{source}/{id}" in schema["paths"]

"""Moderators correct an article's section in /admin (issue 8): login, a CSRF-checked form,
the correction in the archive and the audit log, kept through a rebuild, and shown by the
portal at once — through the real app over a real archive (SQLite, and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from nashra.config import Settings
from nashra.enrich.queries import enrichment_for
from nashra.enrich.store import rebuild
from nashra.moderation import accounts
from nashra.store import Store
from nashra.store.queries import article_keys
from nashra.store.schema import moderation_log, section_corrections
from nashra.web.app import create_app
from test_portal_support import OUTLETS, PortalArchive, build_portal_archive
from test_web_support import css, parse

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A fixed secret; the page cache checks the archive on every request."""
    return settings.override(secret_key="test-secret", cache_check_seconds=0.0)


@pytest.fixture
def archive(settings: Settings, store: Store) -> PortalArchive:
    accounts.create_user(store, "amina", PASSWORD)
    return build_portal_archive(settings, store)


@pytest.fixture
def app(archive: PortalArchive):
    return create_app(archive.settings, archive.store)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, html[:500]
    return match.group(1)


@pytest.fixture
def moderator(app) -> Iterator[TestClient]:
    """A signed-in moderator's browser."""
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/admin/login")
        done = client.post(
            "/admin/login",
            data={"username": "amina", "password": PASSWORD, "csrf": csrf_of(page.text)},
        )
        assert done.status_code == 303
        yield client


def ref(archive: PortalArchive, name: str) -> tuple[int, str, int]:
    pk = archive.pks[name]
    source, num, _ = article_keys(archive.store, [pk])[pk]
    return pk, source, num


def section_of(store: Store, pk: int) -> tuple[str, str]:
    info = enrichment_for(store, [pk])[pk]
    return info["section"], info["section_source"]


def test_moderator_corrects_a_section_and_it_survives(moderator, archive) -> None:
    store = archive.store
    pk, source, num = ref(archive, "lone_3")
    before, _ = section_of(store, pk)
    target = "health" if before != "health" else "culture"
    article_url = f"/{source}/{num}"
    public = parse(moderator.get(article_url).text)  # rendered and cached before the change
    assert css(public, "p.byline span.section a")[0].get("href") == f"/{before}"

    form = moderator.get("/admin/article", params={"source": source, "num": num})
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    doc = parse(form.text)
    assert css(doc, "section.article-section")[0].get("data-section") == before
    assert [o.get("value") for o in css(doc, "select[name=section] option[selected]")] == [before]
    done = moderator.post(
        "/admin/article",
        data={"csrf": csrf_of(form.text), "source": source, "num": str(num), "section": target},
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/admin/article?source={source}&num={num}&done={target}"
    after = moderator.get(done.headers["location"])
    assert f"Section set to {target}." in after.text
    assert section_of(store, pk) == (target, "moderator")

    with store.engine.connect() as conn:
        log = (
            conn.execute(select(moderation_log).where(moderation_log.c.action == "section"))
            .mappings()
            .all()
        )
        corrections = conn.execute(select(section_corrections)).mappings().all()
    assert [(e["actor"], e["action"], e["image_id"]) for e in log] == [("amina", "section", None)]
    assert log[0]["detail"] == f"/{source}/{num}: {before} -> {target}"
    assert [
        (c["article_pk"], c["previous"], c["section"], c["moderator"]) for c in corrections
    ] == [(pk, before, target, "amina")]
    assert f"/{source}/{num}: {before} -&gt; {target}" in moderator.get("/admin/log").text

    # the portal shows the correction at once (the page cache sees the correction)
    public = parse(moderator.get(article_url).text)
    assert css(public, "p.byline span.section a")[0].get("href") == f"/{target}"
    # and a rebuild of every label keeps the moderator's choice
    rebuild(store, OUTLETS.values())
    assert section_of(store, pk) == (target, "moderator")


def test_the_section_page_needs_a_login(app, archive) -> None:
    pk, source, num = ref(archive, "lone_3")
    before = section_of(archive.store, pk)
    with TestClient(app, follow_redirects=False) as anonymous:
        page = anonymous.get("/admin/article", params={"source": source, "num": num})
        assert page.status_code == 303 and page.headers["location"] == "/admin/login"
        post = anonymous.post(
            "/admin/article", data={"source": source, "num": str(num), "section": "health"}
        )
        assert post.status_code == 401
    assert section_of(archive.store, pk) == before


@pytest.mark.parametrize("token", ["", "0" * 64, "not-a-token"])
def test_a_post_without_the_sessions_csrf_token_is_refused(moderator, archive, token) -> None:
    pk, source, num = ref(archive, "lone_3")
    before = section_of(archive.store, pk)
    data = {"source": source, "num": str(num), "section": "health"}
    if token:
        data["csrf"] = token
    response = moderator.post("/admin/article", data=data)
    assert response.status_code == 403 and "CSRF" in response.text
    assert section_of(archive.store, pk) == before


@pytest.mark.parametrize(
    "fields, status, message",
    [
        ({"section": "astrology"}, 400, "Unknown section"),
        ({"section": ""}, 400, "Unknown section"),
        ({"num": "12a"}, 400, "outlet and number"),
        ({"num": "9" * 30}, 400, "outlet and number"),
        ({"source": "../etc"}, 400, "outlet and number"),
        ({"source": ""}, 400, "outlet and number"),
        ({"num": "987654321"}, 404, "No article"),
        ({"source": "nosuchoutlet"}, 404, "No article"),
    ],
)
def test_bad_corrections_are_refused_with_a_message(
    moderator, archive, fields, status, message
) -> None:
    pk, source, num = ref(archive, "lone_3")
    before = section_of(archive.store, pk)
    csrf = csrf_of(moderator.get("/admin/article").text)
    data = {"csrf": csrf, "source": source, "num": str(num), "section": "health", **fields}
    response = moderator.post("/admin/article", data=data)
    assert response.status_code == status and message in response.text
    assert 'role="alert"' in response.text
    assert section_of(archive.store, pk) == before
    with archive.store.engine.connect() as conn:
        logged = select(moderation_log).where(moderation_log.c.action == "section")
        assert conn.execute(logged).first() is None


@pytest.mark.parametrize(
    "params, status",
    [
        ({}, 200),
        ({"source": "hespress", "num": "x"}, 400),
        ({"source": "hespress", "num": "999999999"}, 404),
    ],
)
def test_the_lookup_form_answers_bad_references_clearly(moderator, params, status) -> None:
    page = moderator.get("/admin/article", params=params)
    assert page.status_code == status
    assert css(parse(page.text), "form.article-lookup")
    assert ('role="alert"' in page.text) == (status != 200)

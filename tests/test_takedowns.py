"""Takedowns (issue 19): an article, an outlet, or an outlet's articles before a date leave every
surface of the real portal at once (checked by fetching each one), answer 410 Gone, have their
text purged, are never stored again by a save, crawl or import, and stay in the audit log.
Roles: only an operator may take down. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from starlette.testclient import TestClient

from nashra.cli import main
from nashra.config import Settings
from nashra.crawl.importer import import_jsonl
from nashra.ingest import save_article
from nashra.model import Article
from nashra.moderation import accounts, takedowns
from nashra.store import Store
from nashra.store.queries import article_keys
from nashra.store.schema import (
    article_signatures,
    articles,
    moderation_log,
    takedown_items,
)
from nashra.web.app import create_app
from test_portal_support import OUTLETS, T0, PortalArchive, build_portal_archive

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A fixed secret; the page cache checks the archive on every request."""
    return settings.override(secret_key="test-secret", cache_check_seconds=0.0)


@pytest.fixture
def archive(settings: Settings, store: Store) -> PortalArchive:
    accounts.create_user(store, "omar", PASSWORD, role="operator")
    accounts.create_user(store, "amina", PASSWORD)
    return build_portal_archive(settings, store)


@pytest.fixture
def client(archive: PortalArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.settings, archive.store), follow_redirects=False) as c:
        yield c


def _row(store: Store, pk: int) -> dict:
    with store.engine.connect() as conn:
        return dict(conn.execute(select(articles).where(articles.c.pk == pk)).one()._mapping)


SURFACES = [
    "/",
    "/hespress",
    "/alyaoum24",
    "/le360",
    "/rss",
    "/atom",
    "/hespress/rss",
    "/alyaoum24/rss",
    "/sitemap.xml",
    "/sitemaps/2018-03-01.xml",
    "/api/v1/articles?limit=100",
    "/api/v1/stories",
    "/politics",
    "/society",
    "/widget/box",
]


def _surfaces_text(client: TestClient, extra: list[str]) -> str:
    seen = []
    for path in SURFACES + extra:
        answer = client.get(path)
        assert answer.status_code in (200, 404), (path, answer.status_code)
        seen.append(answer.text)
    return "\n".join(seen)


def test_an_article_taken_down_leaves_every_surface_at_once(client, archive) -> None:
    store = archive.store
    pk = archive.pks["toll_a"]
    row = _row(store, pk)
    source, num, title = row["source"], row["num"], row["title"]
    with store.engine.connect() as conn:
        story_id = conn.execute(
            select(article_signatures.c.story_id).where(article_signatures.c.article_pk == pk)
        ).scalar_one()
    story_path = f"/story/{story_id}"
    words = " ".join(title.split()[:3])
    search_path = f"/search?q={words}"
    api_search = f"/api/v1/search?q={words}"
    # rendered (and cached) before the takedown
    assert client.get(f"/{source}/{num}").status_code == 200
    assert title in _surfaces_text(client, [story_path, search_path])
    assert client.get(api_search).json()["total"] >= 1

    result = CliRunner().invoke(
        main,
        ["--database-url", store.engine.url.render_as_string(hide_password=False),
         "--data-dir", str(archive.settings.data_dir),
         "takedown", f"/{source}/{num}", "--reason", "publisher request 2026-12-01", "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["removed"] == 1

    for path in (f"/{source}/{num}", f"/fr/{source}/{num}", f"/api/v1/articles/{source}/{num}"):
        gone = client.get(path)
        assert gone.status_code == 410, path
        assert title not in gone.text
    assert "removed" in client.get(f"/{source}/{num}").text
    assert client.get(f"/api/v1/articles/{source}/{num}").json()["error"] == "gone"
    assert title not in _surfaces_text(client, [story_path, search_path])
    assert client.get(story_path).status_code == 200  # the story lives on with its other outlet
    # purged: no row holds the text; the tombstone keeps only the address and the origin URL
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(articles.c.pk == pk)).scalar() == 0
        item = conn.execute(select(takedown_items)).one()
        assert (item.source, item.num, item.url) == (source, num, row["url"])
        log = conn.execute(
            select(moderation_log).where(moderation_log.c.action == "takedown")
        ).one()
    assert log.actor == "cli" and "publisher request" in log.detail
    assert title not in client.get(api_search).text
    # never stored again, whatever path brings it back: a save (crawl, worker) or an import
    again = Article(source=source, url=row["url"], title=title, body_text="نص", body_html="<p>نص</p>",
                    published=row["published"])  # fmt: skip
    assert save_article(store, again).status == "refused"
    archive_file = archive.settings.data_dir / "again.jsonl"
    archive_file.parent.mkdir(parents=True, exist_ok=True)
    archive_file.write_text(
        json.dumps({"source": source, "url": row["url"], "title": title, "text": "نص"}) + "\n",
        encoding="utf-8",
    )
    report = import_jsonl(store, archive_file, dict(OUTLETS), settings=archive.settings)
    assert (report.new, report.refused) == (0, 1)
    assert client.get(f"/{source}/{num}").status_code == 410

    # undo: nothing comes back by itself; the next crawl may store it again
    lifted = takedowns.undo(store, takedowns.Target("article", source, num), "omar")
    assert lifted
    assert client.get(f"/{source}/{num}").status_code == 404
    assert save_article(store, again).status == "new"


def test_an_outlet_and_an_outlet_before_a_date(client, archive) -> None:
    store = archive.store
    goud = [archive.pks["lone_2"], archive.pks["outlier"]]
    keys = article_keys(store, goud)
    before = takedowns.take_down(
        store, takedowns.parse_target(store, "/goud", datetime(2020, 1, 1)), "court order", "omar"
    )
    assert before.removed == 1  # the 2018 article, not the 2023 one
    old = keys[archive.pks["lone_2"]]
    assert client.get(f"/goud/{old[1]}").status_code == 410
    assert client.get(f"/goud/{keys[archive.pks['outlier']][1]}").status_code == 200
    early = Article(source="goud", url="https://g.example/old", title="قديم", published=T0)
    late = Article(source="goud", url="https://g.example/new", title="جديد",
                   published=datetime.now().astimezone())  # fmt: skip
    assert save_article(store, early).status == "refused"
    assert save_article(store, late).status == "new"

    whole = takedowns.take_down(store, takedowns.parse_target(store, "/goud"), "all", "omar")
    assert whole.removed == 2  # the 2023 article and the one just saved
    for path in ("/goud", "/goud/rss", "/fr/goud", f"/goud/{keys[archive.pks['outlier']][1]}"):
        assert client.get(path).status_code == 410, path
    assert save_article(store, Article(source="goud", url="https://g.example/x", title="x")).status == "refused"  # fmt: skip
    assert "goud" not in client.get("/api/v1/articles?limit=100").text


def test_bad_targets_are_clear_errors(archive) -> None:
    store = archive.store
    with pytest.raises(takedowns.TakedownError, match="neither a stored article"):
        takedowns.parse_target(store, "https://nowhere.example/")
    with pytest.raises(takedowns.TakedownError, match="not an article number"):
        takedowns.parse_target(store, "/hespress/abc")
    with pytest.raises(takedowns.TakedownError, match="no stored article"):
        takedowns.take_down(store, takedowns.Target("article", "hespress", 999999), "x", "omar")
    with pytest.raises(takedowns.TakedownError, match="needs a reason"):
        takedowns.take_down(store, takedowns.Target("outlet", "hespress"), "  ", "omar")
    with pytest.raises(takedowns.TakedownError, match="no live takedown"):
        takedowns.undo(store, takedowns.Target("outlet", "hespress"), "omar")
    with pytest.raises(ValueError, match="unknown role"):
        accounts.create_user(store, "x", PASSWORD, role="admin")


def _login(client: TestClient, name: str) -> str:
    page = client.get("/admin/login")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    done = client.post("/admin/login", data={"username": name, "password": PASSWORD, "csrf": csrf})
    assert done.status_code == 303
    page = client.get("/admin")
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)


def test_only_an_operator_takes_down_in_admin(client, archive, tmp_path: Path) -> None:
    store = archive.store
    source, num, _ = article_keys(store, [archive.pks["lone_3"]])[archive.pks["lone_3"]]
    csrf = _login(client, "amina")
    assert "Takedowns" not in client.get("/admin").text
    refused = client.post("/admin/takedowns", data={"csrf": csrf, "target": f"/{source}/{num}",
                                                    "reason": "x"})  # fmt: skip
    assert refused.status_code == 403
    client.post("/admin/logout", data={"csrf": csrf})

    csrf = _login(client, "omar")
    assert "Takedowns" in client.get("/admin").text
    no_reason = client.post("/admin/takedowns", data={"csrf": csrf, "target": f"/{source}/{num}"})
    assert no_reason.status_code == 400 and "needs a reason" in no_reason.text
    done = client.post("/admin/takedowns", data={"csrf": csrf, "target": f"/{source}/{num}",
                                                 "reason": "défamation"})  # fmt: skip
    assert done.status_code == 303
    assert client.get(f"/{source}/{num}").status_code == 410
    page = client.get("/admin/takedowns")
    assert "défamation" in page.text and "omar" in page.text
    assert "takedown" in client.get("/admin/log").text


def test_a_story_left_empty_keeps_no_trace_of_the_headline(client, archive) -> None:
    store = archive.store
    pk = archive.pks["lone_3"]
    row = _row(store, pk)
    with store.engine.connect() as conn:
        story_id = conn.execute(
            select(article_signatures.c.story_id).where(article_signatures.c.article_pk == pk)
        ).scalar_one()
    assert row["title"] in client.get(f"/api/v1/stories/{story_id}").text
    takedowns.take_down(store, takedowns.Target("article", row["source"], row["num"]), "x", "omar")
    for path in (f"/story/{story_id}", f"/api/v1/stories/{story_id}", "/api/v1/stories"):
        assert row["title"] not in client.get(path).text, path
    # The story itself is gone, not an empty page.
    assert client.get(f"/story/{story_id}").status_code == 410
    assert client.get(f"/api/v1/stories/{story_id}").status_code == 410

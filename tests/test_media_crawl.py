"""A real crawl of the demo outlet sites, then the media stage on every new article's lead image,
exactly as the crawler calls it: hostile pictures are refused, the rest re-hosted, and the picture
two outlets share is recognised as one image."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from nashra.config import Settings
from nashra.crawl.pipeline import crawl
from nashra.demo.cases import HTML_AS_JPEG, PNG_BOMB, SHARED_PICTURE, SVG_SCRIPT, TRUNCATED_JPEG
from nashra.demo.sites import DemoServer, DemoSites
from nashra.http.fetch import Fetcher
from nashra.media.fetch import fetch_image
from nashra.media.paths import SIZES, media_path
from nashra.moderation.queries import find_image
from nashra.store import Store
from nashra.store.schema import articles, images

SMALL = 60


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(DemoSites(limit=SMALL)) as server:
        yield server


async def _rehost(settings: Settings, store: Store) -> dict[str, object]:
    """The hook the crawler runs after ``save_article`` for each new article with an image."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(articles.c.pk, articles.c.url, articles.c.image_url).where(
                articles.c.image_url.is_not(None)
            )
        ).all()
    outcomes: dict[str, object] = {}
    async with Fetcher(settings.fetch) as fetcher:

        async def one(row) -> None:
            outcome = await fetch_image(fetcher, store, settings, row.image_url)
            if outcome.image_id is not None:
                store.set_article_image(row.pk, outcome.image_id)
            outcomes[row.url] = outcome

        await asyncio.gather(*(one(r) for r in rows))
    return outcomes


def test_crawl_rehosts_lead_images_and_refuses_hostile_ones(
    settings: Settings, sqlite_store: Store, demo_server: DemoServer
) -> None:
    sources = demo_server.sites.sources(demo_server.base_url)
    sqlite_store.sync_sources(sources)
    report = crawl(settings, sqlite_store, sources)
    assert report.new > 0
    outcomes = asyncio.run(_rehost(settings, sqlite_store))
    by_path = {url.split("/", 3)[3]: o for url, o in outcomes.items()}
    hostile = demo_server.sites.hostile_images()
    expected_kinds = {
        TRUNCATED_JPEG: {"corrupt"},
        HTML_AS_JPEG: {"not_an_image"},
        SVG_SCRIPT: {"content_type"},
        PNG_BOMB: {"too_many_pixels"},
    }
    for case, kinds in expected_kinds.items():
        assert hostile[case], case
        for article in hostile[case]:
            outcome = by_path[article["url_path"].lstrip("/")]
            assert outcome.image_id is None and outcome.error_kind in kinds, (case, outcome)
    special = {a["url_path"] for case in expected_kinds for a in hostile[case]}
    ordinary = [o for path, o in by_path.items() if "/" + path not in special]
    assert ordinary and all(o.image_id is not None for o in ordinary), [
        o for o in ordinary if o.image_id is None
    ][:3]
    # Every stored image has both renditions on disk, and no row without files.
    with sqlite_store.engine.connect() as conn:
        stored = conn.execute(select(images.c.sha256, images.c.width, images.c.height)).all()
    assert stored
    for row in stored:
        assert row.width > 0 and row.height > 0
        for size in SIZES:
            assert media_path(settings.media_dir, row.sha256, size).is_file()
    # The shared picture: two outlets, two different files, one perceptual-hash group.
    shared = [by_path[a["url_path"].lstrip("/")] for a in hostile[SHARED_PICTURE]]
    assert len(shared) == 2 and len({o.image_id for o in shared}) == 2
    groups = {find_image(sqlite_store, o.image_id)["group_id"] for o in shared}
    assert len(groups) == 1
    # No two different pictures were merged: only the shared picture's copies share a group.
    ordinary_groups = [find_image(sqlite_store, o.image_id)["group_id"] for o in ordinary]
    assert len({o.image_id for o in ordinary}) - len(set(ordinary_groups)) == 1

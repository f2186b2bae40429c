"""The archive version the page cache watches: it moves on every change the portal shows, and
every part of it is read through an index (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text, update

from nashra.ingest import save_article
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store, queries
from nashra.store.db import schema_is_current
from nashra.store.schema import images
from test_web_support import add_image

T0 = datetime(2024, 5, 1, 8, tzinfo=UTC)


def article(n: int, title: str, **extra) -> Article:
    return Article(source="hespress", url=f"https://www.hespress.com/{n}", title=title,
                   body_html=f"<p>{title}</p>", published=T0 + timedelta(minutes=n), **extra)  # fmt: skip


def test_the_version_moves_on_every_change_the_portal_shows(store: Store, settings):
    store.sync_sources([Source(slug="hespress", name_ar="هسبريس")])
    empty = queries.archive_version(store)
    assert queries.archive_version(store) == empty
    seen = [empty]

    def moved() -> bool:
        version = queries.archive_version(store)
        new = version not in seen
        seen.append(version)
        return new

    save_article(store, article(1, "خبر أول"))
    assert moved()
    assert not moved()  # nothing happened
    save_article(store, article(2, "خبر ثان"))
    assert moved()
    save_article(store, article(1, "خبر أول بعنوان معدل"))  # updated in place
    assert moved()
    save_article(store, article(1, "خبر أول بعنوان معدل"))  # unchanged: no new version
    assert not moved()
    store.sync_sources(
        [Source(slug="hespress", name_ar="هسبريس"), Source(slug="alyaoum24", name_ar="اليوم 24")]
    )
    assert moved()
    image_id, _ = add_image(store, settings, (10, 20, 30))
    assert moved()
    with store.engine.begin() as conn:
        conn.execute(update(images).where(images.c.id == image_id).values(state="hidden"))
    assert moved()
    with store.engine.begin() as conn:
        conn.execute(update(images).where(images.c.id == image_id).values(state="visible"))
    assert queries.archive_version(store) != seen[-1]


def test_hiding_one_image_and_showing_another_still_moves_the_version(store: Store, settings):
    first, _ = add_image(store, settings, (1, 2, 3))
    second, _ = add_image(store, settings, (4, 5, 6))
    with store.engine.begin() as conn:
        conn.execute(update(images).where(images.c.id == first).values(state="hidden"))
    before = queries.archive_version(store)
    with store.engine.begin() as conn:  # same number of hidden images, another one
        conn.execute(update(images).where(images.c.id == first).values(state="visible"))
        conn.execute(update(images).where(images.c.id == second).values(state="hidden"))
    assert queries.archive_version(store) != before


def test_the_migration_adds_the_indexes_the_probe_reads(store: Store):
    assert schema_is_current(store.engine)
    inspector = inspect(store.engine)
    article_indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("articles")}
    image_indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("images")}
    assert article_indexes["ix_articles_updated"] == ["updated"]
    assert image_indexes["ix_images_not_visible"] == ["id"]


def test_the_probe_reads_indexes_not_tables(store: Store):
    """No part of the probe may scan the articles table (50 million rows in production)."""
    sqlite = store.engine.dialect.name == "sqlite"
    statements = {
        "SELECT max(updated) FROM articles": "ix_articles_updated",
        "SELECT count(*), sum(id) FROM images WHERE state <> 'visible'": "ix_images_not_visible",
    }
    with store.engine.connect() as conn:
        if not sqlite:  # an empty table would make any plan look fine: forbid the scan
            conn.execute(text("SET enable_seqscan = off"))
        for statement, index in statements.items():
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            plan = " ".join(str(r[-1]) for r in conn.execute(text(explain + statement)))
            assert index in plan, plan
            assert "Seq Scan" not in plan and "SCAN articles" not in plan

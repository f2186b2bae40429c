"""Fetched article pages kept for a while (``keep_pages_days`` per outlet), and re-extraction.

When an operator fixes an outlet's extraction rules, ``nashra sources reextract SLUG`` runs the
page stage again on the pages already fetched (no refetch) and updates the stored articles through
the one write path (``nashra.ingest.save_prepared``: analysis, enrichment, search index, copies).
The articles it updates stay in the stories they had: ``nashra stories rebuild`` regroups them. Pages are kept
compressed; each new page of an outlet drops that outlet's pages older than the window.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from nashra.crawl.entry import prepare_entry
from nashra.http.fetch import FetchResult
from nashra.ingest import save_prepared
from nashra.model import FeedEntry
from nashra.sources.adapters import adapter_for
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import articles, fetched_pages
from nashra.text import canonical_url

__all__ = ["KeptPage", "ReextractReport", "keep_page", "kept_pages", "reextract"]


@dataclass(frozen=True)
class KeptPage:
    source: str
    url: str
    final_url: str
    content_type: str
    content: bytes
    fetched_at: datetime

    def as_fetch(self) -> FetchResult:
        """The page as the fetcher returned it (what the page stage reads)."""
        return FetchResult(
            url=self.url, final_url=self.final_url or self.url, status=200,
            headers={"content-type": self.content_type} if self.content_type else {},
            content=self.content,
        )  # fmt: skip


def keep_page(store: Store, source: str, url: str, fetched: FetchResult, days: int) -> None:
    """Keep one fetched page (replacing an older copy of the same URL) and forget the outlet's
    pages older than ``days``."""
    now = datetime.now(UTC)
    row = {
        "final_url": fetched.final_url or url,
        "content_type": fetched.headers.get("content-type", "")[:200],
        "body": zlib.compress(fetched.content, 6),
        "fetched_at": now,
    }
    with store.begin() as conn:
        done = conn.execute(
            update(fetched_pages)
            .where(fetched_pages.c.source == source, fetched_pages.c.url == url)
            .values(**row)
        )
        if done.rowcount == 0:
            conn.execute(insert(fetched_pages).values(source=source, url=url, **row))
        conn.execute(
            delete(fetched_pages).where(
                fetched_pages.c.source == source,
                fetched_pages.c.fetched_at < now - timedelta(days=days),
            )
        )


def kept_pages(
    store: Store, source: str, since: datetime | None = None, limit: int | None = None
) -> Iterator[KeptPage]:
    """The outlet's kept pages, newest first (``since``: fetched at or after)."""
    query = (
        select(fetched_pages)
        .where(fetched_pages.c.source == source)
        .order_by(fetched_pages.c.fetched_at.desc(), fetched_pages.c.url)
    )
    if since is not None:
        query = query.where(fetched_pages.c.fetched_at >= since)
    if limit is not None:
        query = query.limit(limit)
    with store.connect() as conn:
        rows = conn.execute(query).all()
    for r in rows:
        yield KeptPage(r.source, r.url, r.final_url, r.content_type, zlib.decompress(r.body),
                       r.fetched_at)  # fmt: skip


def count_kept(store: Store, source: str, since: datetime | None = None) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(fetched_pages).where(fetched_pages.c.source == source)
    if since is not None:
        query = query.where(fetched_pages.c.fetched_at >= since)
    with store.connect() as conn:
        return int(conn.execute(query).scalar_one())


def entry_of_stored(store: Store, source: str, url: str) -> FeedEntry | None:
    """What the feed said about a stored article, as far as the archive keeps it."""
    try:
        key = canonical_url(url)
    except ValueError:
        key = url
    with store.connect() as conn:
        row = conn.execute(
            select(articles.c.url, articles.c.guid, articles.c.title, articles.c.summary,
                   articles.c.published, articles.c.updated, articles.c.categories,
                   articles.c.byline, articles.c.author, articles.c.image_url)
            .where(articles.c.source == source, articles.c.url == key)
        ).first()  # fmt: skip
    if row is None:
        return None
    return FeedEntry(
        url=url, guid=row.guid or "", title=row.title, summary=row.summary,
        published=row.published, updated=row.updated,
        categories=[c for c in row.categories.split("\n") if c],
        author=row.byline or row.author, image_url=row.image_url,
    )  # fmt: skip


@dataclass
class ReextractReport:
    pages: int = 0
    updated: int = 0
    unchanged: int = 0
    not_stored: int = 0  # kept pages whose article is not in the archive (taken down, failed)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "errors": self.errors[:50]}


def reextract(
    store: Store,
    source: Source,
    since: datetime | None = None,
    *,
    on_page: Callable[[], None] | None = None,
    batch: int = 50,
) -> ReextractReport:
    """Run the page stage again (with the outlet's current rules) on its kept pages and store
    what changed. Only articles already in the archive are updated: nothing new is created."""
    started = time.perf_counter()
    report = ReextractReport()
    adapter = adapter_for(source)
    pending = []
    for page in kept_pages(store, source.slug, since):
        report.pages += 1
        entry = entry_of_stored(store, source.slug, page.url)
        if entry is None:
            report.not_stored += 1
        else:
            try:
                pending.append(prepare_entry(source, entry, page.as_fetch(), adapter))
            except Exception as exc:  # one bad page costs that page only
                report.errors.append(f"{page.url}: {type(exc).__name__}: {exc}")
        if len(pending) >= batch:
            _save(store, pending, report)
        if on_page:
            on_page()
    _save(store, pending, report)
    report.seconds = time.perf_counter() - started
    return report


def _save(store: Store, pending: list[Any], report: ReextractReport) -> None:
    for saved in save_prepared(store, pending):
        if saved.status == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
    pending.clear()

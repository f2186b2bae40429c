"""The crawl: feeds → entries → pages → articles → store, for every enabled feed.

I/O (fetcher, store) is at the edges; the stages in between are the pure functions of
``feeds``, ``extract`` and ``article``. A feed's HTTP validators are saved only after all of its
entries are stored, so a crash in the middle re-reads the feed and a restart loses nothing;
entries already stored are skipped by their natural keys, so it duplicates nothing either.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from nashra.config import Settings
from nashra.crawl.entry import prepare_entry
from nashra.crawl.feeds import parse_feed
from nashra.crawl.kept import keep_page
from nashra.http.fetch import Fetcher
from nashra.ingest import Ingest, Prepared
from nashra.media.fetch import fetch_image
from nashra.model import Article, FeedEntry
from nashra.sources.adapters import adapter_for
from nashra.sources.discover import discover_feeds
from nashra.sources.registry import Source
from nashra.store import SaveResult, Store
from nashra.text import canonical_url

log = logging.getLogger("nashra.crawl")

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

# on_event(kind, **info): "feeds" (total=N), "feed" (url, status, new, ...), "entries" (count=N),
# "article" (status, source, num), "page_error" (url, error)
EventHook = Callable[..., None]


@dataclass
class CrawlReport:
    feeds: int = 0
    not_modified: int = 0
    feed_errors: int = 0
    malformed_feeds: int = 0
    entries: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    refused: int = 0  # entries a takedown covers (nashra.moderation.takedowns)
    page_errors: int = 0
    partial: int = 0
    copies: int = 0
    images: int = 0
    image_errors: int = 0
    story_errors: int = 0
    stories_late: int = 0  # articles older than the live story window, assigned after the round
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["errors"] = self.errors[:50]
        return data


class Crawler:
    """Polls feeds and stores their articles through the shared stages."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        sources: Iterable[Source],
        *,
        on_event: EventHook | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.sources = {s.slug: s for s in sources}
        self.on_event = on_event or (lambda kind, **info: None)
        self.report = CrawlReport()
        self.ingest = Ingest(store, settings, on_story_error=self._story_failed)

    async def crawl_once(self) -> CrawlReport:
        """Poll every enabled feed of the known outlets once."""
        self.report = CrawlReport()
        async with Fetcher(self.settings.fetch) as fetcher:
            await self.discover_missing(fetcher)
            rows = [r for r in self.store.list_feeds() if r.source in self.sources]
            self.on_event("feeds", total=len(rows))
            await asyncio.gather(*(self._poll(fetcher, row) for row in rows))
        self.report.stories_late = await asyncio.to_thread(self.ingest.finish)
        return self.report

    async def discover_missing(self, fetcher: Fetcher) -> None:
        """Outlets known only by their home page get their feeds by autodiscovery, once."""
        have = {row.source for row in self.store.list_feeds(enabled_only=False)}
        pending = [
            s
            for s in self.sources.values()
            if s.enabled and not s.feeds and s.site_url and s.slug not in have
        ]

        async def discover(source: Source) -> None:
            try:
                urls = await discover_feeds(fetcher, source.site_url)
            except Exception as exc:  # discovery is best effort; the next round tries again
                log.warning("feed discovery failed source=%s error=%s", source.slug, exc)
                return
            if not urls:
                log.warning("no feed found source=%s site=%s", source.slug, source.site_url)
            for url in urls[:3]:
                self.store.add_feed(source.slug, url)

        await asyncio.gather(*(discover(s) for s in pending))

    async def _poll(self, fetcher: Fetcher, feed: Any) -> None:
        source = self.sources[feed.source]
        result = await fetcher.fetch(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
        )
        self.report.feeds += 1
        if result.not_modified:
            self.report.not_modified += 1
            self.store.record_feed_poll(
                feed.id, status=304, etag=result.etag, last_modified=result.last_modified
            )
            self.on_event("feed", url=feed.url, status=304, new=0)
            return
        if not result.ok:
            log.warning(
                "feed failed url=%s kind=%s error=%s", feed.url, result.error_kind, result.error
            )
            self._feed_failed(feed, result.status, result.error or "error")
            return
        try:
            parsed = await self._off_loop(
                parse_feed, result.content, result.final_url, result.headers
            )
        except TimeoutError:
            error = f"refused: parsing took over {self.settings.crawl.item_time_budget:g} s"
            log.warning("feed refused url=%s: %s", feed.url, error)
            self._feed_failed(feed, result.status, error)
            return
        if parsed.bozo:
            self.report.malformed_feeds += 1
            log.warning("malformed feed url=%s reason=%s", feed.url, parsed.bozo_reason)
        entries = parsed.entries[: self.settings.crawl.max_entries_per_feed]
        if not entries and parsed.bozo:
            self._feed_failed(feed, result.status, f"not a readable feed: {parsed.bozo_reason}")
            return
        self.on_event("entries", count=len(entries))
        before = self.report.new
        await self._store_entries(fetcher, source, entries)
        new = self.report.new - before
        self.store.record_feed_poll(
            feed.id,
            status=result.status,
            etag=result.etag,
            last_modified=result.last_modified,
            new_items=new,
            title=parsed.title,
        )
        self.on_event("feed", url=feed.url, status=result.status, new=new)

    def _feed_failed(self, feed: Any, status: int, error: str) -> None:
        """Count, record and announce a poll that yielded no entries."""
        self.report.feed_errors += 1
        self.report.errors.append(f"{feed.url}: {error}")
        self.store.record_feed_poll(feed.id, status=status, error=error)
        self.on_event("feed", url=feed.url, status=status, new=0, error=error)

    async def _store_entries(
        self, fetcher: Fetcher, source: Source, entries: list[FeedEntry]
    ) -> None:
        urls = []
        for entry in entries:
            try:
                urls.append(canonical_url(entry.url))
            except ValueError:
                urls.append(entry.url)
        known = self.store.known_entries(source.slug, urls, [e.guid for e in entries if e.guid])
        todo = []
        for entry, url in zip(entries, urls, strict=True):
            stored_title = known.get(url) or (known.get(entry.guid) if entry.guid else None)
            if stored_title is not None and stored_title == entry.title.strip():
                self.report.skipped += 1
                self.on_event("article", status="skipped", source=source.slug)
                continue
            todo.append(entry)
        built = await asyncio.gather(*(self._build_entry(fetcher, source, e) for e in todo))
        # One transaction per feed: a crash before it commits only means these pages are
        # fetched again on restart (the feed's validators are not saved yet either).
        prepared = [item for item in built if item]
        # Storing and grouping are CPU and database work: a thread keeps the event loop, and a
        # portal served beside the crawl, answering. Then this crawler's own step after commit,
        # which the ingest unit does not run: the new articles' lead images, on the event loop.
        results = await asyncio.to_thread(self._save_and_group, prepared)
        await asyncio.gather(
            *(
                self._rehost_image(fetcher, saved.pk, item.article.image_url)
                for saved, item in zip(results, prepared, strict=True)
                if saved.status == "new" and item.article.image_url
            )
        )

    def _save_and_group(self, prepared: list[Prepared]) -> list[SaveResult]:
        """Save a feed's articles and put them into stories (the ingest unit of work); one
        feed at a time per store, as when this ran on the event loop (two feeds may carry the
        same article)."""
        with _write_lock(self.store):
            results = self.ingest(prepared)
        for saved, item in zip(results, prepared, strict=True):
            self._count(saved, item.article)
        return results

    def _story_failed(self, pk: int, exc: Exception) -> None:
        """A failed story assignment costs only the grouping, which ``nashra stories rebuild``
        recomputes: counted and reported, the crawl goes on."""
        self.report.story_errors += 1
        self.report.errors.append(f"article {pk}: story assignment failed: {exc}")

    async def _rehost_image(self, fetcher: Fetcher, pk: int, image_url: str) -> None:
        """The media stage: our own copy of the lead image (a bad picture only costs the image;
        an article stored without one gets it on no later crawl, which is the price of never
        refetching known pages)."""
        outcome = await fetch_image(fetcher, self.store, self.settings, image_url)
        if outcome.image_id is not None:
            self.store.set_article_image(pk, outcome.image_id)
            self.report.images += 1
        else:
            self.report.image_errors += 1

    def _count(self, saved: SaveResult, article: Article) -> None:
        if saved.status == "new":
            self.report.new += 1
            self.report.partial += article.partial
            self.report.copies += saved.copy_of is not None
        elif saved.status == "updated":
            self.report.updated += 1
        elif saved.status == "refused":
            self.report.refused += 1
        else:
            self.report.unchanged += 1
        self.on_event("article", status=saved.status, source=article.source, num=saved.num)

    async def _build_entry(
        self, fetcher: Fetcher, source: Source, entry: FeedEntry
    ) -> Prepared | None:
        """Fetch and extract one entry's page, join it with the entry and prepare the article
        (None: unusable)."""
        self.report.entries += 1
        adapter = adapter_for(source)
        try:
            canonical_url(entry.url)
        except ValueError as exc:
            self.report.page_errors += 1
            self.report.errors.append(f"{entry.url}: {exc}")
            self.on_event("page_error", url=entry.url, error=str(exc))
            return None
        if adapter.feed_content and entry.content_html:
            # The outlet's rules say its feed carries the full text: no page to fetch.
            item = await self._off_loop(prepare_entry, source, entry, None, adapter)
            return item if item.article.title or item.article.body_text else None
        result = await fetcher.fetch(entry.url, accept=PAGE_ACCEPT)
        if result.ok and result.content and self.settings.crawl.keep_pages_days > 0:
            keep_page(
                self.store, source.slug, entry.url, result, self.settings.crawl.keep_pages_days
            )
        if result.error_kind == "blocked":
            # A link to an address the guard refuses is never stored, not even as a summary:
            # the portal would publish a link into the private network.
            self.report.page_errors += 1
            self.report.errors.append(f"{entry.url}: {result.error}")
            self.on_event("page_error", url=entry.url, error=result.error)
            return None
        if not result.ok or not result.content:
            self.report.page_errors += 1
            self.report.errors.append(f"{entry.url}: {result.error}")
            self.on_event("page_error", url=entry.url, error=result.error)
            result = None
        try:
            item = await self._off_loop(prepare_entry, source, entry, result, adapter)
        except TimeoutError:
            self.report.page_errors += 1
            reason = f"refused: processing took over {self.settings.crawl.item_time_budget:g} s"
            log.warning("entry refused url=%s: %s", entry.url, reason)
            self.report.errors.append(f"{entry.url}: {reason}")
            self.on_event("page_error", url=entry.url, error=reason)
            return None
        if not item.article.title and not item.article.body_text:
            self.report.page_errors += 1
            return None
        return item

    async def _off_loop(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run CPU-bound stage code in a thread within the per-item time budget, so the event
        loop (and the portal served beside a crawl) keeps answering; TimeoutError past it."""
        return await asyncio.wait_for(
            asyncio.to_thread(work, *args), timeout=self.settings.crawl.item_time_budget
        )

    async def poll_feed(self, fetcher: Fetcher, feed: Any) -> FeedPoll:
        """Poll one feed (fetch, parse, store its entries, record the poll) and say what
        happened, for the scheduler: the feed's own fetch result (status, headers such as
        Retry-After / Cache-Control, error kind) and this feed's own counts, exact even when
        many feeds are polled at once on this crawler. Added for the worker loop (issue 7)."""
        child = Crawler(self.settings, self.store, (), on_event=self.on_event)
        child.sources = self.sources
        probe = _FeedProbe(fetcher, feed.url)
        await child._poll(probe, feed)  # type: ignore[arg-type]  # a Fetcher look-alike
        mine, theirs = self.report, child.report
        for name, value in theirs.__dict__.items():
            if isinstance(value, int):
                setattr(mine, name, getattr(mine, name) + value)
        mine.errors.extend(theirs.errors)
        result = probe.result
        unreadable = theirs.feed_errors > 0 and result is not None and result.ok
        error = theirs.errors[0].split(": ", 1)[-1] if theirs.feed_errors else None
        return FeedPoll(
            feed_id=feed.id,
            url=feed.url,
            fetch=result,
            ok=theirs.feed_errors == 0,
            status=result.status if result else 0,
            not_modified=bool(result and result.not_modified),
            error=error,
            error_kind="parse" if unreadable else (result.error_kind if result else None),
            new_items=theirs.new,
            updated_items=theirs.updated,
            entries=theirs.entries + theirs.skipped,
            page_errors=theirs.page_errors,
        )


@dataclass
class FeedPoll:
    """What polling one feed did (see :meth:`Crawler.poll_feed`)."""

    feed_id: int
    url: str
    fetch: Any  # the feed's FetchResult (None if the feed was never fetched)
    ok: bool  # a readable 2xx or a 304
    status: int  # HTTP status, 0 without a response
    not_modified: bool
    error: str | None
    error_kind: str | None  # the fetcher's kinds, or "parse" for an unreadable document
    new_items: int
    updated_items: int
    entries: int  # entries considered (stored, updated or already known)
    page_errors: int


class _FeedProbe:
    """Passes fetches through to the fetcher, keeping the first one: the feed document's."""

    def __init__(self, fetcher: Fetcher, feed_url: str) -> None:
        self._fetcher = fetcher
        self._feed_url = feed_url
        self.result: Any = None

    async def fetch(self, url: str, **kw: Any) -> Any:
        result = await self._fetcher.fetch(url, **kw)
        if self.result is None and url == self._feed_url:
            self.result = result
        return result


_WRITE_LOCKS: weakref.WeakKeyDictionary[Store, threading.Lock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(store: Store) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(store)
        if lock is None:
            lock = _WRITE_LOCKS[store] = threading.Lock()
        return lock


def crawl(settings: Settings, store: Store, sources: Iterable[Source], **kw: Any) -> CrawlReport:
    """Synchronous entry point for the CLI and the demo builder."""
    return asyncio.run(Crawler(settings, store, sources, **kw).crawl_once())

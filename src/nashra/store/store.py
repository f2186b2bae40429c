"""The archive: the system of record for outlets, feeds and articles.

Every write is an idempotent upsert keyed by natural keys, in its own short transaction, so a crash
at any moment loses nothing already stored and a restart duplicates nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store.db import create_db_engine, migrate, upsert, write_transaction
from nashra.store.lookups import AdmissionCheck, BatchLookups
from nashra.store.replicas import ReadRouter
from nashra.store.schema import articles, feed_polls, feeds, images, sources

log = logging.getLogger("nashra.store")


# The statements of the write path, built once (see nashra.store.lookups for the others).
_UPDATE = update(articles).where(articles.c.pk == bindparam("b_pk"))


def _shifted(side_rows: SideRows, index: int) -> SideRows:
    """``side_rows`` of a batch's article ``index`` when that article is saved alone."""
    return lambda conn, written: side_rows(conn, [(index, result) for _i, result in written])


def _written(results: Sequence[SaveResult]) -> list[tuple[int, SaveResult]]:
    """The articles of a batch that have side rows to write: the new and the updated ones."""
    return [(i, r) for i, r in enumerate(results) if r.status in ("new", "updated")]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SaveResult:
    """What ``Store.save_article`` did: ``status`` is "new", "updated", "unchanged" or
    "refused" (an admission check said no, e.g. a takedown; nothing was written, ``pk`` is 0)."""

    pk: int
    source: str
    num: int
    status: str
    copy_of: int | None = None


def _content_hash(article: Article | Any) -> str:
    """What decides "unchanged": the digest of an article's (or a stored row's) title,
    summary, body and author."""
    digest = hashlib.sha1()
    for part in (article.title, article.summary, article.body_html, article.author or ""):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


# Called once per batch, in the transaction that saved it, after its last article, with the
# (index in the batch, result) of every "new" or "updated" article: writes what is kept beside
# them (see nashra.ingest), committed — or lost — with them. After, not between the articles:
# SQLite's FTS5 flushes its pending terms to a new segment whenever a later statement of the
# transaction opens a savepoint (an insert with triggers does), so index rows written between
# the articles made every following insert pay for a flush.
SideRows = Callable[[Connection, Sequence[tuple[int, "SaveResult"]]], None]
ANALYZE_AFTER_ROWS = 1000  # see Store._note_growth
POLL_HISTORY = timedelta(days=8)  # feed_polls kept per feed (the health board looks back 7 days)


class Store:
    """Reads and writes the archive through SQLAlchemy Core (SQLite or PostgreSQL).

    Feature code reaches the database through :meth:`connect` (reads), :meth:`begin` (a
    transaction) and :meth:`write_transaction` (a read-then-write that must not interleave),
    never through the engine: a store on a :class:`~nashra.store.replicas.ReadRouter` sends
    reads to a replica and writes to the primary."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The engine writes go to: the router's primary, or the engine itself.
        self.primary: Engine = engine.primary if isinstance(engine, ReadRouter) else engine
        self._reads_autocommit = engine.dialect.name == "postgresql"
        self._analysed_rows: int | None = None  # articles when statistics were last refreshed
        self._grown = 0  # new articles since

    @classmethod
    def open(cls, url: str, *, run_migrations: bool = True) -> Store:
        engine = create_db_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def connect(self) -> Connection:
        """A connection for reading (to a replica when the store reads through a router).

        On PostgreSQL it reads in autocommit: each statement is its own transaction, as it is
        under READ COMMITTED inside one anyway (every statement takes a new snapshot), but
        without the ``BEGIN`` before the first statement and the ``ROLLBACK`` when the
        connection goes back to the pool — two round trips saved per read, about a third of
        what a short read costs. Writes go through :meth:`begin` or
        :meth:`write_transaction`, never through a reader."""
        conn = self.engine.connect()
        if self._reads_autocommit:
            conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    def begin(self) -> AbstractContextManager[Connection]:
        """A transaction on the primary: commits on a normal exit, rolls back on an error."""
        return self.primary.begin()

    def write_transaction(self) -> AbstractContextManager[Connection]:
        """A transaction on the primary that holds the write lock from its start (see
        :func:`nashra.store.db.write_transaction`)."""
        return write_transaction(self.primary)

    # -- outlets and feeds -------------------------------------------------------------------

    def sync_sources(self, registry: Iterable[Source]) -> None:
        """Make the ``sources`` and ``feeds`` rows match the registry (new rows added, names kept
        current); feeds removed from the registry are disabled, never deleted, so history stays.
        The feeds of an outlet listed without any were found by autodiscovery and are kept."""
        now = utcnow()
        with self.begin() as conn:
            for src in registry:
                row = conn.execute(select(sources.c.slug).where(sources.c.slug == src.slug)).first()
                values = {
                    "name_ar": src.name_ar,
                    "name_fr": src.name_fr,
                    "name_en": src.name_en,
                    "site_url": src.site_url,
                    "lang": src.lang,
                    "default_section": src.default_section,
                }
                if row is None:
                    conn.execute(
                        insert(sources).values(slug=src.slug, next_num=1, created_at=now, **values)
                    )
                else:
                    conn.execute(update(sources).where(sources.c.slug == src.slug).values(**values))
                known = {
                    r.url: r
                    for r in conn.execute(
                        select(feeds.c.url, feeds.c.enabled).where(feeds.c.source == src.slug)
                    )
                }
                for url in src.feeds:
                    if url not in known:
                        conn.execute(
                            insert(feeds).values(source=src.slug, url=url, enabled=src.enabled)
                        )
                # An outlet listed without feeds keeps the ones autodiscovery found for it.
                for url in set(known) - set(src.feeds) if src.feeds else ():
                    conn.execute(update(feeds).where(feeds.c.url == url).values(enabled=False))

    def ensure_source(self, slug: str, name: str = "", lang: str = "ar") -> None:
        """Create an outlet row if it does not exist (used by bulk imports of unknown outlets);
        one created concurrently, or already there, is left as it is."""
        row = {
            "slug": slug,
            "name_ar": name if lang == "ar" else "",
            "name_fr": name if lang == "fr" else "",
            "name_en": name if lang == "en" else "",
            "site_url": "",
            "lang": lang,
            "next_num": 1,
            "created_at": utcnow(),
        }
        with self.begin() as conn:
            upsert(conn, sources, row, ["slug"])

    def add_feed(self, source: str, url: str) -> int:
        with self.begin() as conn:
            row = conn.execute(select(feeds.c.id).where(feeds.c.url == url)).first()
            if row:
                return row.id
            return conn.execute(
                insert(feeds).values(source=source, url=url, enabled=True)
            ).inserted_primary_key[0]

    def list_feeds(self, *, enabled_only: bool = True, source: str | None = None) -> list[Any]:
        query = select(feeds).order_by(feeds.c.id)
        if enabled_only:
            query = query.where(feeds.c.enabled.is_(True))
        if source:
            query = query.where(feeds.c.source == source)
        with self.connect() as conn:
            return list(conn.execute(query))

    def record_feed_poll(
        self,
        feed_id: int,
        *,
        status: int,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
        new_items: int = 0,
        title: str | None = None,
    ) -> None:
        """Keep what a poll learnt. The validators are only written after the entries are stored,
        so a crash in the middle re-reads the feed instead of skipping what was not yet saved."""
        now = utcnow()
        values: dict[str, Any] = {"last_polled_at": now, "last_status": status}
        if error:
            values["last_error"] = error
            values["error_count"] = feeds.c.error_count + 1
        else:
            values["last_error"] = None
            values["error_count"] = 0
            if etag is not None or last_modified is not None:
                values["etag"] = etag
                values["last_modified"] = last_modified
        if new_items:
            values["last_new_item_at"] = now
        if title:
            values["title"] = title
        with self.begin() as conn:
            conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))
            # the outlet health board's error rates (a week of history per feed)
            conn.execute(insert(feed_polls).values(feed_id=feed_id, at=now, ok=not error,
                                                   status=status, error=error))  # fmt: skip
            conn.execute(
                delete(feed_polls).where(
                    feed_polls.c.feed_id == feed_id, feed_polls.c.at < now - POLL_HISTORY
                )
            )

    # -- articles ---------------------------------------------------------------------------

    def save_article(
        self,
        article: Article,
        *,
        side_rows: SideRows | None = None,
        admission: Sequence[AdmissionCheck] = (),
    ) -> SaveResult:
        """Insert a new article, update a changed one, or leave an unchanged one alone.

        ``admission`` checks may refuse a new article; ``side_rows`` writes what is kept beside
        a new or updated one in the same transaction. The store runs no feature code of its
        own: ``nashra.ingest`` hands both in."""
        for attempt in range(3):
            try:
                with self.begin() as conn:
                    lookups = BatchLookups(conn, [article], admission)
                    result = self._save(conn, 0, article, lookups)
                    lookups.finish(conn)
                    if side_rows is not None and result.status in ("new", "updated"):
                        side_rows(conn, [(0, result)])
                    return result
            except IntegrityError:
                # Another writer stored the same natural key between our read and our write.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def save_articles(
        self,
        batch: list[Article],
        *,
        side_rows: SideRows | None = None,
        admission: Sequence[AdmissionCheck] = (),
    ) -> list[SaveResult]:
        """Save several articles in one transaction (one commit instead of one each); if a
        concurrent writer gets in the way, fall back to saving them one by one."""
        if not batch:
            return []
        try:
            with self.begin() as conn:
                lookups = BatchLookups(conn, batch, admission)
                results = [self._save(conn, i, article, lookups) for i, article in enumerate(batch)]
                lookups.finish(conn)
                if side_rows is not None and (written := _written(results)):
                    side_rows(conn, written)
        except IntegrityError:
            results = [
                self.save_article(
                    article,
                    side_rows=None if side_rows is None else _shifted(side_rows, i),
                    admission=admission,
                )
                for i, article in enumerate(batch)
            ]
        self._note_growth(sum(r.status == "new" for r in results))
        return results

    def _note_growth(self, rows: int) -> None:
        """PostgreSQL plans queries from statistics that only ANALYZE refreshes. Autovacuum does
        it in a normal deployment, but a new archive filling fast (a first crawl, an import) or
        a server with autovacuum off would keep plans made for an empty database: lookups that
        walk a whole index instead of one step (measured: story and copy lookups growing to
        7 ms and 15 ms per article at 10,000 articles). So after the archive has grown by a fifth
        (at least ANALYZE_AFTER_ROWS new articles) this process analyses the database."""
        if rows <= 0 or self.dialect != "postgresql":
            return
        if self._analysed_rows is None:
            with self.connect() as conn:
                estimate = conn.execute(
                    text("SELECT reltuples FROM pg_class WHERE relname = 'articles'")
                ).scalar()
            self._analysed_rows = max(0, int(estimate or 0))
        self._grown += rows
        if self._grown < max(ANALYZE_AFTER_ROWS, self._analysed_rows // 5):
            return
        self._analysed_rows += self._grown
        self._grown = 0
        with self.begin() as conn:
            conn.execute(text("ANALYZE"))
        log.info("analysed the database after growth to about %d articles", self._analysed_rows)

    def _save(
        self, conn: Connection, i: int, article: Article, lookups: BatchLookups
    ) -> SaveResult:
        result = self._write(conn, i, article, lookups)
        lookups.saved(article, result.status, result.num)
        return result

    def _write(
        self, conn: Connection, i: int, article: Article, lookups: BatchLookups
    ) -> SaveResult:
        now = utcnow()
        values = {
            "title": article.title,
            "summary": article.summary,
            "body_html": article.body_html,
            "body_text": article.body_text,
            "body_hash": article.body_hash,
            "author": article.author or "",
            "lang": article.lang,
            "section": article.section,
            "categories": "\n".join(article.categories),
            "image_url": article.image_url,
            "partial": article.partial,
        }
        existing = lookups.existing(conn, i, article)
        if existing is not None:
            if _content_hash(existing) == _content_hash(article):
                return SaveResult(
                    existing.pk, article.source, existing.num, "unchanged", existing.copy_of
                )
            # When we saw the change: it moves the portal's cache version even when the
            # outlet's own edit time is older than other updates already stored.
            values["updated"] = now
            conn.execute(_UPDATE, {**values, "b_pk": existing.pk})
            return SaveResult(
                existing.pk, article.source, existing.num, "updated", existing.copy_of
            )
        if reason := lookups.refusal(conn, i, article):
            log.info("refused source=%s url=%s: %s", article.source, article.url, reason)
            return SaveResult(0, article.source, 0, "refused")
        num = lookups.allocate_num(conn, article)
        copy_of = lookups.original(conn, i, article)
        values.update(
            source=article.source,
            num=num,
            url=article.url,
            guid=article.guid,
            published=article.published or now,
            updated=article.updated,
            fetched_at=now,
            copy_of=copy_of,
        )
        result = SaveResult(0, article.source, num, "new", copy_of)
        lookups.insert(values, result)  # with the batch's other new rows; the pk set then
        return result

    def known_entries(
        self, source: str, urls: Iterable[str], guids: Iterable[str] = ()
    ) -> dict[str, str]:
        """Stored titles of ``source``'s articles, keyed by each of their URLs and GUIDs that
        were asked about: the crawler skips the page of an entry it already has unless the
        entry's title changed."""
        found: dict[str, str] = {}
        with self.connect() as conn:
            for column, keys in ((articles.c.url, list(urls)), (articles.c.guid, list(guids))):
                for i in range(0, len(keys), 500):
                    chunk = keys[i : i + 500]
                    query = select(column, articles.c.title).where(
                        articles.c.source == source, column.in_(chunk)
                    )
                    found.update({key: title for key, title in conn.execute(query)})
        return found

    def stored_unchanged(self, batch: Sequence[Article]) -> set[int]:
        """Indices of ``batch``'s articles stored under the same outlet and URL with the same
        content (what :meth:`save_articles` would answer "unchanged"), looked up in one
        statement per outlet: a resumed import skips them before analysing them again."""
        if not batch:
            return set()
        by_source: dict[str, dict[str, list[int]]] = {}
        for i, article in enumerate(batch):
            by_source.setdefault(article.source, {}).setdefault(article.url, []).append(i)
        found: set[int] = set()
        with self.connect() as conn:
            for source, urls in by_source.items():
                query = select(
                    articles.c.url,
                    articles.c.title,
                    articles.c.summary,
                    articles.c.body_html,
                    articles.c.author,
                ).where(articles.c.source == source, articles.c.url.in_(list(urls)))
                for row in conn.execute(query):
                    digest = _content_hash(row)
                    found.update(i for i in urls[row.url] if _content_hash(batch[i]) == digest)
        return found

    def set_article_image(self, pk: int, image_id: int | None) -> None:
        with self.begin() as conn:
            conn.execute(update(articles).where(articles.c.pk == pk).values(image_id=image_id))

    # -- counts ----------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with self.connect() as conn:
            count = lambda q: conn.execute(q).scalar_one()  # noqa: E731
            last_crawl = conn.execute(select(func.max(feeds.c.last_polled_at))).scalar()
            return {
                "outlets": count(select(func.count()).select_from(sources)),
                "feeds": count(select(func.count()).select_from(feeds)),
                "articles": count(select(func.count()).select_from(articles)),
                "copies": count(
                    select(func.count())
                    .select_from(articles)
                    .where(articles.c.copy_of.is_not(None))
                ),
                "partial": count(
                    select(func.count()).select_from(articles).where(articles.c.partial.is_(True))
                ),
                "images": count(select(func.count()).select_from(images)),
                "feeds_failing": count(
                    select(func.count())
                    .select_from(feeds)
                    .where(and_(feeds.c.enabled.is_(True), feeds.c.error_count > 0))
                ),
                "last_crawl": last_crawl.isoformat() if last_crawl else None,
            }

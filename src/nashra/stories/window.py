"""Story windows read from the archive: the rows that fill a :class:`StoryIndex`, and the
window that walks forward through the past for the backlog (``backlog.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, select

from nashra.store.schema import article_signatures as sigs
from nashra.store.schema import articles
from nashra.stories.features import Features
from nashra.stories.index import StoryIndex, aware

WINDOW_COLUMNS = (
    sigs.c.article_pk,
    sigs.c.story_id,
    sigs.c.link,
    sigs.c.copy_of.label("near_copy_of"),
    sigs.c.minhash,
    sigs.c.features,
    sigs.c.updated_at,
    articles.c.source,
    articles.c.published,
    articles.c.lang,
    articles.c.partial,
    articles.c.copy_of,
    func.length(articles.c.body_text).label("chars"),
)


def window_query(*where: Any) -> Select:
    """Assigned articles matching ``where`` with what a window keeps of them (unordered)."""
    return (
        select(*WINDOW_COLUMNS)
        .select_from(sigs.join(articles, articles.c.pk == sigs.c.article_pk))
        .where(*where)
    )


def window_rows(conn: Connection, *where: Any) -> Iterator[Any]:
    """Assigned articles matching ``where``, oldest first, with what a window keeps of them."""
    yield from conn.execute(window_query(*where).order_by(articles.c.published, articles.c.pk))


def changed_since(seen: datetime | None, floor: datetime | None) -> list[Any]:
    """The condition on window rows written since ``seen`` (by any process) and not older than
    ``floor``: the rows that catch a window up."""
    where = []
    if seen is not None:
        # Selected by the updated_at index first, so the planner cannot walk the whole window
        # through the published index instead.
        changed = select(sigs.c.article_pk).where(sigs.c.updated_at > seen)
        where.append(sigs.c.article_pk.in_(changed))
    if floor is not None:
        where.append(sigs.c.published >= floor)
    return where


def load_window(index: StoryIndex, rows: Iterator[Any]) -> datetime | None:
    """Put ``rows`` into ``index`` (or move the members it has to their stored story);
    returns the newest ``updated_at`` seen."""
    newest: datetime | None = None
    for row in rows:
        stamp = aware(row.updated_at)
        newest = stamp if newest is None or stamp > newest else newest
        if row.story_id is None or not row.features:
            continue
        if row.article_pk in index.members:
            index.relocate(row.article_pk, row.story_id, row.link, row.near_copy_of)
            continue
        f = Features.from_json(
            row.features,
            pk=row.article_pk,
            source=row.source,
            published=aware(row.published),
            lang=row.lang or "ar",
            sig=bytes(row.minhash or b""),
            body_chars=row.chars or 0,
            partial=bool(row.partial),
            exact_copy_of=row.copy_of,
        )
        index.add_member(f, row.story_id, row.link, row.near_copy_of)
    return newest


class LateWindow:
    """A window pinned at each late article's date that only moves forward.

    Articles are given in date order: for one published at ``p`` the window holds the archive
    from ``p - window`` to at least ``p + window`` (read ``ahead`` further at a time, so a sweep
    reads each stored article about once), and forgets what falls behind. A step back in time or
    a gap wider than the window starts it afresh."""

    def __init__(self, new_index: Callable[[], StoryIndex], window: timedelta) -> None:
        self._new_index = new_index
        self.window = window
        self.ahead = max(window / 4, timedelta(hours=1))
        self.index: StoryIndex | None = None
        self.low = self.high = datetime.min.replace(tzinfo=UTC)
        self.seen: datetime | None = None
        self.reads = 0  # windows started afresh (a figure for tests and benchmarks)

    def reset(self) -> None:
        """Forget everything (after a failed transaction left the index ahead of the archive)."""
        self.index = None

    def at(
        self,
        conn: Connection,
        published: datetime,
        before_read: Callable[[], None] | None = None,
    ) -> StoryIndex:
        """The window around ``published``, read from ``conn`` as far as needed (``before_read``
        is called first when it reads: to write what the archive must show it)."""
        p, w = aware(published), self.window
        index = self.index
        fresh = index is None or p - w < self.low or p - w > self.high
        if (fresh or p + w >= self.high) and before_read is not None:
            before_read()
        if fresh:
            index = self.index = self._new_index()
            index.pinned = True
            self.low = self.high = p - w
            self.seen = None
            self.reads += 1
        index.clock = p  # judged as if it had arrived on time: the clock stands at its date
        index.evict_before(p - w)
        self.low = p - w
        if p + w >= self.high:
            top = p + w + self.ahead
            rows = window_rows(conn, sigs.c.published >= self.high, sigs.c.published < top)
            self._note(load_window(index, rows))
            self.high = top
        return index

    def sync(self, conn: Connection) -> None:
        """Pick up what other processes wrote inside the window since it last looked."""
        if self.index is None or self.seen is None:
            return
        rows = window_rows(conn, *changed_since(self.seen, self.low), sigs.c.published < self.high)
        self._note(load_window(self.index, rows))

    def _note(self, newest: datetime | None) -> None:
        if newest is None and self.seen is None:
            newest = datetime.now(UTC) - timedelta(seconds=1)  # an empty stretch: from now on
        if newest is not None and (self.seen is None or newest > self.seen):
            self.seen = newest

"""What searches read of each article, kept a short while for the next searches (thread-safe).

A results page reads, for the index's best 200 candidates, their analysed title and body (to
rank them) and, for the 20 shown, their listing row and text (to show them). Different queries
share many candidates — the articles of a popular word come back in every query with that word
— so :class:`ArticleMemo` keeps both by article for :data:`TTL` seconds, at most
:data:`MAX_ENTRIES` of each: a query nobody asked before then reads only the articles no recent
query read. The analysed text also remembers where each token was found (``ranking.Stream``),
and each shown article its marked title and snippet under the query tokens it holds (see
``nashra.search.engine._Marks``), at most :data:`MARKS_PER_ARTICLE` of them.

Like the first result pages of :class:`~nashra.search.cache.ResultsCache`, which owns one, it
is dropped with the portal's memos when the archive changes, and never outlives :data:`TTL`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from nashra.search.ranking import Stream

__all__ = ["MAX_ENTRIES", "TTL", "ArticleMemo"]

TTL = 30.0
MAX_ENTRIES = 2000  # of each kind: about 12 MB of analysed text, 8 MB of rows (news bodies)
MARKS_PER_ARTICLE = 8  # marked titles and snippets kept per article (~1 KB each)

V = TypeVar("V")


class _Kept(Generic[V]):
    """A bounded LRU by article pk, each value kept at most ``ttl`` seconds."""

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[int, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, pks: Iterable[int], now: float) -> dict[int, V]:
        out: dict[int, V] = {}
        with self._lock:
            for pk in pks:
                entry = self._entries.get(pk)
                if entry is not None and now - entry[0] < self.ttl:
                    self._entries.move_to_end(pk)
                    out[pk] = entry[1]
        return out

    def put(self, values: dict[int, V], now: float) -> None:
        with self._lock:
            for pk, value in values.items():
                self._entries[pk] = (now, value)
                self._entries.move_to_end(pk)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class ArticleMemo:
    """Analysed texts (:class:`~nashra.search.ranking.Stream`), listing rows and marked
    titles and snippets by article."""

    def __init__(self, ttl: float = TTL, max_entries: int = MAX_ENTRIES) -> None:
        self._streams: _Kept[Stream] = _Kept(ttl, max_entries)
        self._rows: _Kept[dict[str, Any]] = _Kept(ttl, max_entries)
        self._marks: _Kept[OrderedDict[Hashable, tuple[str, str]]] = _Kept(ttl, max_entries)

    def streams(
        self, pks: list[int], read: Callable[[list[int]], dict[int, Stream]]
    ) -> dict[int, Stream]:
        """The streams of ``pks`` (those the index holds): kept ones, the others ``read``."""
        now = time.monotonic()
        found = self._streams.get(pks, now)
        missing = [pk for pk in pks if pk not in found]
        if missing:
            fresh = read(missing)
            self._streams.put(fresh, now)
            found.update(fresh)
        return found

    def rows(
        self, pks: list[int], read: Callable[[list[int]], dict[int, dict[str, Any]]]
    ) -> dict[int, dict[str, Any]]:
        """The rows of ``pks`` (those that exist), each a copy the caller may change."""
        now = time.monotonic()
        found = self._rows.get(pks, now)
        missing = [pk for pk in pks if pk not in found]
        if missing:
            fresh = read(missing)
            self._rows.put(fresh, now)
            found.update(fresh)
        return {pk: dict(row) for pk, row in found.items()}

    def marks(self, pk: int, key: Hashable, make: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        """The marked title and snippet of article ``pk`` kept under ``key``, else ``make()``
        (kept: the last :data:`MARKS_PER_ARTICLE` keys of the article)."""
        now = time.monotonic()
        kept = self._marks.get((pk,), now).get(pk)
        if kept is not None:
            found = kept.get(key)
            if found is not None:
                return found
        made = make()
        kept = OrderedDict() if kept is None else OrderedDict(kept)
        kept[key] = made
        while len(kept) > MARKS_PER_ARTICLE:
            kept.popitem(last=False)
        self._marks.put({pk: kept}, now)
        return made

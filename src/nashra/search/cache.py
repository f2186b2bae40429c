"""First result pages kept for a short while, keyed by what the query means rather than how it
was typed: «المغرب», «المغرب » and «ألمغرب» share one entry, and so do the same filters in any
order of the URL. A popular query costs a dictionary look-up instead of a search (about 15 ms on
the demo archive).

The portal keeps one :class:`ResultsCache` among its memos, which it drops when the archive
changes (see ``nashra.web.cache``), so a cached page never outlives the archive it was read
from; an entry also expires after :data:`TTL` seconds. It also holds the
:class:`~nashra.search.articles.ArticleMemo` its searches share, so a query it has not seen
reads only the candidate articles no recent query read.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import astuple
from functools import partial
from typing import TYPE_CHECKING

from nashra.search.articles import ArticleMemo
from nashra.search.engine import SearchRequest, SearchResults, search
from nashra.search.query import parse_query

if TYPE_CHECKING:
    from nashra.store.store import Store

__all__ = ["MAX_ENTRIES", "TTL", "ResultsCache", "request_key"]

TTL = 30.0
MAX_ENTRIES = 1000


def request_key(request: SearchRequest) -> Hashable:
    """What the results of a first page depend on: the analysed query (terms and notes) and
    every other parameter."""
    query = parse_query(request.q)
    return (
        tuple((t.kind, t.variants, t.optional) for t in query.terms),
        query.notes,
        request.mode,
        astuple(request.filters),
        request.region,
        request.sort,
        request.per_page,
        request.rank_window,
        request.phrase_rank_window,
    )


class ResultsCache:
    """A bounded LRU of first result pages, each kept at most ``ttl`` seconds."""

    def __init__(
        self,
        ttl: float = TTL,
        max_entries: int = MAX_ENTRIES,
        run: Callable[[Store, SearchRequest], SearchResults] | None = None,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        # What searches read of each article, shared by every search run here (pages past the
        # first included) and dropped with this cache when the archive changes.
        self.articles = ArticleMemo()
        self.run = run or partial(search, memo=self.articles)
        self._entries: OrderedDict[Hashable, tuple[float, SearchResults]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, store: Store, request: SearchRequest) -> SearchResults:
        """The results of ``request``: from the cache for a first page seen less than ``ttl``
        seconds ago, else searched (and kept when it is a first page)."""
        if request.page != 1:
            return self.run(store, request)
        request.validate()
        key = request_key(request)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self.ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
        results = self.run(store, request)
        with self._lock:
            self.misses += 1
            self._entries[key] = (now, results)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return results

"""How many articles the index holds and how many hold each token (the rarity of a word, for
:mod:`nashra.search.ranking`), remembered for :data:`TTL` seconds per database.

Counting the articles that hold a common word reads its whole posting list (about 2 ms for a
word in 40,000 articles), and rarity changes slowly: a word's count a minute old ranks as well
as today's. Each process keeps at most :data:`MAX_TOKENS` counts per database.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from nashra.search.backends import IndexBackend

__all__ = ["MAX_TOKENS", "TTL", "corpus_stats", "forget"]

TTL = 60.0
MAX_TOKENS = 50_000
_DOCS = "\x00docs"  # the key of the article count (no token contains NUL)


class _Counts:
    def __init__(self) -> None:
        self.values: dict[str, tuple[int, float]] = {}
        self.lock = threading.Lock()

    def fresh(self, key: str, now: float) -> int | None:
        entry = self.values.get(key)
        return entry[0] if entry is not None and now - entry[1] < TTL else None


_by_engine: weakref.WeakKeyDictionary[Engine, _Counts] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def _counts(engine: Engine) -> _Counts:
    with _guard:
        counts = _by_engine.get(engine)
        if counts is None:
            counts = _by_engine[engine] = _Counts()
        return counts


def corpus_stats(
    conn: Connection, backend: IndexBackend, tokens: Sequence[str]
) -> tuple[int, dict[str, int]]:
    """(articles in the index, {token: articles holding it}); counts older than :data:`TTL`
    seconds are read again."""
    counts = _counts(conn.engine)
    now = time.monotonic()
    with counts.lock:
        known = {tok: counts.fresh(tok, now) for tok in tokens}
        docs = counts.fresh(_DOCS, now)
    missing = [tok for tok, df in known.items() if df is None]
    read = backend.doc_freqs(conn, missing) if missing else {}
    if docs is None:
        docs = backend.doc_count(conn)
    with counts.lock:
        if len(counts.values) + len(read) > MAX_TOKENS:
            counts.values.clear()
        counts.values[_DOCS] = (docs, now)
        for tok, df in read.items():
            counts.values[tok] = (df, now)
    known.update(read)
    return docs, {tok: df or 0 for tok, df in known.items()}


def forget(engine: Engine) -> None:
    """Drop the counts of ``engine`` (after a bulk change, or in tests that rebuild an index)."""
    with _guard:
        _by_engine.pop(engine, None)

"""Related articles for an article page: same section and language, published around the same
days, ranked by the analysed title words they share with it.

This is a cheap stand-in until the stories feature links an article to other outlets' versions
of the same story: one indexed listing query per (section, language, day) builds a pool of
candidates whose titles are analysed once (``nashra.text.analyse``, the analyser search uses),
and the pool is kept in a small LRU dropped with the page cache when the archive changes. Ranking
is pure: shared title terms weighted by how rare they are in the pool (a word every politics
headline carries counts for little).
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from nashra.store import queries
from nashra.store.queries import Filters
from nashra.store.store import Store
from nashra.text import analyse
from nashra.text.newswords import format_tokens

RELATED_SIZE = 5
POOL_SIZE = 200  # candidates per (section, language, day): the listing's largest page
WINDOW_BEFORE = timedelta(days=7)
WINDOW_AFTER = timedelta(days=2)
MIN_TERM_CHARS = 3  # shorter analysed terms are particles (في, la, en) and carry no topic
# One shared word is enough only when it is long (a name: نتنياهو, Benkirane); otherwise two.
SINGLE_TERM_CHARS = 5
POOL_CACHE_ENTRIES = 128


def title_terms(title: str, lang: str) -> frozenset[str]:
    """The topic words of a headline: analysed terms of three characters or more, no numbers,
    none of the words that only announce a format (video, breaking...)."""
    skip = format_tokens(lang)  # «شاهد..», «عاجل», «فيديو»: how, not what
    return frozenset(
        term
        for term in analyse(title or "", lang)
        if len(term) >= MIN_TERM_CHARS and not term.isdigit() and term not in skip
    )


def related_enough(shared: frozenset[str]) -> bool:
    """Two shared topic words, or one long one (a proper name rather than a common word)."""
    return len(shared) >= 2 or any(len(term) >= SINGLE_TERM_CHARS for term in shared)


@dataclass(frozen=True)
class Candidate:
    """A listing row of the pool with its title terms computed once."""

    row: dict[str, Any]
    terms: frozenset[str]


def make_pool(rows: Iterable[dict[str, Any]]) -> list[Candidate]:
    return [
        Candidate(row, title_terms(row.get("title") or "", row.get("lang") or "ar")) for row in rows
    ]


def _same_text(row: dict[str, Any], article: dict[str, Any]) -> bool:
    """A copy of the article, or the article it copies, or another copy of the same original."""
    pk, original = article.get("pk"), article.get("copy_of")
    if row.get("pk") == pk or (pk is not None and row.get("copy_of") == pk):
        return True
    return original is not None and (row.get("pk") == original or row.get("copy_of") == original)


def rank_related(
    article: dict[str, Any],
    pool: list[Candidate],
    *,
    exclude: Iterable[tuple[str, int]] = (),
    limit: int = RELATED_SIZE,
) -> list[dict[str, Any]]:
    """The pool's rows sharing title words with ``article``, best first (rarer shared words
    weigh more; ties go to the newer row). Copies of the article and ``exclude``d
    ``(source, num)`` keys are left out."""
    terms = title_terms(article.get("title") or "", article.get("lang") or "ar")
    if not terms or not pool:
        return []
    skip = set(exclude) | {(article.get("source"), article.get("num"))}
    df = Counter(term for c in pool for term in c.terms & terms)
    scored = []
    for c in pool:
        shared = c.terms & terms
        if not related_enough(shared) or (c.row["source"], c.row["num"]) in skip:
            continue
        if _same_text(c.row, article):
            continue
        score = sum(math.log(1 + len(pool) / df[term]) for term in shared)
        scored.append((score, c.row["published"], c.row["pk"], c.row))
    scored.sort(key=lambda s: s[:3], reverse=True)
    seen_titles: set[str] = set()
    out = []
    for *_, row in scored:
        title = (row.get("title") or "").strip()
        if title in seen_titles:  # the same headline from two feeds reads as a duplicate
            continue
        seen_titles.add(title)
        out.append(row)
        if len(out) == limit:
            break
    return out


class PoolCache:
    """A bounded, thread-safe LRU of candidate pools (a crawler walking every article of a
    ten-year archive must not grow it without end)."""

    def __init__(self, max_entries: int = POOL_CACHE_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, list[Candidate]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], list[Candidate]]) -> list[Candidate]:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def pool_window(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Articles published from a week before ``day`` to two days after it."""
    start = datetime.combine(day, time(), tzinfo=tz)
    return start - WINDOW_BEFORE, start + timedelta(days=1) + WINDOW_AFTER


def related_rows(
    store: Store,
    cache: PoolCache,
    article: dict[str, Any],
    tz: tzinfo,
    *,
    exclude: Iterable[tuple[str, int]] = (),
    limit: int = RELATED_SIZE,
) -> list[dict[str, Any]]:
    """Related articles of a stored ``article`` row (see the module docstring)."""
    lang = article.get("lang") or "ar"
    section = article.get("section")
    day = article["published"].astimezone(tz).date()

    def compute() -> list[Candidate]:
        since, until = pool_window(day, tz)
        filters = Filters(section=section, lang=lang, since=since, until=until)
        rows, _ = queries.latest_articles(store, filters, limit=POOL_SIZE)
        return make_pool(rows)

    pool = cache.get(("related", section, lang, day), compute)
    return rank_related(article, pool, exclude=exclude, limit=limit)

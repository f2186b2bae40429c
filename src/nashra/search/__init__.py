"""Search of the archive: one analyser (``nashra.text.analyse``) for documents and queries, an
FTS5 index on SQLite and a ``tsvector`` index on PostgreSQL, the same results on both.

Stages: ``query`` (raw text → :class:`Query`, pure) · ``documents`` (article → index terms, pure)
· ``index`` (writes of the index tables) · ``engine`` (candidates from the index, filters, sort,
pagination) · ``ranking`` (the relevance order of the candidates, the same on both backends,
pure) · ``stats`` (how many articles hold a word, remembered a minute) · ``highlight`` (snippets
with the matched words marked, pure) · ``cache`` (first result pages) · ``topics`` (the
articles whose headline has a topic: trending's topic pages, «أخباري») · ``web`` / ``commands``
(the edges) · ``evaluation`` (MRR@10 on the ARCD questions, for the benchmark and the tests).

Names are loaded on first use, so ``nashra.store.store`` can import ``nashra.search.index``
(to index an article in the transaction that saves it) without an import cycle.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "SearchError": "engine",
    "SearchHit": "engine",
    "SearchRequest": "engine",
    "SearchResults": "engine",
    "search": "engine",
    "headline_clause": "topics",
    "index_analysed": "index",
    "index_status": "index",
    "reindex": "index",
    "unindex_article": "index",
    "Query": "query",
    "parse_query": "query",
    "register_region_links": "regions",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nashra.search' has no attribute {name!r}")
    return getattr(import_module(f"nashra.search.{module}"), name)

"""A topic — a term or a name as headlines write it: a trending topic, a topic a reader follows —
as a condition on articles, answered by the search index.

A topic matches the headlines that have its words, together and in order, after the one
analyser (``nashra.text.analyse``): «المغرب» finds «بالمغرب», «والمغرب» and «للمغرب», «انتخابات»
finds «الانتخابات», on SQLite FTS5 and on PostgreSQL alike. The headline alone is searched,
as trending reads headlines: a word met once in a long body does not make an article about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false

from nashra.search.backends import Clause, backend_for
from nashra.search.query import as_phrase
from nashra.store.schema import articles

__all__ = ["headline_clause", "topic_clauses"]


def topic_clauses(label: str) -> list[Clause]:
    """The index terms of one topic, looked for in headlines (none: nothing to look for)."""
    return [(term, "title") for term in as_phrase(label).terms]


def headline_clause(dialect: str, labels: Sequence[str]) -> ColumnElement[Any]:
    """A WHERE clause on ``articles``: the headline has one of the topics ``labels``."""
    clauses = [clause for label in labels for clause in topic_clauses(label)]
    if not clauses:
        return false()
    backend = backend_for(dialect, clauses)
    return articles.c.pk.in_(backend.article_pks(backend.any_term()))

"""One author page per writer, whatever the spelling of the byline (issue 4): the listing's
filters match the author key that enrichment stores (``nashra.enrich.queries.author_clause``).

The enrich feature installs :func:`writer_filters` on the portal when it mounts
(``portal.writer_filters``, read by the author pages and feeds); it also shows an article's
regions and agency (``nashra.enrich.web``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from nashra.enrich.authors import author_key
from nashra.enrich.queries import author_clause
from nashra.store.queries import Filters
from nashra.store.schema import articles
from nashra.store.store import Store


@dataclass
class WriterFilters(Filters):
    """A listing narrowed to one writer: every spelling joined by ``author_key`` (issue 4), so
    «عبد الله» and «عبدالله» land on one page."""

    writer: str = ""

    def clauses(self) -> list[Any]:
        return [*super().clauses(), author_clause(self.writer)]


def writer_filters(store: Store, name: str, **narrowing: Any) -> Filters:
    """The filters of the author page of ``name``. Articles are matched on their author key
    (:func:`nashra.enrich.queries.author_clause`); an archive whose articles have no keys yet
    (saved before enrichment, or a name that is all honorifics) is matched on the exact name,
    as it was before enrichment existed."""
    key = author_key(name)
    if key:
        with store.connect() as conn:
            keyed = conn.execute(select(articles.c.pk).where(author_clause(name)).limit(1)).first()
        if keyed is not None:
            return WriterFilters(writer=name, **narrowing)
    return Filters(author=name, **narrowing)

"""Enrichment on the portal: an article's regions and news agency, and one page per writer
whatever the spelling of the byline.

The labels come from :mod:`nashra.enrich` (``enrichment_for``, ``author_clause``); this module
turns them into what the article page and the author pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from nashra.enrich.authors import agency_name, author_key
from nashra.enrich.queries import author_clause, enrichment_for
from nashra.store.queries import Filters
from nashra.store.schema import articles
from nashra.store.store import Store
from nashra.web.editions import Edition


def region_links(regions: list[dict[str, str]], edition: Edition) -> list[dict[str, str]]:
    """Links to the region pages (``/city/{slug}``), named in the edition's language (Arabic
    names on the Arabic edition, French ones on the Latin-script editions)."""
    key = "name_ar" if edition.code == "ar" else "name_fr"
    return [
        {
            "slug": r["slug"],
            "name": r.get(key) or r["slug"],
            "path": edition.url(f"/city/{r['slug']}"),
        }
        for r in regions
    ]


def article_labels(store: Store, pk: int, edition: Edition) -> dict[str, Any]:
    """What the article page shows of its enrichment: ``regions`` (links) and ``agency`` (the
    agency's name for the edition, "" when none)."""
    found = enrichment_for(store, [pk]).get(pk)
    if not found:
        return {"regions": [], "agency": ""}
    code = found.get("agency") or ""
    return {
        "regions": region_links(found.get("regions") or [], edition),
        "agency": agency_name(code, edition.code) if code else "",
    }


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

"""The seam between search and the regions feature (``nashra.enrich``).

Until articles are linked to regions, a region is found by its name in the text (the search engine
turns it into a required phrase). When the enrich feature stores article→region links it registers
a :data:`RegionLinks` function here, and the ``region`` filter and the region mode use the links
instead of the text, with no change to the search code or its callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select

from nashra.store.schema import articles

__all__ = ["RegionLinks", "region_clause", "register_region_links"]

# region name or slug (as the reader typed it) → a SELECT of article pks in it, or None when the
# name is not a known region (the search then falls back to the text).
RegionLinks = Callable[[str], Select[Any] | None]

_links: list[RegionLinks] = []


def register_region_links(links: RegionLinks | None) -> None:
    """Back the region filter with article→region links (``None`` goes back to text matching)."""
    _links.clear()
    if links is not None:
        _links.append(links)


def region_clause(region: str) -> ColumnElement[bool] | None:
    """A WHERE clause keeping the articles linked to ``region``, or None (use the text)."""
    if not _links or not region.strip():
        return None
    pks = _links[0](region.strip())
    if pks is None:
        return None
    return articles.c.pk.in_(pks)


def gazetteer_links(region: str) -> Select[Any] | None:
    """The built-in links: the gazetteer of ``nashra.enrich`` names the region, and the
    article→region rows that enrichment stores with every article select its articles."""
    from nashra.enrich.queries import region_members
    from nashra.enrich.regions import find_region

    found = find_region(region)
    return None if found is None else region_members(found.slug)


register_region_links(gazetteer_links)

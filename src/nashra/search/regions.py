"""The seam between search and the regions feature (``nashra.enrich``).

Until articles are linked to regions, a region is found by its name in the text (the search engine
turns it into a required phrase). The enrich feature stores article→region links and registers
its :data:`RegionLinks` function here when it is imported (``nashra.enrich``: every process that
stores or serves articles imports it), and the ``region`` filter and the region mode use the links
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

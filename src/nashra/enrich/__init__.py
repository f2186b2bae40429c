"""Enrichment: every article filed under a section, the Moroccan regions it is about, and a
clean author and news agency (issue 8)."""

from nashra.enrich.article import Enrichment, enrich_article
from nashra.enrich.authors import Byline, author_key, clean_byline
from nashra.enrich.regions import RegionMatch, find_region, tag_regions

__all__ = [
    "Byline",
    "Enrichment",
    "RegionMatch",
    "author_key",
    "clean_byline",
    "enrich_article",
    "find_region",
    "tag_regions",
]

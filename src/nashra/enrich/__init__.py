"""Enrichment: every article filed under a section, the Moroccan regions it is about, and a
clean author and news agency (issue 8)."""

from nashra.enrich.article import Enrichment, enrich_article
from nashra.enrich.authors import Byline, author_key, clean_byline
from nashra.enrich.queries import gazetteer_links
from nashra.enrich.regions import RegionMatch, find_region, tag_regions
from nashra.search.regions import register_region_links

# The search's region filter and region mode read the links enrichment stores.
register_region_links(gazetteer_links)

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

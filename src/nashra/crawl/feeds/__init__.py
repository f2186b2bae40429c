"""The feed stage: bytes of an RSS / Atom / RDF / JSON Feed document → ParsedFeed with FeedEntry
records. See :func:`parse_feed`."""

from .parse import DEFAULT_MAX_ENTRIES, parse_feed
from .parsed import ParsedFeed

__all__ = ["DEFAULT_MAX_ENTRIES", "ParsedFeed", "parse_feed"]

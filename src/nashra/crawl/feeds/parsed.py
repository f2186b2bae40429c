"""The feed stage's output record, and the raw per-entry values both parsers hand over.

Why a ``RawEntry``: the fast lxml parser and the feedparser fallback must give the same
``FeedEntry`` for the same feed. Each parser only *collects* raw strings into a ``RawEntry``;
one function (:func:`nashra.crawl.feeds.entry.build_entry`) turns it into a ``FeedEntry``, so
the two paths cannot drift apart in how they clean titles, pick links, images or dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nashra.model import FeedEntry


@dataclass
class ParsedFeed:
    """One feed document, as the feed stage understood it."""

    kind: str  # "rss" | "atom" | "rdf" | "json" | "unknown"
    title: str
    link: str  # the site link
    hub: str | None  # WebSub hub
    self_url: str | None
    entries: list[FeedEntry]
    bozo: bool  # malformed input (still parsed as far as possible)
    bozo_reason: str | None
    # Added beside the agreed API (defaults keep it compatible):
    dropped_entries: int = 0  # entries with neither a link nor a URL-like guid
    parser: str = ""  # "lxml" | "feedparser" | "json" | "" — which path produced it


# Text-construct kinds, as Atom names them. RSS text is "guess": treated as (possibly) HTML.
TEXT = "text"
HTML = "html"
GUESS = "guess"


@dataclass
class RawEntry:
    """Uncleaned values of one entry, straight from the document."""

    links: list[tuple[str, str, str]] = field(default_factory=list)  # (rel, type, href)
    guid: str = ""
    title: str = ""
    title_kind: str = GUESS
    summary: str = ""
    summary_kind: str = GUESS
    content: str = ""  # HTML, or plain text when content_kind == TEXT
    content_kind: str = HTML
    published: str = ""
    updated: str = ""
    published_dt: datetime | None = None  # a parse done elsewhere (feedparser), used last
    updated_dt: datetime | None = None
    author: str = ""
    categories: list[str] = field(default_factory=list)
    enclosures: list[tuple[str, str]] = field(default_factory=list)  # (href, type)
    media_content: list[tuple[str, str, str]] = field(default_factory=list)  # (url, medium, type)
    media_thumbnails: list[str] = field(default_factory=list)
    itunes_image: str = ""
    extra_images: list[str] = field(default_factory=list)  # JSON Feed image / banner_image
    lang: str = ""
    base: str = ""  # URL that relative links of this entry resolve against

"""Records that travel between the stages of the pipeline (crawl → text → store → web)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nashra.video.detect import Video


@dataclass
class FeedEntry:
    """One item of a feed, as the feed stage understood it."""

    url: str
    guid: str | None = None
    title: str = ""
    summary: str = ""  # plain text
    content_html: str = ""  # full content when the feed carries it (content:encoded, JSON Feed)
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    categories: list[str] = field(default_factory=list)
    image_url: str | None = None
    lang: str | None = None
    video: Video | None = None  # an enclosure / media:content of a video type


@dataclass
class ExtractedPage:
    """What the page stage recovered from one article page."""

    title: str = ""
    body_html: str = ""  # sanitised
    body_text: str = ""
    author: str = ""
    published: datetime | None = None
    image_url: str | None = None
    canonical_url: str | None = None
    description: str = ""
    lang: str | None = None
    site_name: str = ""
    categories: list[str] = field(default_factory=list)
    video: Video | None = None  # the page's player, og:video or JSON-LD VideoObject


@dataclass
class Article:
    """An article ready to be stored (natural key: ``source`` + ``url``/``guid``/``num``)."""

    source: str
    url: str
    title: str
    body_html: str = ""
    body_text: str = ""
    summary: str = ""
    guid: str | None = None
    num: int | None = None  # the per-outlet id; None lets the store allocate one
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    lang: str = "ar"
    section: str | None = None
    categories: list[str] = field(default_factory=list)
    image_url: str | None = None
    partial: bool = False
    video: Video | None = None  # a video article's video (nashra.video)
    body_hash: str = ""  # fingerprint of the normalised body, for exact copies

"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1).

Why our own: feedparser 6.0 (the version we depend on) does not read JSON Feed at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .parsed import HTML, TEXT, RawEntry


class NotJsonFeed(ValueError):
    """The bytes are JSON but not a JSON Feed, or not JSON at all."""


@dataclass
class JsonFeed:
    title: str = ""
    link: str = ""
    self_url: str = ""
    hub: str = ""
    entries: Iterator[RawEntry] = field(default_factory=lambda: iter(()))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _author(item: dict[str, Any]) -> str:
    authors = item.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return _str(authors[0].get("name"))
    author = item.get("author")
    return _str(author.get("name")) if isinstance(author, dict) else ""


def parse_json_feed(content: bytes, url: str) -> JsonFeed:
    """Read a JSON Feed; raise ``NotJsonFeed`` when it is not one."""
    try:
        doc = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise NotJsonFeed(f"invalid JSON: {exc}") from None
    if not isinstance(doc, dict) or not _str(doc.get("version")).startswith(
        "https://jsonfeed.org/"
    ):
        raise NotJsonFeed("JSON without a jsonfeed.org version")
    feed = JsonFeed(
        title=_str(doc.get("title")),
        link=_str(doc.get("home_page_url")),
        self_url=_str(doc.get("feed_url")),
    )
    hubs = doc.get("hubs")
    if isinstance(hubs, list):
        feed.hub = next(
            (_str(h.get("url")) for h in hubs if isinstance(h, dict) and h.get("url")), ""
        )
    feed_lang = _str(doc.get("language"))
    feed_author = _author(doc)
    items = doc.get("items")
    feed.entries = _items(items if isinstance(items, list) else [], url, feed_lang, feed_author)
    return feed


def _items(items: list[Any], url: str, feed_lang: str, feed_author: str) -> Iterator[RawEntry]:
    for item in items:
        if not isinstance(item, dict):
            continue
        link = _str(item.get("url")) or _str(item.get("external_url"))
        raw = RawEntry(
            links=[("alternate", "", link)] if link else [],
            guid=_str(item.get("id")) if not isinstance(item.get("id"), int) else str(item["id"]),
            title=_str(item.get("title")),
            title_kind=TEXT,
            summary=_str(item.get("summary")),
            summary_kind=TEXT,
            published=_str(item.get("date_published")),
            updated=_str(item.get("date_modified")),
            author=_author(item) or feed_author,
            lang=_str(item.get("language")) or feed_lang,
            base=url,
        )
        if _str(item.get("content_html")):
            raw.content, raw.content_kind = item["content_html"], HTML
        elif _str(item.get("content_text")):
            raw.content, raw.content_kind = item["content_text"], TEXT
        tags = item.get("tags")
        if isinstance(tags, list):
            raw.categories = [t for t in tags if isinstance(t, str)]
        raw.extra_images = [_str(item.get("image")), _str(item.get("banner_image"))]
        for att in item.get("attachments") or []:
            if isinstance(att, dict):
                raw.enclosures.append((_str(att.get("url")), _str(att.get("mime_type"))))
        yield raw

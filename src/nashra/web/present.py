"""Turning archive rows into what pages, feeds and the API show (pure functions, no I/O)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from nashra.media.logo import logo_url
from nashra.media.paths import SIZES, media_url
from nashra.sections import section_name
from nashra.text import format_date_line, snippet  # the one home of display-text rules
from nashra.web.editions import Edition, article_path

SNIPPET_CHARS = 200


_NAME_ORDER = {"ar": ("ar", "fr", "en"), "fr": ("fr", "en", "ar"), "en": ("en", "fr", "ar")}


def outlet_name(names: dict[str, str | None], lang: str, slug: str) -> str:
    """An outlet's name for an interface language: its own name in that language, else the one
    closest in script (Latin interfaces prefer the French name to the Arabic one), else its slug."""
    for code in _NAME_ORDER.get(lang, _NAME_ORDER["ar"]):
        if names.get(code):
            return names[code]  # type: ignore[return-value]
    return slug


def source_name(row: dict[str, Any], lang: str) -> str:
    """The outlet's name of a listing row (``source_name_*`` columns) in ``lang``."""
    names = {code: row.get(f"source_name_{code}") for code in ("ar", "fr", "en")}
    return outlet_name(names, lang, row["source"])


def source_row_name(source: dict[str, Any], lang: str) -> str:
    """The name of a ``sources`` row (``name_*`` columns) in ``lang``."""
    names = {code: source.get(f"name_{code}") for code in ("ar", "fr", "en")}
    return outlet_name(names, lang, source["slug"])


def scaled_size(width: int, height: int, size: str) -> tuple[int, int]:
    """The pixel size of the re-hosted copy of ``size`` (never enlarged, aspect ratio kept)."""
    target = SIZES[size]
    if width <= 0 or height <= 0:
        return target, round(target * 9 / 16)
    if width <= target:
        return width, height
    return target, max(1, round(height * target / width))


def image_info(row: dict[str, Any], size: str) -> dict[str, Any] | None:
    """The lead image to show, or None when there is none or moderators hid it."""
    sha = row.get("image_sha256")
    if not sha or row.get("image_state") != "visible":
        return None
    width, height = scaled_size(row.get("image_width") or 0, row.get("image_height") or 0, size)
    return {"url": media_url(sha, size), "width": width, "height": height}


def teaser_snippet(row: dict[str, Any], max_chars: int = SNIPPET_CHARS) -> str:
    """A snippet of the summary (or body) that always ends with « (...)» when it was cut."""
    text = row.get("summary") or row.get("body_text") or ""
    if not text.strip():
        return ""
    return snippet(text, max_chars)


def display_title(row: dict[str, Any]) -> str:
    """Never an empty title: an untitled item shows the start of its text instead."""
    title = (row.get("title") or "").strip()
    if title:
        return title
    return snippet(row.get("summary") or row.get("body_text") or "", 90).strip()


def page_path(row: dict[str, Any], edition: Edition) -> str:
    """Where a link to an article goes: inside the reader's edition, else the canonical page."""
    if edition.prefix:
        return edition.url(f"/{row['source']}/{row['num']}")
    return article_path(row["source"], row["num"], row.get("lang"))


def teaser(
    row: dict[str, Any], edition: Edition, tz: tzinfo, *, with_snippet: bool = False
) -> dict[str, Any]:
    """Everything a teaser, a ticker item or a feed item shows of one article."""
    local = row["published"].astimezone(tz)
    item = {
        "pk": row.get("pk"),
        "source": row["source"],
        "num": row["num"],
        "path": page_path(row, edition),
        "url": row["url"],
        "title": display_title(row),
        "lang": row.get("lang") or "ar",
        "source_name": source_name(row, edition.code),
        "source_path": edition.url(f"/{row['source']}"),
        "author": row.get("author") or "",
        "section": row.get("section"),
        "section_name": section_name(row.get("section"), edition.code),
        "published": row["published"],
        # an article changed after it was published says so (feeds' Atom <updated>)
        "updated": max(row["published"], row.get("updated") or row["published"]),
        "local": local,
        "date_line": format_date_line(local),
        "time": local.strftime("%H:%M"),
        "thumb": image_info(row, "thumb"),
        "image": image_info(row, "full"),
        # shown instead of a missing or hidden picture
        "logo_url": logo_url(row["source"]),
    }
    if with_snippet:
        item["snippet"] = teaser_snippet(row)
    return item

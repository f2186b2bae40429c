"""RawEntry → FeedEntry: the one place where entry fields are cleaned and chosen.

Both parser paths call :func:`build_entry`; that is what makes them give identical results.
"""

from __future__ import annotations

import html

from nashra.model import FeedEntry
from nashra.video.detect import video_from_feed

from .dates import parse_feed_date
from .markup import clean_author, construct_to_text, first_img_src, is_http_url, lang_code, resolve
from .parsed import HTML, TEXT, RawEntry

_HTML_TYPES = ("html", "xhtml")


def pick_link(links: list[tuple[str, str, str]]) -> str:
    """The entry's page: the first rel=alternate link of an HTML type, else the first alternate."""
    fallback = ""
    for rel, typ, href in links:
        if not href or (rel or "alternate") != "alternate":
            continue
        if not typ or "html" in typ:
            return href
        fallback = fallback or href
    return fallback


def _image(raw: RawEntry, content_html: str) -> str:
    for href, typ in raw.enclosures:
        if href and typ.lower().startswith("image/"):
            return href
    for url, medium, typ in raw.media_content:
        if not url:
            continue
        medium, typ = medium.lower(), typ.lower()
        if medium == "image" or typ.startswith("image/") or (not medium and not typ):
            return url
    for url in raw.media_thumbnails:
        if url:
            return url
    if raw.itunes_image:
        return raw.itunes_image
    for url in raw.extra_images:
        if url:
            return url
    src = first_img_src(content_html)
    if not src and raw.summary_kind != TEXT:
        src = first_img_src(raw.summary)
    return src


def _dedup(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        v = " ".join(v.split())
        if v and v not in seen:
            seen[v] = None
    return list(seen)


def build_entry(raw: RawEntry) -> FeedEntry | None:
    """Clean one entry; ``None`` when it has neither a link nor a guid that is a URL."""
    base = raw.base
    link = pick_link(raw.links)
    guid = raw.guid.strip()
    if link:
        url = resolve(base, link)
    elif guid and is_http_url(guid):
        url = guid
    else:
        return None
    if raw.content_kind == HTML:
        content_html = raw.content.strip()
    elif raw.content_kind == TEXT and raw.content.strip():
        content_html = "<p>" + html.escape(raw.content.strip(), quote=False) + "</p>"
    else:
        content_html = ""
    summary = construct_to_text(raw.summary, raw.summary_kind)
    if not summary and raw.content:
        summary = construct_to_text(raw.content, raw.content_kind)
    published = parse_feed_date(raw.published) or raw.published_dt
    updated = parse_feed_date(raw.updated) or raw.updated_dt
    image = _image(raw, content_html)
    return FeedEntry(
        url=url,
        guid=guid or None,
        title=construct_to_text(raw.title, raw.title_kind),
        summary=summary,
        content_html=content_html,
        published=published or updated,
        updated=updated,
        author=clean_author(raw.author),
        categories=_dedup(raw.categories),
        image_url=resolve(base, image) if image else None,
        lang=lang_code(raw.lang),
        video=video_from_feed(raw.enclosures, raw.media_content, base),
    )

"""Joining what the feed said and what the page said into one Article (a pure function)."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from urllib.parse import urlsplit

from nashra.crawl.sanitize import html_to_text, sanitize_html
from nashra.model import Article, ExtractedPage, FeedEntry
from nashra.sections import SECTIONS
from nashra.sources.adapters import Adapter, adapter_for
from nashra.sources.registry import Source
from nashra.text import canonical_url, detect_lang, fingerprint_normal, normalize, numeric_id
from nashra.text.display import strip_bidi_controls
from nashra.text.urls import strip_userinfo


def section_for(source: Source, categories: list[str], url: str) -> str | None:
    """The outlet's own labels (feed categories, then URL path segments) mapped to our sections."""
    mapping = {k.strip().lower(): v for k, v in source.categories.items()}
    for label in categories:
        section = mapping.get(label.strip().lower())
        if section in SECTIONS:
            return section
    for segment in urlsplit(url).path.lower().split("/"):
        section = mapping.get(segment)
        if section in SECTIONS:
            return section
    return source.default_section if source.default_section in SECTIONS else None


def extraction_failed(body_text: str, summary_text: str) -> bool:
    """True when the page gave less than the feed: no body, or a body shorter than the feed's
    summary (a paywall stub, a "read it in the app" page, a page of boilerplate). Word overlap
    is no test: many outlets' summaries are a standfirst written apart from the body."""
    return not body_text or len(body_text) < len(summary_text)


def _summary_html(entry: FeedEntry) -> str:
    paragraphs = [p.strip() for p in entry.summary.split("\n") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def build_article(
    source: Source,
    entry: FeedEntry,
    page: ExtractedPage | None,
    *,
    adapter: Adapter | None = None,
    now: datetime | None = None,
) -> Article:
    """The article to store for one feed entry and its extracted page (``page`` None: not fetched).

    The longest trustworthy body wins: the page's extraction, else the feed's full content, else
    its summary — and an article that only has the summary is marked partial.
    """
    adapter = adapter or adapter_for(source.slug)
    page = page or ExtractedPage()
    url = canonical_url(entry.url)
    body_html, body_text, partial = page.body_html, page.body_text, False
    feed_html = sanitize_html(entry.content_html) if entry.content_html else ""
    feed_text = html_to_text(feed_html) if feed_html else ""
    if len(feed_text) > len(body_text):
        body_html, body_text = feed_html, feed_text
    summary_text = entry.summary.strip() or page.description
    if extraction_failed(body_text, summary_text):
        partial = True
        if summary_text:
            body_text = summary_text
            body_html = _summary_html(entry) or f"<p>{html.escape(summary_text)}</p>"
    title = strip_bidi_controls(entry.title.strip() or page.title or summary_text[:120]).strip()
    lang = source.lang or page.lang or detect_lang(title + " " + body_text)
    if page.lang in {"ar", "fr", "en"} and page.lang != source.lang and len(body_text) > 200:
        lang = detect_lang(body_text, default=source.lang)
    categories = list(dict.fromkeys(entry.categories + page.categories))
    normal_body = normalize(body_text, lang)
    return Article(
        source=source.slug,
        url=url,
        guid=entry.guid or None,
        num=numeric_id(url, source.id_pattern or adapter.id_pattern),
        title=title,
        summary=summary_text,
        body_html=body_html,
        body_text=body_text,
        published=entry.published or page.published or now or datetime.now(UTC),
        updated=entry.updated,
        author=entry.author.strip() or page.author,
        lang=lang,
        section=section_for(source, categories, url),
        categories=categories,
        image_url=strip_userinfo(page.image_url or entry.image_url or "") or None,
        partial=partial,
        norm_text=f"{normalize(title, lang)}\n{normal_body}",
        body_hash=fingerprint_normal(normal_body),
    )

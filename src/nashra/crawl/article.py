"""Joining what the feed said and what the page said into one Article (a pure function)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from nashra.crawl.sanitize import html_to_text, sanitize_html
from nashra.model import Article, ExtractedPage, FeedEntry
from nashra.sources.adapters import Adapter, adapter_for
from nashra.sources.registry import Source
from nashra.text import canonical_url, detect_lang, numeric_id
from nashra.text.display import strip_bidi_controls
from nashra.text.urls import strip_userinfo
from nashra.video.detect import choose_video


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
    its summary — and an article that only has the summary is marked partial, unless it is a
    video article (a video with a short caption is complete).
    """
    adapter = adapter or adapter_for(source)
    page = page or ExtractedPage()
    url = canonical_url(entry.url)
    body_html, body_text, partial = page.body_html, page.body_text, False
    feed_html = sanitize_html(entry.content_html) if entry.content_html else ""
    feed_text = html_to_text(feed_html) if feed_html else ""
    if len(feed_text) > len(body_text) or (adapter.feed_content and feed_text):
        body_html, body_text = feed_html, feed_text
    summary_text = entry.summary.strip() or page.description
    video = choose_video(page.video, entry.video, url)
    if extraction_failed(body_text, summary_text):
        partial = video is None
        if summary_text:
            body_text = summary_text
            body_html = _summary_html(entry) or f"<p>{html.escape(summary_text)}</p>"
    # A rule the operator wrote for the page wins over the feed; the feed wins over guesses.
    ruled = adapter.title_xpath and page.title
    title = page.title if ruled else entry.title.strip() or page.title or summary_text[:120]
    title = strip_bidi_controls(title).strip()
    lang = source.lang or page.lang or detect_lang(title + " " + body_text)
    if page.lang in {"ar", "fr", "en"} and page.lang != source.lang and len(body_text) > 200:
        lang = detect_lang(body_text, default=source.lang)
    categories = list(dict.fromkeys(entry.categories + page.categories))
    return Article(
        source=source.slug,
        url=url,
        guid=entry.guid or None,
        num=numeric_id(url, source.id_pattern or adapter.id_pattern),
        title=title,
        summary=summary_text,
        body_html=body_html,
        body_text=body_text,
        published=(page.published if adapter.date_xpath and page.published else None)
        or entry.published
        or page.published
        or now
        or datetime.now(UTC),
        updated=entry.updated,
        author=(page.author if adapter.author_xpath and page.author else "")
        or entry.author.strip()
        or page.author,
        lang=lang,
        categories=categories,
        image_url=strip_userinfo(
            page.image_url or entry.image_url or (video.poster_url if video else "")
        )
        or None,
        partial=partial,
        video=video,
    )

"""Feeds of the demo outlets: RSS 2.0 (several dialects), Atom 1.0 and JSON Feed 1.1.

``plan_feeds`` decides which feed documents an outlet publishes (per section and paginated, per
day, or one) so that every article is in at least one feed and no feed is long; ``render_feed``
writes one document. The crawler reads exactly the feeds listed in the registry entries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape as html_escape
from xml.sax.saxutils import escape, quoteattr

from nashra.demo.corpus import DemoArticle
from nashra.demo.outlets import Outlet

CONTENT_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}

# Where an outlet's feeds live on its site: (path for a section, query key for pages).
_SECTION_FEEDS: dict[str, tuple[str, str]] = {
    "skynewsarabia": ("/rss/{segment}.xml", "page"),
    "alarabiya": ("/feed/{segment}/", "paged"),
    "bbcarabic": ("/arabic/{segment}/atom.xml", "page"),
    "france24ar": ("/ar/feed/{segment}.json", "page"),
}
_DAY_FEEDS: dict[str, str] = {"cnnarabic": "/rss/archive/{day}.xml"}
_SINGLE_FEEDS: dict[str, str] = {
    "hespress": "/feed/",
    "lemonde": "/rss/une.xml",
    "lefigaro": "/rss/figaro_actualites.xml",
    "lesechos": "/rss/rss_une.xml",
    "euronews-fr": "/rss",
}


@dataclass
class FeedPage:
    """One feed document: where it lives on the outlet's site and which articles it lists."""

    source: str
    path: str  # on the outlet's site, e.g. "/rss/world.xml"
    query: str  # "" or e.g. "page=2"
    title: str
    articles: list[DemoArticle]  # newest first
    next_target: str | None = None  # the next page's path?query, for rel="next" / next_url

    @property
    def target(self) -> str:
        """Path and query, as in a request line."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def updated(self) -> datetime:
        """The newest item's date (what Last-Modified says)."""
        if not self.articles:
            return datetime(2018, 3, 1, tzinfo=UTC)
        return max(a.published for a in self.articles)


def _newest_first(items: list[DemoArticle]) -> list[DemoArticle]:
    return sorted(items, key=lambda a: (a.published, a.key), reverse=True)


def plan_feeds(outlet: Outlet, articles: list[DemoArticle]) -> list[FeedPage]:
    """Every feed document of ``outlet``; together they list each of its articles."""
    name = outlet.name(outlet.lang)
    if outlet.feed_split == "single":
        path = _SINGLE_FEEDS.get(outlet.slug, "/feed/")
        return [FeedPage(outlet.slug, path, "", name, _newest_first(articles))]
    if outlet.feed_split == "day":
        by_day: dict[str, list[DemoArticle]] = defaultdict(list)
        for a in articles:
            by_day[f"{a.published:%Y-%m-%d}"].append(a)
        template = _DAY_FEEDS.get(outlet.slug, "/rss/archive/{day}.xml")
        return [
            FeedPage(
                outlet.slug, template.format(day=day), "", f"{name} - {day}", _newest_first(items)
            )
            for day, items in sorted(by_day.items())
        ]
    template, page_key = _SECTION_FEEDS.get(outlet.slug, ("/feed/{segment}.xml", "page"))
    by_segment: dict[str, list[DemoArticle]] = defaultdict(list)
    labels: dict[str, str] = {}
    for a in articles:
        segment, label = outlet.categories[a.category]
        by_segment[segment].append(a)
        labels[segment] = label
    pages: list[FeedPage] = []
    for segment in sorted(by_segment):
        items = _newest_first(by_segment[segment])
        path = template.format(segment=segment)
        chunks = [items[i : i + outlet.page_size] for i in range(0, len(items), outlet.page_size)]
        section_pages = [
            FeedPage(
                outlet.slug,
                path,
                "" if n == 0 else f"{page_key}={n + 1}",
                f"{name} - {labels[segment]}",
                chunk,
            )
            for n, chunk in enumerate(chunks)
        ]
        for page, following in zip(section_pages, section_pages[1:], strict=False):
            page.next_target = following.target
        pages.extend(section_pages)
    return pages


Urls = Callable[[DemoArticle], str]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _rss(outlet: Outlet, page: FeedPage, site: str, url_of: Urls, image_of: Urls) -> str:
    wordpress = outlet.slug in ("alarabiya", "hespress")
    media = outlet.slug not in ("alarabiya", "cnnarabic")

    def text(value: str) -> str:
        return _cdata(value) if wordpress else escape(value)

    items = []
    for a in page.articles:
        url = url_of(a)
        label = outlet.categories.get(a.category, ("", ""))[1]
        guid = (
            f'<guid isPermaLink="false">{a.num}</guid>'
            if outlet.slug == "skynewsarabia" and a.num
            else f'<guid isPermaLink="true">{escape(url)}</guid>'
        )
        parts = [
            f"<title>{text(a.title)}</title>",
            f"<link>{escape(url)}</link>",
            guid,
            f"<pubDate>{escape(a.pubdate)}</pubDate>",
            f"<category>{text(label)}</category>",
            f"<description>{text(a.summary)}</description>",
        ]
        if a.author:
            parts.append(f"<dc:creator>{text(a.author)}</dc:creator>")
        if outlet.slug == "hespress":
            body = "".join(f"<{t}>{html_escape(s, quote=False)}</{t}>" for t, s in a.blocks)
            parts.append(f"<content:encoded>{_cdata(body)}</content:encoded>")
        mime = (
            "image/svg+xml"
            if a.image.endswith(".svg")
            else "image/png"
            if a.image.endswith(".png")
            else "image/jpeg"
        )
        if media:
            parts.append(
                f'<media:content url={quoteattr(image_of(a))} medium="image" type="{mime}" width="640" height="360"/>'
            )
        else:
            parts.append(f'<enclosure url={quoteattr(image_of(a))} length="0" type="{mime}"/>')
        items.append("<item>" + "".join(parts) + "</item>\n")
    updated = format_datetime(page.updated)
    extra = (
        "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>\n"
        if wordpress
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="{outlet.encoding}"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">\n<channel>\n'
        f"<title>{escape(page.title)}</title>\n<link>{escape(site)}/</link>\n"
        f'<atom:link href={quoteattr(site + page.target)} rel="self" type="application/rss+xml"/>\n'
        f"<description>{escape(outlet.name(outlet.lang))}</description>\n"
        f"<language>{outlet.lang}</language>\n<lastBuildDate>{updated}</lastBuildDate>\n{extra}"
        + "".join(items)
        + "</channel>\n</rss>\n"
    )


def _atom(outlet: Outlet, page: FeedPage, site: str, url_of: Urls, image_of: Urls) -> str:
    entries = []
    for a in page.articles:
        url = url_of(a)
        segment, label = outlet.categories.get(a.category, ("", ""))
        author = f"<author><name>{escape(a.author)}</name></author>" if a.author else ""
        mime = (
            "image/svg+xml"
            if a.image.endswith(".svg")
            else "image/png"
            if a.image.endswith(".png")
            else "image/jpeg"
        )
        entries.append(
            "<entry>"
            f"<id>tag:{outlet.slug}.demo,2018:{escape(a.key)}</id>"
            f'<title type="text">{escape(a.title)}</title>'
            f'<link rel="alternate" type="text/html" href={quoteattr(url)}/>'
            f'<link rel="enclosure" type="{mime}" href={quoteattr(image_of(a))}/>'
            f"<published>{a.published.isoformat()}</published><updated>{a.published.isoformat()}</updated>"
            f'<summary type="text">{escape(a.summary)}</summary>{author}'
            f"<category term={quoteattr(segment)} label={quoteattr(label)}/>"
            "</entry>\n"
        )
    nxt = (
        f'<link rel="next" href={quoteattr(site + page.next_target)}/>\n'
        if page.next_target
        else ""
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.lang}">\n'
        f"<id>tag:{outlet.slug}.demo,2018:{escape(page.target)}</id>\n"
        f"<title>{escape(page.title)}</title>\n<updated>{page.updated.isoformat()}</updated>\n"
        f'<link rel="self" type="application/atom+xml" href={quoteattr(site + page.target)}/>\n'
        f'<link rel="alternate" type="text/html" href={quoteattr(site + "/")}/>\n{nxt}'
        + "".join(entries)
        + "</feed>\n"
    )


def _json_feed(outlet: Outlet, page: FeedPage, site: str, url_of: Urls, image_of: Urls) -> str:
    items = []
    for a in page.articles:
        item: dict[str, object] = {
            "id": a.key,
            "url": url_of(a),
            "title": a.title,
            "summary": a.summary,
            "image": image_of(a),
            "date_published": a.published.isoformat(),
            "tags": [outlet.categories.get(a.category, ("", ""))[1]],
            "language": a.lang,
        }
        if a.author:
            item["authors"] = [{"name": a.author}]
        items.append(item)
    doc: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": page.title,
        "home_page_url": site + "/",
        "feed_url": site + page.target,
        "language": outlet.lang,
        "items": items,
    }
    if page.next_target:
        doc["next_url"] = site + page.next_target
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def render_feed(outlet: Outlet, page: FeedPage, site: str, url_of: Urls, image_of: Urls) -> bytes:
    """One feed document as bytes in the outlet's encoding (``site``: outlet URL, no slash)."""
    render = {"rss": _rss, "atom": _atom, "json": _json_feed}[outlet.feed_format]
    text = render(outlet, page, site, url_of, image_of)
    return text.encode(outlet.encoding, "xmlcharrefreplace")

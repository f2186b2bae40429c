"""``DemoSites``: every demo outlet's website behind one request handler, and their ground truth.

All outlets are served by one server under a path prefix each
(``http://127.0.0.1:PORT/bbcarabic/arabic/world-43193332``). The corpus is parsed once at
construction; pages, feeds and pictures are rendered on request and kept in a small LRU cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from nashra.demo import images
from nashra.demo.cases import (
    HTML_AS_JPEG,
    IMAGE_CASES,
    PAGE_CASES,
    PNG_BOMB,
    SHARED_PICTURE,
    SVG_SCRIPT,
    TRUNCATED_JPEG,
    place_cases,
)
from nashra.demo.corpus import (
    MIN_LIMIT,
    DemoArticle,
    ant_article,
    french_articles,
    hespress_articles,
    image_path,
    load_ant_rows,
    select_ant,
)
from nashra.demo.dates import visible_date
from nashra.demo.feeds import CONTENT_TYPES, FeedPage, plan_feeds, render_feed
from nashra.demo.outlets import OUTLETS, Outlet
from nashra.demo.pages import (
    PageContext,
    render_article,
    render_index,
    render_listing,
    render_not_found,
)
from nashra.demo.responses import Resource, Response, finish, reason
from nashra.demo.server import DemoServer
from nashra.sources.registry import Source, default_registry

__all__ = ["DemoServer", "DemoSites", "url_path"]

ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"
# The shared picture: size and JPEG quality of its copy in each outlet.
_SHARED_VARIANTS = {"skynewsarabia": ((640, 360), 88), "bbcarabic": ((480, 270), 55)}
_CACHE_SIZE = 512
_EPOCH = datetime(2018, 3, 1, tzinfo=UTC)

# Outlets whose feeds write links as raw IRIs (Arabic letters unescaped), as WordPress feeds do.
IRI_FEED_LINKS = frozenset({"alarabiya"})


def url_path(source: str, path: str) -> str:
    """The percent-encoded path of an outlet's page on the demo server."""
    return "/" + source + quote(path, safe="/-_.~")


class DemoSites:
    """The demo outlets' websites (pages, feeds, pictures) and what a crawl must recover from them."""

    def __init__(self, limit: int = 2000, seed: int = 0) -> None:
        if limit < MIN_LIMIT:
            raise ValueError(f"limit must be at least {MIN_LIMIT} (got {limit})")
        self.limit = limit
        self.seed = seed
        chosen = [ant_article(row) for row in select_ant(load_ant_rows(), limit, seed)]
        grouped: dict[str, list[DemoArticle]] = defaultdict(list)
        for article in [*chosen, *hespress_articles(), *french_articles()]:
            grouped[article.source].append(article)
        for items in grouped.values():
            items.sort(key=lambda a: (a.published, a.key))
        grouped = place_cases(_unique_paths(grouped))
        self._outlets: list[Outlet] = [o for o in OUTLETS.values() if grouped.get(o.slug)]
        self._articles: dict[str, list[DemoArticle]] = {
            o.slug: grouped[o.slug] for o in self._outlets
        }
        self._by_path: dict[tuple[str, str], DemoArticle] = {}
        self._images: dict[tuple[str, str], DemoArticle] = {}
        self._index: dict[str, int] = {}
        self._by_category: dict[tuple[str, str], list[DemoArticle]] = defaultdict(list)
        for slug, items in self._articles.items():
            for i, a in enumerate(items):
                self._by_path[(slug, a.path)] = a
                self._images[(slug, a.image)] = a
                self._index[a.key] = i
                self._by_category[(slug, a.category)].append(a)
        self._feeds: dict[str, list[FeedPage]] = {
            o.slug: plan_feeds(o, self._articles[o.slug]) for o in self._outlets
        }
        self._feed_by_target: dict[tuple[str, str], FeedPage] = {
            (slug, page.target): page for slug, pages in self._feeds.items() for page in pages
        }
        self._cache: OrderedDict[tuple[str, ...], Resource] = OrderedDict()
        self._lock = threading.Lock()

    # ---- ground truth -------------------------------------------------------------------------

    def outlets(self) -> list[Outlet]:
        """The demo outlets, in a stable order."""
        return list(self._outlets)

    def articles(self, source: str | None = None) -> list[DemoArticle]:
        """The demo's articles (of one outlet when ``source`` is given), oldest first per outlet."""
        if source is not None:
            return list(self._articles.get(source, []))
        return [a for slug in self._articles for a in self._articles[slug]]

    def article_count(self) -> int:
        """How many articles the demo outlets publish in all."""
        return sum(len(items) for items in self._articles.values())

    def expected(self, article: DemoArticle) -> dict[str, Any]:
        """What a crawl must recover for ``article`` (see ``expected_articles``)."""
        outlet = OUTLETS[article.source]
        return {
            "source": article.source,
            "key": article.key,
            "path": "/" + article.source + article.path,  # unicode, with the outlet prefix
            "url_path": url_path(article.source, article.path),  # percent-encoded: base_url + this
            "title": article.title,
            "paragraphs": article.paragraphs if article.page_mode != "paywall" else [],
            "headings": [text for tag, text in article.blocks if tag != "p"],
            "published": article.published,
            "author": article.author,
            "lang": article.lang,
            "summary": article.summary,
            "section": outlet.section_of(article.category),
            "category": outlet.categories[article.category][1],
            "num": article.num,
            "image_path": url_path(article.source, article.image),
            "image_kind": article.image_kind,
            "partial": article.page_mode == "paywall",
            "cases": list(article.cases),
        }

    def expected_articles(self) -> list[dict[str, Any]]:
        """The ground truth of every article: source, url path, title, paragraphs, date, author..."""
        return [self.expected(a) for a in self.articles()]

    def special_cases(self) -> dict[str, list[dict[str, Any]]]:
        """Page cases (``cases.PAYWALL``, ``WIRE_COPY``, ``BROKEN_HTML``) → the articles carrying them."""
        return self._by_case(PAGE_CASES)

    def hostile_images(self) -> dict[str, list[dict[str, Any]]]:
        """Image cases (``cases.TRUNCATED_JPEG``, ``HTML_AS_JPEG``, ``SVG_SCRIPT``, ``PNG_BOMB``,
        ``SHARED_PICTURE``) → the articles whose lead image is that case (two for the shared one)."""
        return self._by_case(IMAGE_CASES)

    def _by_case(self, names: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for a in self.articles():
            for case in a.cases:
                if case in out:
                    out[case].append(self.expected(a))
        return out

    def feed_targets(self, source: str) -> list[str]:
        """Path and query of each feed of ``source`` on the demo server."""
        return [
            url_path(source, page.path) + (f"?{page.query}" if page.query else "")
            for page in self._feeds[source]
        ]

    def feed_pages(self, source: str) -> list[FeedPage]:
        """The feed documents of ``source`` with the articles each lists."""
        return list(self._feeds[source])

    def sources(self, base_url: str) -> list[Source]:
        """Registry entries for every demo outlet, with all its feed URLs, under ``base_url``."""
        base = base_url.rstrip("/")
        known = default_registry()  # the demo outlets read with the real outlets' rules
        out = []
        for o in self._outlets:
            real = known.get(o.slug)
            out.append(
                Source(
                    slug=o.slug,
                    name_ar=o.name_ar,
                    name_fr=o.name_fr,
                    name_en=o.name_en,
                    site_url=f"{base}/{o.slug}/",
                    feeds=[base + target for target in self.feed_targets(o.slug)],
                    lang=o.lang,
                    default_section=o.default_section,
                    id_pattern=o.id_pattern,
                    categories=o.categories_mapping(),
                    extract=real.extract if real else None,
                )
            )
        return out

    # ---- HTTP ---------------------------------------------------------------------------------

    def respond(
        self, method: str, target: str, headers: Mapping[str, str], base_url: str
    ) -> Response:
        """Answer one request. ``target``: the request line's path and query (percent-encoded);
        ``headers``: lower-case names; ``base_url``: the server's own URL, used in links."""
        if method not in ("GET", "HEAD"):
            body = b"method not allowed\n"
            return Response(
                405,
                [
                    ("Allow", "GET, HEAD"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
                body,
            )
        raw_path, _, query = target.partition("?")
        path = unquote(raw_path, errors="replace")
        res = self._route(path, query, base_url.rstrip("/"))
        return finish(res, method, headers)

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """The same sites as a WSGI application (for wsgiref or any WSGI server)."""
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if not raw:
            path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
            raw = quote(path, safe="/-_.~%") + (
                f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""
            )
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        base = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'localhost')}"
        res = self.respond(environ.get("REQUEST_METHOD", "GET"), raw, headers, base)
        start_response(f"{res.status} {reason(res.status)}", res.headers)
        return [res.body]

    def _cached(self, key: tuple[str, ...], make: Callable[[], Resource]) -> Resource:
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        res = make()
        with self._lock:
            self._cache[key] = res
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return res

    def _route(self, path: str, query: str, base: str) -> Resource:
        if path == "/":
            return self._cached((base, "index"), lambda: self._index_page(base))
        if path == "/robots.txt":
            return Resource(ROBOTS_TXT, "text/plain; charset=utf-8", _EPOCH)
        if path.startswith("/private/"):
            body = b"<!DOCTYPE html><html><body><h1>private</h1><p>Crawlers must not be here.</p></body></html>"
            return Resource(body, "text/html; charset=utf-8", _EPOCH)
        slug, sep, rest = path[1:].partition("/")
        outlet = OUTLETS.get(slug)
        if outlet is None or slug not in self._articles:
            return self._not_found(path)
        rest = "/" + rest if sep else "/"
        site = f"{base}/{slug}"
        target = f"{rest}?{query}" if query else rest
        feed = self._feed_by_target.get((slug, target))
        if feed is not None:
            return self._cached(
                (base, "feed", slug, target), lambda: self._feed(outlet, feed, site)
            )
        article = self._by_path.get((slug, rest))
        if article is not None:
            return self._cached(
                (base, "page", slug, rest), lambda: self._page(outlet, article, site)
            )
        if rest == "/logo.png":
            return Resource(
                images.logo_png(outlet.initials, outlet.colour), "image/png", _EPOCH, False
            )
        pictured = self._images.get((slug, rest))
        if pictured is not None:
            return self._image(outlet, pictured)
        if rest == "/":
            return self._cached((base, "home", slug), lambda: self._listing(outlet, site, None))
        segment = rest.strip("/")
        if any(seg == segment for seg, _ in outlet.categories.values()):
            return self._cached(
                (base, "section", slug, segment), lambda: self._listing(outlet, site, segment)
            )
        return self._not_found(path)

    def _not_found(self, path: str) -> Resource:
        return Resource(render_not_found(path).encode(), "text/html; charset=utf-8", status=404)

    def _index_page(self, base: str) -> Resource:
        rows = [(o, f"{base}/{o.slug}/", len(self._articles[o.slug])) for o in self._outlets]
        newest = max(a.published for a in self.articles())
        return Resource(render_index(rows).encode(), "text/html; charset=utf-8", newest)

    def _href(self, site: str, a: DemoArticle) -> str:
        return site + quote(a.path, safe="/-_.~")

    def _image_href(self, site: str, a: DemoArticle) -> str:
        return site + quote(a.image, safe="/-_.~")

    def _feed(self, outlet: Outlet, page: FeedPage, site: str) -> Resource:
        if outlet.slug in IRI_FEED_LINKS:

            def url_of(a: DemoArticle) -> str:
                return site + a.path
        else:

            def url_of(a: DemoArticle) -> str:
                return self._href(site, a)

        body = render_feed(outlet, page, site, url_of, lambda a: self._image_href(site, a))
        ctype = f"{CONTENT_TYPES[outlet.feed_format]}; charset={outlet.encoding}"
        return Resource(body, ctype, page.updated)

    def _context(self, outlet: Outlet, site: str, article: DemoArticle | None) -> PageContext:
        items = self._articles[outlet.slug]
        nav, seen = [], set()
        for segment, label in outlet.categories.values():
            if segment not in seen:
                seen.add(segment)
                nav.append((label, f"{site}/{segment}/"))
        ticker: list[DemoArticle] = []
        related: list[DemoArticle] = []
        if article is not None:
            i = self._index[article.key]
            ticker = [a for a in items[max(0, i - 12) : i + 1] if a is not article][::-1]
            if len(ticker) < 6:
                ticker += [a for a in items[i + 1 : i + 1 + 6 - len(ticker)]]
            if not ticker:  # a one-article outlet shows the other outlets of its language
                ticker = [
                    a for a in self.articles() if a.lang == article.lang and a.source != outlet.slug
                ][-8:]
            same = self._by_category[(outlet.slug, article.category)]
            j = next((k for k, a in enumerate(same) if a is article), 0)
            related = [a for a in same[max(0, j - 2) : j + 3] if a is not article][:4]
        first = self._feeds[outlet.slug][0]
        return PageContext(
            base=site,
            nav=nav,
            ticker=[(a.title, self._link(a, site)) for a in ticker],
            related=[(a.title, self._link(a, site)) for a in related],
            feed_href=site + quote(first.path, safe="/-_.~"),
            feed_type=CONTENT_TYPES[outlet.feed_format],
            image_href=self._image_href(site, article) if article is not None else "",
            logo_href=f"{site}/logo.png",
        )

    def _link(self, a: DemoArticle, site: str) -> str:
        if site.endswith("/" + a.source):
            return self._href(site, a)
        return self._href(site.rsplit("/", 1)[0] + "/" + a.source, a)

    def _page(self, outlet: Outlet, article: DemoArticle, site: str) -> Resource:
        ctx = self._context(outlet, site, article)
        html = render_article(outlet, article, self._href(site, article), ctx)
        body = html.encode(outlet.encoding, "xmlcharrefreplace")
        return Resource(body, f"text/html; charset={outlet.encoding}", article.published)

    def _listing(self, outlet: Outlet, site: str, segment: str | None) -> Resource:
        items = self._articles[outlet.slug]
        if segment is not None:
            items = [a for a in items if outlet.categories[a.category][0] == segment]
        latest = sorted(items, key=lambda a: a.published, reverse=True)[:60]
        rows = [
            (a.title, self._href(site, a), visible_date(a.published, outlet.date_style))
            for a in latest
        ]
        label = next((lab for seg, lab in outlet.categories.values() if seg == segment), "")
        title = outlet.name(outlet.lang) + (f" - {label}" if label else "")
        html = render_listing(outlet, title, rows, self._context(outlet, site, None))
        newest = latest[0].published if latest else _EPOCH
        return Resource(
            html.encode(outlet.encoding, "xmlcharrefreplace"),
            f"text/html; charset={outlet.encoding}",
            newest,
        )

    def _image(self, outlet: Outlet, a: DemoArticle) -> Resource:
        kind = a.image_kind
        when = a.published
        if kind == TRUNCATED_JPEG:
            return Resource(
                images.truncated_jpeg(a.key, outlet.initials, outlet.colour),
                "image/jpeg",
                when,
                False,
            )
        if kind == HTML_AS_JPEG:
            return Resource(images.html_error_page(), "image/jpeg", when, False)
        if kind == SVG_SCRIPT:
            return Resource(images.svg_with_script(), "image/svg+xml", when)
        if kind == PNG_BOMB:
            return Resource(images.png_bomb(), "image/png", when, False)
        if kind == SHARED_PICTURE:
            size, quality = _SHARED_VARIANTS.get(outlet.slug, (images.LEAD_SIZE, 85))
            data = images.lead_jpeg("shared-picture", "", (90, 90, 90), size, quality)
            return Resource(data, "image/jpeg", when, False)
        return Resource(
            images.lead_jpeg(a.key, outlet.initials, outlet.colour), "image/jpeg", when, False
        )


def _unique_paths(grouped: dict[str, list[DemoArticle]]) -> dict[str, list[DemoArticle]]:
    """Give a ``-2``, ``-3``... suffix to an article whose path another of its outlet already has."""
    out: dict[str, list[DemoArticle]] = {}
    for slug, items in grouped.items():
        seen: set[str] = set()
        fixed = []
        for a in items:
            path, n = a.path, 1
            while path in seen:
                n += 1
                path = f"{a.path}-{n}"
            seen.add(path)
            fixed.append(
                a
                if path == a.path
                else replace(a, path=path, image=image_path(slug, path, a.published))
            )
        out[slug] = fixed
    return out

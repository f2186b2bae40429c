"""Machine-readable outputs of the portal: RSS 2.0 and Atom 1.0 feeds, the embeddable news box
(widget), sitemaps and robots.txt. Feeds link to the portal's own article pages, name the outlet
as creator and carry the re-hosted lead image as enclosure."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from lxml import etree
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from nashra.media.paths import media_path
from nashra.sections import SECTIONS, section_name
from nashra.store import queries
from nashra.store.queries import Filters
from nashra.web.cache import PAGE_CACHE_CONTROL
from nashra.web.editions import Edition, article_path
from nashra.web.i18n import translations
from nashra.web.pages import author_name
from nashra.web.portal import Portal
from nashra.web.present import source_row_name

FEED_SIZE = 30
WIDGET_SIZE = 10
SITEMAP_MAX = 50_000
ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/F):
# an archive row may carry one (a feed's stray \x0b), and lxml refuses to serialise it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str | None) -> str:
    """``value`` without the characters XML cannot carry (a feed must never fail on one)."""
    return _NOT_XML.sub(" ", value or "")


def item_id(base: str, item: dict[str, Any]) -> str:
    """The permanent id of an article in every feed (RSS guid, Atom id): its canonical page,
    whichever edition's feed lists it, so a reader following two editions sees it once."""
    return base + article_path(item["source"], item["num"], item["lang"])


def base_url(portal: Portal, request: Request) -> str:
    """Absolute URLs use the configured public address, else the one the request came to."""
    return (portal.settings.base_url or str(request.base_url)).rstrip("/")


def self_url(portal: Portal, request: Request) -> str:
    """The feed's own absolute URL (atom:link rel=self), percent-encoded as a URI."""
    return base_url(portal, request) + quote(request.url.path, safe="/+")


def _xml_response(root: etree._Element, media_type: str) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return Response(body, media_type=media_type, headers={"Cache-Control": PAGE_CACHE_CONTROL})


# ------------------------------------------------------------------------------------- scopes


def _scope(
    portal: Portal, request: Request, edition: Edition, kind: str
) -> tuple[Filters, str, str]:
    """The filters, page path and title of a feed's scope (home, outlet, section, author)."""
    _ = translations(edition.code).gettext
    site = _("Nashra")
    if kind == "home":
        return Filters(lang=edition.content_lang), edition.url("/"), site
    if kind == "outlet":
        slug = request.path_params["source"]
        source = queries.get_source(portal.store, slug)
        if source is None:
            raise HTTPException(404)
        name = source_row_name(source, edition.code)
        return Filters(source=slug), edition.url(f"/{slug}"), f"{site} — {name}"
    if kind == "video":
        filters = Filters(lang=edition.content_lang, video=True)
        return filters, edition.url("/video"), f"{site} — {_('In video')}"
    if kind == "section":
        slug = request.url.path.rstrip("/").split("/")[-2]
        filters = Filters(section=slug, lang=edition.content_lang)
        return filters, edition.url(f"/{slug}"), f"{site} — {section_name(slug, edition.code)}"
    name = author_name(request)
    filters = portal.writer_filters(portal.store, name)
    return filters, edition.url(f"/author/{quote_plus(name)}"), f"{site} — {name}"


def _items(portal: Portal, edition: Edition, filters: Filters) -> list[dict[str, Any]]:
    rows, _ = queries.latest_articles(portal.store, filters, limit=FEED_SIZE)
    return portal.teasers(rows, edition, with_snippet=True)


def _enclosure(portal: Portal, item: dict[str, Any], base: str) -> tuple[str, int] | None:
    if not item["image"]:
        return None
    sha = item["image"]["url"].rsplit("/", 1)[-1].split("-", 1)[0]
    path = media_path(portal.settings.media_dir, sha, "full")
    try:
        return base + item["image"]["url"], path.stat().st_size
    except OSError:
        return None  # not re-hosted (yet): an enclosure must give a real length


# ---------------------------------------------------------------------------------------- RSS


def rss(portal: Portal, request: Request, edition: Edition, kind: str) -> Response:
    filters, page, title = _scope(portal, request, edition, kind)
    return rss_document(portal, request, edition, _items(portal, edition, filters), page, title)


def personal_feed(
    portal: Portal,
    request: Request,
    edition: Edition,
    rows: list[dict[str, Any]],
    title: str,
    page: str,
    *,
    atom: bool = False,
) -> Response:
    """The RSS (or Atom) of a reader's own edition (``nashra.mynews``) from its listing rows."""
    items = portal.teasers(rows, edition, with_snippet=True)
    document = atom_document if atom else rss_document
    return document(portal, request, edition, items, page, title)


def rss_document(
    portal: Portal,
    request: Request,
    edition: Edition,
    items: list[dict[str, Any]],
    page: str,
    title: str,
) -> Response:
    base = base_url(portal, request)
    _ = translations(edition.code).gettext
    root = etree.Element("rss", version="2.0", nsmap={"atom": ATOM_NS, "dc": DC_NS})
    channel = etree.SubElement(root, "channel")
    etree.SubElement(channel, "title").text = xml_text(title)
    etree.SubElement(channel, "link").text = base + page
    etree.SubElement(channel, "description").text = _(
        "The latest news from every outlet, in one place."
    )
    etree.SubElement(channel, "language").text = edition.content_lang or edition.code
    etree.SubElement(
        channel,
        f"{{{ATOM_NS}}}link",
        href=self_url(portal, request),
        rel="self",
        type="application/rss+xml",
    )
    newest = max((item["updated"] for item in items), default=EPOCH)
    etree.SubElement(channel, "lastBuildDate").text = format_datetime(
        newest.astimezone(UTC), usegmt=True
    )
    for item in items:
        node = etree.SubElement(channel, "item")
        etree.SubElement(node, "title").text = xml_text(item["title"]) or item["source_name"]
        etree.SubElement(node, "link").text = base + item["path"]
        etree.SubElement(node, "guid", isPermaLink="true").text = item_id(base, item)
        etree.SubElement(node, "description").text = xml_text(item["snippet"])
        etree.SubElement(node, f"{{{DC_NS}}}creator").text = xml_text(item["source_name"])
        etree.SubElement(node, "pubDate").text = format_datetime(
            item["published"].astimezone(UTC), usegmt=True
        )
        if item["section_name"]:
            etree.SubElement(node, "category").text = item["section_name"]
        enclosure = _enclosure(portal, item, base)
        if enclosure:
            etree.SubElement(
                node, "enclosure", url=enclosure[0], length=str(enclosure[1]), type="image/webp"
            )
    return _xml_response(root, "application/rss+xml; charset=utf-8")


# --------------------------------------------------------------------------------------- Atom


def _atom_date(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom(portal: Portal, request: Request, edition: Edition, kind: str) -> Response:
    filters, page, title = _scope(portal, request, edition, kind)
    return atom_document(portal, request, edition, _items(portal, edition, filters), page, title)


def atom_document(
    portal: Portal,
    request: Request,
    edition: Edition,
    items: list[dict[str, Any]],
    page: str,
    title: str,
) -> Response:
    base = base_url(portal, request)
    _ = translations(edition.code).gettext
    A = lambda tag: f"{{{ATOM_NS}}}{tag}"  # noqa: E731
    root = etree.Element(A("feed"), nsmap={None: ATOM_NS})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", edition.content_lang or edition.code)
    etree.SubElement(root, A("title")).text = xml_text(title)
    etree.SubElement(root, A("subtitle")).text = _(
        "The latest news from every outlet, in one place."
    )
    etree.SubElement(root, A("id")).text = self_url(portal, request)
    etree.SubElement(
        root, A("link"), rel="self", type="application/atom+xml", href=self_url(portal, request)
    )
    etree.SubElement(root, A("link"), rel="alternate", type="text/html", href=base + page)
    newest = max((item["updated"] for item in items), default=EPOCH)
    etree.SubElement(root, A("updated")).text = _atom_date(newest)
    etree.SubElement(etree.SubElement(root, A("author")), A("name")).text = _("Nashra")
    for item in items:
        entry = etree.SubElement(root, A("entry"))
        etree.SubElement(entry, A("title")).text = xml_text(item["title"]) or item["source_name"]
        etree.SubElement(entry, A("id")).text = item_id(base, item)
        etree.SubElement(
            entry, A("link"), rel="alternate", type="text/html", href=base + item["path"]
        )
        etree.SubElement(entry, A("published")).text = _atom_date(item["published"])
        etree.SubElement(entry, A("updated")).text = _atom_date(item["updated"])
        author = etree.SubElement(entry, A("author"))
        etree.SubElement(author, A("name")).text = xml_text(item["source_name"])
        if item["section"]:
            etree.SubElement(entry, A("category"), term=item["section"], label=item["section_name"])
        if item["snippet"]:
            etree.SubElement(entry, A("summary")).text = xml_text(item["snippet"])
        enclosure = _enclosure(portal, item, base)
        if enclosure:
            etree.SubElement(
                entry,
                A("link"),
                rel="enclosure",
                type="image/webp",
                href=enclosure[0],
                length=str(enclosure[1]),
            )
    return _xml_response(root, "application/atom+xml; charset=utf-8")


def _feed(
    fn: Callable[..., Response], kind: str, name: str
) -> Callable[[Portal, Request, Edition], Response]:
    def handler(portal: Portal, request: Request, edition: Edition) -> Response:
        return fn(portal, request, edition, kind)

    handler.__name__ = name
    return handler


home_rss = _feed(rss, "home", "home_rss")
home_atom = _feed(atom, "home", "home_atom")
outlet_rss = _feed(rss, "outlet", "outlet_rss")
outlet_atom = _feed(atom, "outlet", "outlet_atom")
section_rss = _feed(rss, "section", "section_rss")
section_atom = _feed(atom, "section", "section_atom")
author_rss = _feed(rss, "author", "author_rss")
video_rss = _feed(rss, "video", "video_rss")
video_atom = _feed(atom, "video", "video_atom")
author_atom = _feed(atom, "author", "author_atom")


# ------------------------------------------------------------------------------------- widget


def _widget_filters(
    portal: Portal, request: Request, edition: Edition
) -> tuple[Filters, dict[str, str]]:
    source = request.query_params.get("source") or None
    section = request.query_params.get("section") or None
    if source and queries.get_source(portal.store, source) is None:
        raise HTTPException(404)
    if section and section not in SECTIONS:
        raise HTTPException(404)
    chosen = {k: v for k, v in (("source", source), ("section", section)) if v}
    lang = None if source else edition.content_lang
    return Filters(source=source, section=section, lang=lang), chosen


def widget_box(portal: Portal, request: Request, edition: Edition) -> Response:
    """The embeddable box itself (meant for an iframe on another site)."""
    filters, _ = _widget_filters(portal, request, edition)
    rows, _ = queries.latest_articles(portal.store, filters, limit=WIDGET_SIZE)
    return portal.render_page(
        edition, "widget_box.html", with_chrome=False, items=portal.teasers(rows, edition),
        base=base_url(portal, request),
    )  # fmt: skip


def widget_page(portal: Portal, request: Request, edition: Edition) -> Response:
    """How to embed the box: a chooser, a preview and the copy-paste snippet."""
    _, chosen = _widget_filters(portal, request, edition)
    box_path = edition.url("/widget/box") + (f"?{urlencode(chosen)}" if chosen else "")
    return portal.render_page(
        edition,
        "widget.html",
        box_path=box_path,
        box_url=base_url(portal, request) + box_path,
        chosen=chosen,
        outlets=queries.list_sources(portal.store),
    )


# --------------------------------------------------------------------------- robots & sitemaps


def robots(portal: Portal, request: Request) -> Response:
    base = base_url(portal, request)
    body = f"User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /widget/box\n\nSitemap: {base}/sitemap.xml\n"
    return PlainTextResponse(body, headers={"Cache-Control": PAGE_CACHE_CONTROL})


def sitemap_index(portal: Portal, request: Request) -> Response:
    """One sitemap per day that has articles (in the portal's time zone)."""
    base = base_url(portal, request)
    low, high = queries.published_range(portal.store)
    root = etree.Element("sitemapindex", nsmap={None: SITEMAP_NS})
    if low is not None and high is not None:
        day = low.astimezone(portal.tz).date()
        last = high.astimezone(portal.tz).date()
        while day <= last:
            node = etree.SubElement(root, "sitemap")
            etree.SubElement(node, "loc").text = f"{base}/sitemaps/{day:%Y-%m-%d}.xml"
            day += timedelta(days=1)
    return _xml_response(root, "application/xml")


def sitemap_day(portal: Portal, request: Request) -> Response:
    p = request.path_params
    try:
        start = datetime(p["year"], p["month"], p["day"], tzinfo=portal.tz)
    except ValueError as exc:
        raise HTTPException(404) from exc
    base = base_url(portal, request)
    filters = Filters(since=start, until=start + timedelta(days=1))
    root = etree.Element("urlset", nsmap={None: SITEMAP_NS})
    for row in queries.article_addresses(portal.store, filters, SITEMAP_MAX):
        node = etree.SubElement(root, "url")
        etree.SubElement(node, "loc").text = base + article_path(row.source, row.num, row.lang)
        etree.SubElement(node, "lastmod").text = _atom_date(row.updated or row.published)
    return _xml_response(root, "application/xml")

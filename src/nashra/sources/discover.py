"""Feed autodiscovery: from an outlet's home page address to the addresses of its feeds.

Most outlets in the registry only have a home page; this is how the crawler finds what to poll.
:func:`find_feed_links` is a pure function of the page; :func:`discover_feeds` does the I/O.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from nashra.http.encoding import decode_html

if TYPE_CHECKING:
    from nashra.http.fetch import Fetcher

log = logging.getLogger("nashra.sources")

# The link types of feeds, in the order sites usually list their main feed.
FEED_LINK_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",  # JSON Feed 1.0's type; WordPress's REST links are filtered out below
)
# Content types that are feeds whatever the body says (generic XML is sniffed instead).
FEED_CONTENT_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/x-rss+xml",
    }
)
# Paths tried, in order, when the home page links no feed.
COMMON_FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml")
# Hosts that serve feeds for many unrelated sites (a link to them from a site is its feed).
FEED_HOSTS = frozenset(
    {
        "feeds.feedburner.com",
        "feeds2.feedburner.com",
        "feedproxy.google.com",
        "rss.app",
        "rsshub.app",
        "fetchrss.com",
        "politepol.com",
        "feed43.com",
        "news.google.com",
    }
)

_COMMENTS = re.compile(r"/comments/feed|[?&]feed=comments|comments?[-_ ]?feed|التعليقات", re.I)
_ANCHOR_FEED_PATH = re.compile(
    r"(?:^|/)(?:feed|rss|rss2|atom)/?$|(?:^|/)(?:feed|rss|rss2|atom|index)\.(?:xml|rss)$|\.rss$",
    re.I,
)
_ANCHOR_FEED_QUERY = re.compile(r"(?:^|&)(?:feed|format|type)=(?:rss2?|atom)(?:&|$)", re.I)
_XML_PROLOG = re.compile(
    rb"^(?:\s+|<\?xml[^>]*\?>|<\?xml-stylesheet[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.S
)
_FEED_ROOT = re.compile(rb"^<(?:rss|feed|(?:[\w-]+:)?RDF)[\s>/]")


def find_feed_links(html: str, base_url: str) -> list[str]:
    """The feed addresses a page declares, in page order, absolute and without duplicates.

    ``<link rel="alternate">`` with a feed type comes first; only when there is none are
    ``<a href>`` links whose address clearly names a feed (``/feed``, ``rss.xml``, FeedBurner...)
    used, as a last resort. Comment feeds are left out: Nashra wants articles.
    """
    doc = _parse_html(html)
    if doc is None:
        return []
    base = base_url
    for element in doc.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, element.get("href").strip())
            break
    found: list[str] = []
    for element in doc.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rel or kind not in FEED_LINK_TYPES:
            continue
        url = _absolute(base, element.get("href"))
        if url is None or _COMMENTS.search(url) or _COMMENTS.search(element.get("title") or ""):
            continue
        if kind == "application/json" and ("/wp-json/" in url or "oembed" in url.lower()):
            continue
        _append(found, url)
    if found:
        return found
    site_host = _bare_host(base)
    for element in doc.iter("a"):
        url = _absolute(base, element.get("href"))
        if url is None or _COMMENTS.search(url):
            continue
        parts = urlsplit(url)
        host = _bare_host(url)
        if host in FEED_HOSTS or (
            host == site_host
            and (_ANCHOR_FEED_PATH.search(parts.path) or _ANCHOR_FEED_QUERY.search(parts.query))
        ):
            _append(found, url)
    return found


async def discover_feeds(fetcher: Fetcher, site_url: str) -> list[str]:
    """Fetch ``site_url`` and return its feeds: declared ones, else common paths that answer.

    A site address that is itself a feed is returned as is. Probed paths are kept only when
    they answer with a feed content type or a body that starts like a feed.
    """
    home = await fetcher.fetch(site_url)
    base = site_url
    if home.ok:
        if looks_like_feed(home.content, home.content_type):
            return [home.final_url or site_url]
        text, _ = decode_html(home.content, home.headers.get("content-type"))
        base = home.final_url or site_url
        links = find_feed_links(text, base)
        allowed = [link for link in links if not await _refused(fetcher, link)]
        if allowed:
            return allowed
    elif not home.status:
        # No HTTP answer at all (DNS, refused, timeout): probing more paths would only wait more.
        return []
    found: list[str] = []
    for path in COMMON_FEED_PATHS:
        probe = await fetcher.fetch(urljoin(base, path))
        if probe.ok and looks_like_feed(probe.content, probe.content_type):
            _append(found, probe.final_url or urljoin(base, path))
    return found


async def _refused(fetcher: Fetcher, url: str) -> bool:
    """A declared feed on an address the guard refuses is never recorded (logged instead)."""
    reason = await fetcher.refusal(url)
    if reason:
        log.warning("declared feed refused url=%s: %s", url, reason)
    return reason is not None


def looks_like_feed(content: bytes, content_type: str | None) -> bool:
    """Whether a response is a feed: by its content type, else by how its body starts."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in FEED_CONTENT_TYPES:
        return True
    head = content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "ignore").encode("utf-8")
    head = head.removeprefix(b"\xef\xbb\xbf")
    rest = head[_XML_PROLOG.match(head).end() :]
    if _FEED_ROOT.match(rest):
        return True
    if rest.startswith(b"{") and kind in ("application/json", "text/plain", ""):
        return _is_json_feed(content)
    return False


def _is_json_feed(content: bytes) -> bool:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "jsonfeed.org" in str(data.get("version", ""))


def _parse_html(html: str) -> etree._Element | None:
    # lxml refuses text that carries an XML encoding declaration; the text is decoded already.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html, count=1)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _absolute(base: str, href: str | None) -> str | None:
    if not href or not href.strip():
        return None
    href = href.strip()
    if href.startswith("feed:"):
        href = href[5:]
        href = href if href.startswith(("http:", "https:")) else "http:" + href
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()


def _bare_host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _append(found: list[str], url: str) -> None:
    if url not in found:
        found.append(url)

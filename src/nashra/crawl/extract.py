"""The page stage: one article page (HTML text) → its body, title, byline, date and lead image.

The page is parsed once with lxml; metadata is read from that tree, then the same tree goes to
trafilatura (or to an outlet adapter's selectors) for the body. Nothing here does I/O.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urljoin

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import use_config

from nashra.crawl.metadata import parse_published, read_metadata
from nashra.crawl.sanitize import html_to_text, sanitize_html
from nashra.model import ExtractedPage
from nashra.sources.adapters import GENERIC, Adapter
from nashra.text.dates import parse_date
from nashra.video.detect import find_video

log = logging.getLogger("nashra.crawl.extract")

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WS = re.compile(r"\s+")


def parse_html(html: str | bytes) -> etree._Element | None:
    """An lxml tree of a page, or None when there is no HTML to speak of."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    html = _XML_DECL.sub("", html)  # lxml refuses str input that declares an encoding
    if not html.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        log.warning("unparseable page: %s", exc)
        return None
    return tree


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _body_by_adapter(tree: etree._Element, adapter: Adapter) -> str:
    if not adapter.body_xpath:
        return ""
    try:
        nodes = tree.xpath(adapter.body_xpath)
    except etree.XPathError as exc:
        log.error("adapter body_xpath %r is invalid: %s", adapter.body_xpath, exc)
        return ""
    if not nodes or not isinstance(nodes[0], etree._Element):
        return ""
    body = copy.deepcopy(nodes[0])
    for xpath in adapter.prune_xpath:  # the outlet's own blocks inside its body (related, share)
        try:
            for node in body.xpath(_relative(xpath)):
                if isinstance(node, etree._Element) and node.getparent() is not None:
                    node.getparent().remove(node)
        except etree.XPathError as exc:
            log.error("adapter prune_xpath %r is invalid: %s", xpath, exc)
    return etree.tostring(body, encoding="unicode", method="html")


def _relative(xpath: str) -> str:
    """Search below the body element, not from the document root (``//x`` → ``.//x``;
    cssselect's ``descendant-or-self::x`` already is)."""
    return "." + xpath if xpath.startswith("/") else xpath


def _rule_text(tree: etree._Element, xpath: str | None) -> str:
    """The text (or attribute value) of the first node a rule selects, squashed; "" if none."""
    if not xpath:
        return ""
    try:
        found = tree.xpath(xpath)
    except etree.XPathError:
        return ""
    if not isinstance(found, list):
        return _squash(str(found))
    for node in found:
        value = node if isinstance(node, str) else "".join(node.itertext())
        if node is not None and not isinstance(node, str) and node.tag == "img":
            value = node.get("src") or ""
        if _squash(value):
            return _squash(value)
    return ""


def _rule_date(text: str, date_format: str | None) -> datetime | None:
    if date_format:
        try:
            parsed = datetime.strptime(text, date_format)
        except ValueError:
            return parse_date(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return parse_date(text)


# News items can be one short paragraph (a video's caption, a breaking line). trafilatura's
# defaults (250 characters) would then throw its own correct result away for a whole-page
# baseline with the byline and share buttons in it; the page stage judges length itself
# (``nashra.crawl.article.extraction_failed`` compares the body with the feed's summary).
TRAFILATURA_CONFIG = use_config()
TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "25")
TRAFILATURA_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")

# Below this many characters the fast extraction is distrusted and trafilatura's full cascade
# (its own extractor compared with readability and jusText) gets a second look.
FAST_ENOUGH_CHARS = 200


def _body_by_trafilatura(
    tree: etree._Element, url: str, adapter: Adapter, reparse: Callable[[], etree._Element | None]
) -> str:
    options = dict(
        url=url or None,
        include_formatting=True,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        prune_xpath=list(adapter.prune_xpath) or None,
        config=TRAFILATURA_CONFIG,
    )
    doc = trafilatura.bare_extraction(tree, fast=True, **options)
    if doc is None or doc.body is None or len(doc.text or "") < FAST_ENOUGH_CHARS:
        fresh = reparse()  # trafilatura pruned the first tree: the cascade needs an intact one
        if fresh is not None:
            doc = trafilatura.bare_extraction(fresh, **options) or doc
    if doc is None or doc.body is None or not len(doc.body):
        return ""
    html_tree = convert_to_html(doc.body)
    body = html_tree.find("body")
    root = body if body is not None else html_tree
    return "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)


def _drop_leading_title(body_html: str, title: str) -> str:
    """trafilatura keeps the page's <h1>; the portal renders the title itself."""
    if not title:
        return body_html
    match = re.match(r"\s*<h[12][^>]*>(.*?)</h[12]>", body_html, re.DOTALL)
    if match and _squash(re.sub(r"<[^>]+>", "", match.group(1))) == _squash(title):
        return body_html[match.end() :]
    return body_html


def _byline(tree: etree._Element, adapter: Adapter) -> tuple[str, str]:
    return _rule_text(tree, adapter.author_xpath), _rule_text(tree, adapter.date_xpath)


_DATED = etree.XPath(
    "//time | //*[contains(@class,'date') or contains(@class,'time') or contains(@class,'published')]"
)


def _visible_date(tree: etree._Element) -> str:
    """A date shown in the byline (``<time>`` text or an element whose class says date)."""
    for el in _DATED(tree)[:8]:
        text = _squash("".join(el.itertext()))
        if text and parse_date(text):
            return text
    return ""


def extract_tree(
    tree: etree._Element,
    url: str = "",
    adapter: Adapter = GENERIC,
    reparse: Callable[[], etree._Element | None] | None = None,
) -> ExtractedPage:
    """Extract an article from a parsed page (the tree is consumed: extraction prunes it).

    ``reparse`` gives a fresh tree when the fast extraction needs a second look; without it a
    copy is taken up front."""
    if reparse is None:
        spare = copy.deepcopy(tree)
        reparse = lambda: spare  # noqa: E731
    md = read_metadata(tree, url)
    video = find_video(tree, url)  # before the body extractor prunes players away
    author, date_text = _byline(tree, adapter)
    ruled_title = _rule_text(tree, adapter.title_xpath)
    ruled_image = _rule_text(tree, adapter.image_xpath)
    ruled_date = _rule_date(date_text, adapter.date_format) if date_text else None
    published = ruled_date or parse_published(md)
    if published is None:
        visible = _visible_date(tree)
        published = parse_date(visible) if visible else None
    raw_body = _body_by_adapter(tree, adapter) or _body_by_trafilatura(tree, url, adapter, reparse)
    title = ruled_title or _squash(md.title)
    body_html = sanitize_html(_drop_leading_title(raw_body, title))
    return ExtractedPage(
        title=title,
        body_html=body_html,
        body_text=html_to_text(body_html),
        author=author or _squash(md.author),
        published=published,
        image_url=(urljoin(url, ruled_image) if ruled_image else md.image) or None,
        canonical_url=md.canonical or None,
        description=_squash(md.description),
        lang=md.lang or None,
        site_name=_squash(md.site_name),
        categories=md.categories,
        video=video,
    )


def extract_page(html: str | bytes, url: str = "", adapter: Adapter = GENERIC) -> ExtractedPage:
    """What the extractor makes of one page; an empty ExtractedPage when there is nothing to read."""
    tree = parse_html(html)
    if tree is None:
        return ExtractedPage()
    return extract_tree(tree, url, adapter, reparse=lambda: parse_html(html))

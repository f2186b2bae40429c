"""Article HTML we are willing to show: paragraphs, sub-headings, lists, quotes, tables, links.

Everything else (scripts, styles, iframes, forms, event handlers, inline styles, unknown schemes)
goes. nh3 (Rust's ammonia) does the work; this module only states the policy.
"""

from __future__ import annotations

import html
import logging
import re

import lxml.html
import nh3
from lxml import etree

log = logging.getLogger("nashra.crawl")

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "q", "cite",
    "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark", "br", "hr",
    "a", "abbr", "time", "code", "pre", "figure", "figcaption",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "time": {"datetime"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "*": {"dir", "lang"},
}
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg",
                     "math", "form", "button", "select", "textarea", "nav", "aside", "footer"}  # fmt: skip
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "figcaption",
              "caption", "div", "table", "ul", "ol", "hr", "br"}  # fmt: skip
BLANK_REMOVABLE = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "div", "span"})
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                       "param", "source", "track", "wbr"})  # fmt: skip
# Real articles nest a few dozen elements deep; a hostile page nests thousands to make
# tree-walking code recursive or quadratic. What lies deeper than this is flattened.
MAX_NESTING = 64
# An article's HTML is a few dozen KB; what lies past this many characters is cut before
# cleaning (a longer body is an attack or a whole site pasted in, never an article).
MAX_HTML_CHARS = 1_000_000
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_H1 = re.compile(r"<(/?)h1\b", re.IGNORECASE)


def sanitize_html(html: str) -> str:
    """Clean untrusted article HTML down to the allowed structure (idempotent)."""
    if not html or not html.strip():
        return ""
    if len(html) > MAX_HTML_CHARS:
        log.warning("article HTML of %d characters cut to %d", len(html), MAX_HTML_CHARS)
        cut = html.rfind("<", 0, MAX_HTML_CHARS)
        html = html[: cut if cut > 0 else MAX_HTML_CHARS]
    cleaned = nh3.clean(
        _H1.sub(
            r"<\1h2", flatten_nesting(html)
        ),  # the page's title is ours to render; a body h1 is a sub-heading
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return _drop_blank_wrappers(cleaned).strip()


def flatten_nesting(html: str, max_depth: int = MAX_NESTING) -> str:
    """``html`` with every tag that would open deeper than ``max_depth`` removed (text kept).

    One pass over the tags with a stack, so the cost is linear in the input whatever its
    nesting; a stray closing tag whose element is not open is dropped too.
    """
    if html.count("<") <= max_depth:
        return html
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, kept)
    depth = 0  # kept elements open
    position = 0
    for match in _TAG.finditer(html):
        out.append(html[position : match.start()])
        position = match.end()
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            if name in VOID_TAGS or match.group(0).endswith("/>"):
                if depth < max_depth:
                    out.append(match.group(0))
                continue
            kept = depth < max_depth
            stack.append((name, kept))
            if kept:
                depth += 1
                out.append(match.group(0))
            continue
        if not any(open_name == name for open_name, _ in stack[-max_depth * 4 :]):
            continue  # nothing to close nearby: a stray or an unmatched end tag
        while stack:
            open_name, kept = stack.pop()
            depth -= kept
            if open_name == name:
                if kept:
                    out.append(match.group(0))
                break
    out.append(html[position:])
    return "".join(out)


def _drop_blank_wrappers(html: str) -> str:
    """Remove elements of ``BLANK_REMOVABLE`` holding only white space, nested ones included.

    A single pass with a stack over sanitised (well-formed) markup: each open wrapper remembers
    where its output starts and whether anything visible was written inside it.
    """
    out: list[str] = []
    stack: list[tuple[str, int, bool]] = []  # (tag, index in out, has content)
    position = 0

    def mark_content() -> None:
        if stack:
            tag, start, _ = stack[-1]
            stack[-1] = (tag, start, True)

    for match in _TAG.finditer(html):
        text = html[position : match.start()]
        position = match.end()
        if text:
            out.append(text)
            if text.strip():
                mark_content()
        closing, name = match.group(1), match.group(2).lower()
        bare = match.group(0) == f"<{name}>"
        if not closing and name in BLANK_REMOVABLE and bare:
            stack.append((name, len(out), False))
            out.append(match.group(0))
            continue
        if closing and stack and stack[-1][0] == name:
            _, start, has_content = stack.pop()
            if has_content:
                out.append(match.group(0))
                mark_content()
            else:
                del out[start:]
            continue
        out.append(match.group(0))
        mark_content()  # any other tag (an image, a line break, a link) is content
    tail = html[position:]
    out.append(tail)
    return "".join(out)


def html_to_text(html: str) -> str:
    """Plain text of sanitised HTML: one line per block, blank line between paragraphs."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    parts: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = _SPACES.sub(" ", "".join(buf)).strip()
        if text:
            parts.append(text)
        buf.clear()

    # An explicit stack instead of recursion: nesting depth must not be able to crash us.
    todo: list[tuple[etree._Element, bool]] = [(root, False)]
    while todo:
        el, leaving = todo.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if leaving:
            if tag in BLOCK_TAGS:
                flush()
            if el is not root and el.tail:
                buf.append(el.tail)
            continue
        if tag in BLOCK_TAGS:
            flush()
        if el.text and tag:
            buf.append(el.text)
        todo.append((el, True))
        todo.extend((child, False) for child in reversed(el))
    return "\n\n".join(parts)


# What :func:`text_body` leaves to the long way: controls but the line feed, the other line and
# paragraph breaks, the byte order mark, surrogates, noncharacters and private use.
_NOT_PLAIN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufdd0-\ufdef"
    "\ue000-\uf8ff\ufff0-\uffff]|[\U000f0000-\U0010ffff]"
)


def text_paragraphs_html(text: str) -> str:
    """A plain text as HTML: one ``<p>`` per line that is not blank (the bulk of an archive's
    ``text`` on its way to :func:`sanitize_html`)."""
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n") if p.strip())


def text_body(text: str) -> tuple[str, str] | None:
    """(``sanitize_html(text_paragraphs_html(text))``, ``html_to_text`` of it), written directly
    for a text of ordinary characters: the sanitiser re-serialises a paragraph's escaped text
    escaping only ``&``, no-break space, ``<`` and ``>``, and the parser reads it back as it was.
    None for a text holding any character of ``_NOT_PLAIN`` (or too long for the sanitiser to
    keep whole): the caller takes the long way. Checked against the long way on every code
    point (``tests/test_import_text.py``)."""
    if _NOT_PLAIN.search(text):
        return None
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    body_html = "".join(
        "<p>"
        + p.replace("&", "&amp;")
        .replace("\xa0", "&nbsp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        + "</p>"
        for p in paragraphs
    )
    if len(body_html) > MAX_HTML_CHARS:
        return None
    return body_html, "\n\n".join(_SPACES.sub(" ", p).strip() for p in paragraphs)

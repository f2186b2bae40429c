"""Article HTML we are willing to show: paragraphs, sub-headings, lists, quotes, tables, links.

Everything else (scripts, styles, iframes, forms, event handlers, inline styles, unknown schemes)
goes. nh3 (Rust's ammonia) does the work; this module only states the policy.
"""

from __future__ import annotations

import re

import lxml.html
import nh3
from lxml import etree

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
_BLANK = re.compile(r"<(p|h[2-6]|li|blockquote|div|span)>\s*</\1>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_H1 = re.compile(r"<(/?)h1\b", re.IGNORECASE)


def sanitize_html(html: str) -> str:
    """Clean untrusted article HTML down to the allowed structure (idempotent)."""
    if not html or not html.strip():
        return ""
    cleaned = nh3.clean(
        _H1.sub(r"<\1h2", html),  # the page's title is ours to render; a body h1 is a sub-heading
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    previous = None
    while previous != cleaned:  # empty wrappers can nest
        previous, cleaned = cleaned, _BLANK.sub("", cleaned)
    return cleaned.strip()


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

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        is_block = tag in BLOCK_TAGS
        if is_block:
            flush()
        if el.text and tag:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if is_block:
            flush()

    walk(root)
    flush()
    return "\n\n".join(parts)

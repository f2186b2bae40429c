"""parse_feed: bytes of a feed → ParsedFeed. Chooses the path; never raises.

Paths, cheapest first: JSON Feed (``{``) → lxml fast path (well-formed RSS 2.0 / Atom 1.0 whose
HTTP charset agrees with the prolog) → feedparser for everything else, which also reports
malformed input (``bozo``). Every path yields RawEntry records cleaned by one function.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable, Mapping

from lxml import etree

from .entry import build_entry, pick_link
from .fallback import (
    MAX_FALLBACK_BYTES,
    codec_name,
    declared_encoding,
    defuse_entities,
    kind_of,
    raw_entries,
    repair_encoding,
    run_feedparser,
)
from .fast import NotFast, parse_fast
from .jsonfeed import NotJsonFeed, parse_json_feed
from .markup import construct_to_text, lang_code, resolve
from .parsed import GUESS, TEXT, ParsedFeed, RawEntry

log = logging.getLogger("nashra.crawl.feeds")

DEFAULT_MAX_ENTRIES = 500
_HTML_RE = re.compile(rb"<!doctype\s+html|<html[\s>]", re.I)


def parse_feed(
    content: bytes,
    url: str = "",
    headers: Mapping[str, str] | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> ParsedFeed:
    """Parse one fetched feed document.

    ``url`` is where it was fetched from (relative links resolve against it); ``headers`` are
    the HTTP response headers (Content-Type charset, Content-Language). At most
    ``max_entries`` entries are returned, in document order. Never raises: unreadable input
    comes back with ``bozo=True``, a reason, and a warning on the ``nashra.crawl.feeds`` log.
    """
    try:
        feed = _parse(content, url, headers or {}, max(0, int(max_entries)))
    except Exception as exc:  # the crawler must survive any bytes a server sends
        feed = _empty(f"internal error: {type(exc).__name__}: {exc}")
    if feed.bozo:
        reason = " ".join((feed.bozo_reason or "malformed").split())
        feed.bozo_reason = reason
        log.warning("malformed feed %s: %s", url or "<no url>", reason[:300])
    if feed.dropped_entries:
        log.info(
            "feed %s: %d entries without a link dropped", url or "<no url>", feed.dropped_entries
        )
    return feed


def parse_feed_with_feedparser(
    content: bytes,
    url: str = "",
    headers: Mapping[str, str] | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> ParsedFeed:
    """The fallback path alone (no fast path, no logging): for the equivalence tests.

    Why public: "both paths give the same entries" is a promise the tests must be able to check.
    """
    try:
        headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
        lang = lang_code(headers.get("content-language", "").split(",")[0])
        return _fallback(bytes(content), url, headers, lang, max_entries)
    except Exception as exc:
        return _empty(f"internal error: {type(exc).__name__}: {exc}")


def _empty(reason: str, kind: str = "unknown") -> ParsedFeed:
    return ParsedFeed(kind, "", "", None, None, [], True, reason)


def _content_type(headers: Mapping[str, str]) -> tuple[str, str | None]:
    value = headers.get("content-type") or ""
    mime, _, params = value.partition(";")
    m = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", params, re.I)
    return mime.strip().lower(), (m.group(1) if m else None)


def _fast_blocker(content: bytes, headers: Mapping[str, str]) -> str | None:
    """Why the lxml path must not read this document (None: it may)."""
    mime, charset = _content_type(headers)
    if mime and not any(x in mime for x in ("xml", "rss", "atom")):
        return f"content type {mime}"
    if mime.startswith("text/") and not charset:
        return "text/* without charset (RFC 3023: us-ascii)"
    if charset:
        if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "BOM and HTTP charset"
        declared = declared_encoding(content) or "utf-8"
        if codec_name(charset) != codec_name(declared):
            return f"HTTP charset {charset} differs from the prolog's {declared}"
    return None


def _first_byte(content: bytes) -> bytes:
    head = content[:4096]
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    return head.lstrip()[:1]


def _parse(content: bytes, url: str, headers: Mapping[str, str], max_entries: int) -> ParsedFeed:
    if isinstance(content, str):
        content = content.encode("utf-8")
    content = bytes(content)
    headers = {str(k).lower(): str(v) for k, v in headers.items()}
    header_lang = lang_code(headers.get("content-language", "").split(",")[0])
    if not content.strip():
        return _empty("empty document")
    first = _first_byte(content)
    mime, _ = _content_type(headers)
    if first == b"{" or mime in ("application/feed+json", "application/json"):
        try:
            jf = parse_json_feed(content, url)
        except NotJsonFeed as exc:
            return _empty(str(exc))
        entries, dropped = _build(jf.entries, header_lang, max_entries)
        return ParsedFeed(
            kind="json",
            title=construct_to_text(jf.title, TEXT),
            link=resolve(url, jf.link),
            hub=resolve(url, jf.hub) or None,
            self_url=resolve(url, jf.self_url) or None,
            entries=entries,
            bozo=False,
            bozo_reason=None,
            dropped_entries=dropped,
            parser="json",
        )
    if first == b"<" and _fast_blocker(content, headers) is None:
        try:
            fast = parse_fast(content, url)
            entries, dropped = _build(fast.entries, header_lang, max_entries)
            return _assemble(
                fast.kind,
                fast.title,
                fast.title_kind,
                fast.links,
                url,
                entries,
                dropped,
                bozo=None,
                parser="lxml",
            )
        except (NotFast, etree.XMLSyntaxError, ValueError):
            pass  # feedparser reads it, and says what is wrong if anything is
    return _fallback(content, url, headers, header_lang, max_entries)


def _fallback(
    content: bytes, url: str, headers: dict[str, str], header_lang: str | None, max_entries: int
) -> ParsedFeed:
    notes: list[str] = []
    if len(content) > MAX_FALLBACK_BYTES:
        # cut before a tag, not inside a multi-byte character
        head = content[:MAX_FALLBACK_BYTES]
        cut = head.rfind(b"<")
        content = head[:cut] if cut > 0 else head
        notes.append(f"not well-formed and over {MAX_FALLBACK_BYTES} bytes; read the start only")
    content, defused = defuse_entities(content)
    if defused:
        notes.append("unsafe entity declarations removed")
    mime, charset = _content_type(headers)
    content, repaired = repair_encoding(content, charset)
    if repaired:
        notes.append(repaired)
        headers = dict(headers, **{"content-type": "application/xml; charset=utf-8"})
    d = run_feedparser(content, url, headers)
    kind = kind_of(d.get("version") or "")
    entries, dropped = _build(raw_entries(d, url), header_lang, max_entries)
    if d.get("bozo"):
        exc = d.get("bozo_exception")
        notes.append(f"{type(exc).__name__}: {exc}" if exc is not None else "malformed")
    if kind == "unknown" and not entries:
        notes.insert(
            0, "not a feed: an HTML page" if _HTML_RE.search(content[:4096]) else "not a feed"
        )
    feed = d.get("feed", {})
    detail = feed.get("title_detail") or {}
    atom = kind == "atom"
    title_kind = GUESS
    if atom:
        title_kind = {"text/plain": TEXT}.get(detail.get("type") or "text/plain", "html")
    links = [
        (ln.get("rel") or "alternate", ln.get("type") or "", ln.get("href") or "")
        for ln in dict.get(feed, "links", [])
    ]
    return _assemble(
        kind,
        dict.get(feed, "title", "") or "",
        title_kind,
        links,
        url,
        entries,
        dropped,
        bozo="; ".join(notes) if notes else None,
        parser="feedparser",
    )


def _build(raws: Iterable[RawEntry], header_lang: str | None, max_entries: int) -> tuple[list, int]:
    entries = []
    dropped = 0
    for raw in raws:
        if len(entries) >= max_entries:
            break
        if not raw.lang and header_lang:
            raw.lang = header_lang
        entry = build_entry(raw)
        if entry is None:
            dropped += 1
        else:
            entries.append(entry)
    return entries, dropped


def _assemble(
    kind: str,
    title: str,
    title_kind: str,
    links: list[tuple[str, str, str]],
    url: str,
    entries: list,
    dropped: int,
    *,
    bozo: str | None,
    parser: str,
) -> ParsedFeed:
    def rel(name: str) -> str | None:
        href = next((h for r, _, h in links if r == name and h), "")
        return resolve(url, href) or None

    return ParsedFeed(
        kind=kind,
        title=construct_to_text(title, title_kind),
        link=resolve(url, pick_link(links)),
        hub=rel("hub"),
        self_url=rel("self"),
        entries=entries,
        bozo=bozo is not None,
        bozo_reason=bozo,
        dropped_entries=dropped,
        parser=parser,
    )

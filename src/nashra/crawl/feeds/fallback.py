"""The slow, forgiving path: feedparser, with three guards in front of it.

Why guards: feedparser reads almost anything, but (1) its loose parser expands "safe" entity
declarations without a size limit (a quadratic blow-up), (2) it guesses a wrong declared
encoding as windows-1252, which turns Arabic into Latin mojibake, and (3) its pure-Python loose
parser is slow on very large garbage. So: long entity declarations are removed, a declared
encoding the bytes do not match is replaced by charset-normalizer's guess (Arabic code pages
first), and only the first ``MAX_FALLBACK_BYTES`` of a huge malformed document are read.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from .fast import atom_kind
from .parsed import GUESS, HTML, TEXT, RawEntry

MAX_FALLBACK_BYTES = 8 * 1024 * 1024
MAX_ENTITY_VALUE = 64  # bytes; longer declarations are dropped (undefined entity → bozo)

_PROLOG_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ENTITY_RE = re.compile(rb"<!ENTITY\s+%?\s*[\w.-]+\s+(?:SYSTEM|PUBLIC)?[^>]*?>", re.S)
_ENTITY_VALUE_RE = re.compile(rb"""["']([^"']*)["']""")
_BOMS = (
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
)


def declared_encoding(content: bytes) -> str | None:
    """The encoding named in the XML prolog, if any."""
    m = _PROLOG_RE.match(content[:512])
    return m.group(1).decode("ascii").lower() if m else None


def codec_name(name: str | None) -> str | None:
    """Canonical codec name, or None when Python does not know the encoding."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def defuse_entities(content: bytes) -> tuple[bytes, bool]:
    """Drop entity declarations that could amplify (external, nested or long ones)."""
    start = re.search(rb"<[A-Za-z]", content)
    head_end = start.start() if start else min(len(content), 65536)
    head = content[:head_end]
    if b"<!ENTITY" not in head:
        return content, False
    changed = False

    def keep(m: re.Match[bytes]) -> bytes:
        nonlocal changed
        decl = m.group(0)
        value = _ENTITY_VALUE_RE.search(decl)
        if (
            b"SYSTEM" in decl
            or b"PUBLIC" in decl
            or value is None
            or len(value.group(1)) > MAX_ENTITY_VALUE
            or b"&" in value.group(1)
            or b"%" in decl[:12]
        ):
            changed = True
            return b""
        return decl

    head = _ENTITY_RE.sub(keep, head)
    return head + content[head_end:], changed


def repair_encoding(content: bytes, charset: str | None) -> tuple[bytes, str | None]:
    """Re-encode to UTF-8 when the declared encoding does not decode the bytes.

    Returns the (maybe new) bytes and a reason when a repair was made.
    """
    if content.startswith(_BOMS):
        return content, None
    declared = codec_name(charset) or codec_name(declared_encoding(content))
    named = charset or declared_encoding(content)
    if named and declared is None:
        return content, None  # unknown encoding name: feedparser reports it
    try:
        content.decode(declared or "utf-8")
        return content, None
    except (UnicodeDecodeError, LookupError):
        pass
    guess = _guess_encoding(content)
    if guess is None:
        return content, None
    text = content.decode(guess, errors="replace")
    text = re.sub(
        r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""", r"\1utf-8\2", text, count=1
    )
    reason = "declared encoding {} does not match the bytes; read as {}".format(
        named or "utf-8 (default)",
        guess,
    )
    return text.encode("utf-8"), reason


def _guess_encoding(content: bytes) -> str | None:
    from charset_normalizer import from_bytes

    sample = content[: 256 * 1024]
    # Arabic code pages first: our outlets' legacy feeds are windows-1256 far more often than
    # anything else, and a markup-heavy sample makes Latin guesses look just as plausible.
    for enc in ("windows-1256",):
        try:
            sample.decode(enc)
        except UnicodeDecodeError:
            continue
        best = from_bytes(sample, cp_isolation=["cp1256", "utf_8", "cp1252", "iso8859_6"]).best()
        if best is not None and best.encoding in ("cp1256", "iso8859_6"):
            return "windows-1256" if best.encoding == "cp1256" else "iso-8859-6"
    best = from_bytes(sample).best()
    return codec_name(best.encoding) if best is not None else None


def _dt(value: Any) -> datetime | None:
    try:
        return datetime(*value[:6], tzinfo=UTC) if value else None
    except (TypeError, ValueError):
        return None


_KIND = {"text/plain": TEXT, "text/html": HTML, "application/xhtml+xml": HTML}


def _kind(detail: Any, atom: bool) -> str:
    if not atom:
        return GUESS
    typ = (detail or {}).get("type") or "text/plain"
    return _KIND.get(typ, atom_kind(typ))


def kind_of(version: str) -> str:
    """feedparser's ``version`` → our ``kind``."""
    if version in ("rss090", "rss10"):
        return "rdf"
    if version.startswith("rss"):
        return "rss"
    if version.startswith("atom"):
        return "atom"
    if version.startswith("json"):
        return "json"
    return "unknown"


def run_feedparser(content: bytes, url: str, headers: Mapping[str, str]) -> Any:
    """feedparser on bytes (wrapped: bare bytes could be taken for a file path or URL)."""
    # No Content-Location: feedparser would resolve *guids* against it ("123" → a URL).
    # Relative links are resolved against ``url`` afterwards, as on the fast path.
    response_headers = {k: v for k, v in headers.items() if k != "content-location"}
    # Without a Content-Type feedparser flags every document; the prolog decides then.
    response_headers.setdefault("content-type", "application/xml")
    return feedparser.parse(
        io.BytesIO(content),
        response_headers=response_headers,
        resolve_relative_uris=False,
        sanitize_html=False,
    )


def raw_entries(d: Any, url: str) -> Iterator[RawEntry]:
    """feedparser's entries as RawEntry records, with the same field choices as the fast path."""
    atom = kind_of(d.get("version") or "") == "atom"
    feed_lang = d.feed.get("language") or ""
    for e in d.entries:
        links = [
            (ln.get("rel") or "alternate", ln.get("type") or "", ln.get("href") or "")
            for ln in dict.get(e, "links", [])
        ]
        detail = e.get("title_detail") or e.get("summary_detail") or {}
        raw = RawEntry(
            links=links,
            guid=dict.get(e, "id", "") or "",
            title=dict.get(e, "title", "") or "",
            title_kind=_kind(e.get("title_detail"), atom),
            # no summary_detail: feedparser copied the content there; build_entry does that too
            summary=(dict.get(e, "summary", "") or "") if e.get("summary_detail") else "",
            summary_kind=_kind(e.get("summary_detail"), atom),
            published=dict.get(e, "published", "") or "",
            updated=dict.get(e, "updated", "") or "",
            published_dt=_dt(dict.get(e, "published_parsed")),
            updated_dt=_dt(dict.get(e, "updated_parsed")),
            author=dict.get(e, "author", "") or "",
            base=detail.get("base") or url,
        )
        for c in dict.get(e, "content", []):
            kind = _KIND.get(c.get("type") or "", "other")
            if kind != "other":
                raw.content, raw.content_kind = c.get("value") or "", kind
                break
        raw.categories = [
            t.get("term") or t.get("label") or ""
            for t in dict.get(e, "tags", [])
            if t.get("scheme") != "http://www.itunes.com/"
        ]
        raw.enclosures = [(h, t) for rel, t, h in links if rel == "enclosure"]
        raw.media_content = [
            (m.get("url") or "", m.get("medium") or "", m.get("type") or "")
            for m in dict.get(e, "media_content", [])
        ]
        raw.media_thumbnails = [m.get("url") or "" for m in dict.get(e, "media_thumbnail", [])]
        image = dict.get(e, "image")
        if isinstance(image, dict):
            raw.itunes_image = image.get("href") or ""
        langs = [
            x.get("language")
            for x in (e.get("title_detail"), e.get("summary_detail"), *dict.get(e, "content", []))
            if x
        ]
        raw.lang = next((lang for lang in langs if lang), "") or feed_lang
        yield raw

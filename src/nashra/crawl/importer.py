"""Bulk import of an archive: JSON Lines, one article per line, streamed in constant memory.

Each line goes through the same stages as a crawled article (sanitise → plain text → normalise →
fingerprint → store), so an imported archive is indistinguishable from a crawled one. A bad line
is reported with its number and skipped; the good ones are kept.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import InterfaceError, OperationalError

from nashra.config import CrawlSettings, Settings
from nashra.crawl.article import build_article
from nashra.crawl.sanitize import text_body, text_paragraphs_html
from nashra.ingest import Ingest, prepare
from nashra.model import Article, ExtractedPage, FeedEntry
from nashra.sections import SECTIONS
from nashra.sources.registry import SlugError, Source, validate_slug
from nashra.store import Store
from nashra.text import canonical_url
from nashra.text.dates import parse_date

log = logging.getLogger("nashra.import")

MAX_LINE_BYTES = CrawlSettings().import_max_line_bytes  # the setting's default
REQUIRED = ("source", "url", "title")
TEXT_FIELDS = ("guid", "text", "html", "summary", "published", "author", "image_url", "lang",
               "section")  # fmt: skip
_READ_CHUNK = 1024 * 1024


class LineError(ValueError):
    """Why one line of an import file was skipped."""


@dataclass
class ImportReport:
    lines: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0  # lines a takedown covers (never stored again)
    stories_late: int = 0  # articles older than the live story window, assigned at the end
    created_sources: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def skip(self, number: int, reason: str) -> None:
        """Line ``number`` is not imported, for ``reason`` (reported, logged, the rest goes on)."""
        self.errors.append((number, reason))
        log.warning("import line=%d skipped: %s", number, reason)

    @property
    def skipped(self) -> int:
        return len(self.errors)

    def count(self, status: str) -> None:
        """One more line the store answered with ``status`` (new, updated, unchanged, refused)."""
        setattr(self, status, getattr(self, status) + 1)


def unexpected(exc: Exception) -> str:
    """The reason given for a line that failed in an unforeseen way (the traceback is logged)."""
    return f"could not be imported ({type(exc).__name__}: {str(exc)[:200]})"


def _entry_from(record: dict[str, Any]) -> tuple[FeedEntry, ExtractedPage | None]:
    """The feed entry a record stands for, and, when its body is a ``text`` of ordinary
    characters, that body already sanitised and read back as text (:func:`text_body`: what
    :func:`build_article` would make of the text as the entry's HTML, without the sanitiser and
    the parser; it takes the page's place, which an archive line never has)."""
    for key in REQUIRED:
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            raise LineError(f"missing or empty '{key}'")
    for key in TEXT_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise LineError(f"'{key}' must be a string, not {type(value).__name__}")
    try:
        canonical_url(record["url"])
    except ValueError as exc:
        raise LineError(f"bad url: {exc}") from None
    body, page = record.get("html"), None
    if not body:
        text = str(record.get("text") or "")
        written = text_body(text)
        if written is None:
            body = text_paragraphs_html(text)
        else:
            body, page = "", ExtractedPage(body_html=written[0], body_text=written[1])
    published = None
    if record.get("published"):
        published = parse_date(str(record["published"]))
        if published is None:
            raise LineError(f"unreadable 'published' date {str(record['published'])[:60]!r}")
    entry = FeedEntry(
        url=record["url"],
        guid=str(record["guid"]) if record.get("guid") else None,
        title=record["title"].strip(),
        content_html=str(body),
        summary=str(record.get("summary") or ""),
        published=published,
        author=str(record.get("author") or ""),
        image_url=str(record["image_url"]) if record.get("image_url") else None,
    )
    return entry, page


def iter_lines(stream: IO[bytes], max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, its bytes), or None for a line over ``max_bytes``: such a line is skipped
    in chunks to its end, never held whole in memory."""
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) <= max_bytes or raw.endswith(b"\n"):
            yield number, raw
            continue
        while raw and not raw.endswith(b"\n"):
            raw = stream.readline(_READ_CHUNK)
        yield number, None


def parse_line(raw: bytes | None, max_bytes: int) -> dict[str, Any] | LineError | None:
    """The record of one line (``raw`` None: the line was over ``max_bytes``), the error that
    makes it unusable, or None for a blank line."""
    if raw is None:
        return LineError(f"line longer than {max_bytes} bytes (not read)")
    if not raw.strip():
        return None
    try:
        record = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return LineError(f"not JSON: {exc}")
    except RecursionError:
        return LineError("not JSON we read: nested too deeply")
    if not isinstance(record, dict):
        return LineError("a line must be a JSON object")
    return record


def iter_records(
    stream: IO[bytes], max_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    """(line number, record or the error that makes the line unusable), one line at a time."""
    for number, raw in iter_lines(stream, max_bytes):
        item = parse_line(raw, max_bytes)
        if item is not None:
            yield number, item


@contextmanager
def open_archive(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """(the lines' stream, the file underneath it): a name ending ``.gz`` is read through gzip;
    the file's position measures progress through the archive either way."""
    with path.open("rb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield stream, raw
        else:
            yield raw, raw


def import_jsonl(
    store: Store,
    path: Path,
    sources: dict[str, Source],
    *,
    settings: Settings | None = None,
    on_line: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path``; outlets not in ``sources`` are created (and added to ``sources``).

    A line that cannot be imported, whatever the reason, is reported with its number and
    skipped; only a lost database connection stops the import (nothing more could be stored).
    """
    report = ImportReport()
    max_bytes = settings.crawl.import_max_line_bytes if settings else MAX_LINE_BYTES
    ingest = Ingest(store, settings)
    with open_archive(path) as (stream, _raw):
        for number, item in iter_records(stream, max_bytes):
            report.lines = number
            if on_line:
                on_line(number)
            try:
                if isinstance(item, LineError):
                    raise item
                _import_one(store, ingest, item, sources, report)
            except LineError as exc:
                report.skip(number, str(exc))
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:  # a bad line must never cost the lines after it
                report.errors.append((number, unexpected(exc)))
                log.exception("import line=%d skipped", number)
    report.stories_late = ingest.finish()
    return report


@dataclass(frozen=True)
class Built:
    """One good line: its article as built, its outlet (a new one when the line names an outlet
    not yet known) and its explicit section label."""

    article: Article
    source: Source
    section: str | None


def article_of(record: dict[str, Any], sources: Mapping[str, Source]) -> Built:
    """Validate one record and build its article (pure: an outlet not in ``sources`` is made
    here, the caller stores it); raises :class:`LineError` saying what is wrong with it."""
    entry, page = _entry_from(record)
    slug = record["source"].strip()
    source = sources.get(slug)
    lang = str(record.get("lang") or "").strip() or None
    if lang and lang not in {"ar", "fr", "en"}:
        raise LineError(f"unknown lang {lang!r}: use ar, fr or en")
    if source is None:
        try:
            validate_slug(slug)
        except SlugError as exc:
            raise LineError(f"bad source slug: {exc}") from None
        source = Source(slug=slug, name_ar=slug, lang=lang or "ar")
    section = record.get("section")
    if section and section not in SECTIONS:
        raise LineError(f"unknown section {section!r}: one of {', '.join(SECTIONS)}")
    article = build_article(source, entry, page)
    if lang:
        article.lang = lang
    article.partial = False  # an archive's text is its own full text
    return Built(article, source, section)


def add_source(
    store: Store, source: Source, sources: dict[str, Source], report: ImportReport
) -> None:
    """Store an outlet an import line named for the first time (once per run)."""
    if source.slug in sources:
        return
    store.ensure_source(source.slug, source.name_ar, source.lang)
    sources[source.slug] = source
    report.created_sources.append(source.slug)


def _import_one(
    store: Store,
    ingest: Ingest,
    record: dict[str, Any],
    sources: dict[str, Source],
    report: ImportReport,
) -> None:
    built = article_of(record, sources)
    add_source(store, built.source, sources, report)
    (saved,) = ingest([prepare(built.article, built.source, section=built.section)])
    # stories: old articles deferred to the backlog, worked by ingest.finish()
    report.count(saved.status)

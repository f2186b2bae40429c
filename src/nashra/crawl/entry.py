"""The page stage of one feed entry: decode its fetched page, extract it, build the article and
prepare it for the ingest unit (``nashra.ingest.prepare``: analysed once, labelled).

The crawler runs it on fresh pages, re-extraction (``nashra.crawl.kept``) on kept ones.
"""

from __future__ import annotations

import logging
from typing import Any

from nashra.crawl.article import build_article
from nashra.crawl.extract import extract_page
from nashra.http.encoding import decode_html
from nashra.http.fetch import FetchResult
from nashra.ingest import Prepared, prepare
from nashra.model import ExtractedPage, FeedEntry
from nashra.sources.registry import Source

__all__ = ["prepare_entry"]

log = logging.getLogger("nashra.crawl")


def prepare_entry(
    source: Source, entry: FeedEntry, fetched: FetchResult | None, adapter: Any
) -> Prepared:
    """Decode, extract, sanitise, analyse and label one entry's page (the CPU-bound part of an
    entry, run within the per-item time budget).

    An extractor bug must not lose the feed's entry: the article is then built from the feed.
    """
    page: ExtractedPage | None = None
    if fetched is not None:
        text, _encoding = decode_html(fetched.content, fetched.headers.get("content-type"))
        try:
            page = extract_page(text, fetched.final_url, adapter)
        except Exception:
            log.exception("extraction failed url=%s", entry.url)
    return prepare(build_article(source, entry, page, adapter=adapter), source)

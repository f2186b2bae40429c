"""Reading a search request from URL query parameters (the page, the JSON API and the CLI
share it), with a clear message for every value that cannot be used."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from nashra.config import SearchSettings
from nashra.search.engine import (
    MAX_PAGE,
    MAX_PER_PAGE,
    PHRASE_RANK_WINDOW,
    RANK_WINDOW,
    SearchError,
    SearchRequest,
)
from nashra.search.query import CONTENT_LANGS
from nashra.sections import SECTIONS
from nashra.store.queries import Filters
from nashra.text.dates import parse_query_instant

__all__ = ["parse_when", "request_from_params"]


def parse_when(name: str, raw: str | None, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or date-time; a bare date given as ``until`` includes that whole day."""
    if not raw:
        return None
    try:
        return parse_query_instant(raw, end_of_day=end_of_day)
    except ValueError as exc:
        raise SearchError(f"{name} {exc}") from None


def _int(name: str, raw: str | None, default: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        raise SearchError(f"{name} must be a whole number between 1 and {high}, got {raw[:20]!r}")
    return int(raw)


def request_from_params(
    params: Mapping[str, str],
    known_sources: set[str] | None = None,
    *,
    per_page: int = 20,
    settings: SearchSettings | None = None,
) -> SearchRequest:
    """``q, mode, source, section, lang, region, since, until, sort, page`` (or ``cursor``, the
    API's name for the page to fetch) and ``limit``; ``settings``: the instance's (its rank
    windows; the defaults without)."""
    source = (params.get("source") or "").strip() or None
    if source and known_sources is not None and source not in known_sources:
        raise SearchError(f"unknown source {source[:64]!r}")
    section = (params.get("section") or "").strip() or None
    if section and section not in SECTIONS:
        raise SearchError(f"unknown section {section[:64]!r}: use one of {', '.join(SECTIONS)}")
    lang = (params.get("lang") or "").strip() or None
    if lang and lang not in CONTENT_LANGS:
        raise SearchError(f"lang must be one of {', '.join(CONTENT_LANGS)}, got {lang[:10]!r}")
    since = parse_when("since", params.get("since"))
    until = parse_when("until", params.get("until"), end_of_day=True)
    if since and until and since >= until:
        raise SearchError("since must be before until")
    page = _int("page", params.get("cursor") or params.get("page"), 1, MAX_PAGE)
    request = SearchRequest(
        q=params.get("q") or "",
        mode=(params.get("mode") or "topic").strip() or "topic",
        filters=Filters(source=source, section=section, lang=lang, since=since, until=until),
        region=(params.get("region") or "").strip() or None,
        sort=(params.get("sort") or "relevance").strip() or "relevance",
        page=page,
        per_page=_int("limit", params.get("limit"), per_page, MAX_PER_PAGE),
        rank_window=settings.search_rank_window if settings else RANK_WINDOW,
        phrase_rank_window=settings.search_phrase_rank_window if settings else PHRASE_RANK_WINDOW,
    )
    request.validate()
    return request

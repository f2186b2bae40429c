"""Helpers shared by the story tests: stored articles built like the crawl builds them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nashra.ingest import save_article
from nashra.model import Article
from nashra.store import Store
from nashra.text import fingerprint

DATA = Path(__file__).parent / "data" / "stories"
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def hard_cases() -> list[dict[str, Any]]:
    return json.loads((DATA / "hard_cases.json").read_text(encoding="utf-8"))["cases"]


def ant_pairs() -> list[dict[str, Any]]:
    return json.loads((DATA / "ant_pairs.json").read_text(encoding="utf-8"))["pairs"]


def save(
    store: Store,
    source: str,
    url: str,
    title: str,
    body: str,
    hours: float = 0.0,
    *,
    lang: str = "ar",
    partial: bool = False,
) -> int:
    """Store one article as the crawl would (normalised text and exact-copy fingerprint)."""
    store.ensure_source(source, source, lang)
    article = Article(
        source=source,
        url=url,
        title=title,
        body_html="".join(f"<p>{p}</p>" for p in body.split("\n")),
        body_text=body,
        published=T0 + timedelta(hours=hours),
        lang=lang,
        partial=partial,
        body_hash=fingerprint(body, lang),
    )
    return save_article(store, article).pk

"""A small archive for the portal's story and enrichment tests, stored the way the crawl stores
articles: enriched (sections, regions, authors, agencies), saved, then assigned to stories.

Texts are the hand-written hard cases of the story tests (``tests/data/stories``). The news is
from March 2018 except one outlier published five years later, as in the demo archive.

(No tests here; ``test_portal_*.py`` import these helpers.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nashra.config import Settings
from nashra.enrich import enrich_article
from nashra.ingest import save_article
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.stories.store import StoryStore
from nashra.text import fingerprint

CASES = json.loads(
    (Path(__file__).parent / "data" / "stories" / "hard_cases.json").read_text(encoding="utf-8")
)["cases"]
T0 = datetime(2018, 3, 1, 8, 0, tzinfo=UTC)
OUTLIER = datetime(2023, 6, 1, 8, 0, tzinfo=UTC)

OUTLETS = {
    s.slug: s
    for s in (
        Source(slug="hespress", name_ar="هسبريس", name_fr="Hespress", site_url="https://h.example"),
        Source(slug="le360", name_ar="لو360", name_fr="Le360", site_url="https://l.example"),
        Source(slug="alyaoum24", name_ar="اليوم 24", site_url="https://y.example"),
        Source(slug="goud", name_ar="كود", site_url="https://g.example"),
        Source(slug="lematin", name_fr="Le Matin", site_url="https://m.example", lang="fr"),
    )
}


def case(kind: str, lang: str = "ar") -> dict[str, Any]:
    return next(c for c in CASES if c["kind"] == kind and c["lang"] == lang)


@dataclass
class PortalArchive:
    settings: Settings
    store: Store
    pks: dict[str, int]


def put(
    store: Store,
    stories: StoryStore | None,
    slug: str,
    text: dict[str, str],
    when: datetime,
    *,
    extra: str = "",
    byline: str = "",
) -> int:
    """Enrich, save and group one article as the crawl does."""
    source = OUTLETS[slug]
    body = text["body"] + extra
    article = Article(
        source=slug,
        url=f"{source.site_url}/{abs(hash((slug, text['title'], when))) % 10**9}",
        title=text["title"],
        body_html="".join(f"<p>{p}</p>" for p in body.split("\n")),
        body_text=body,
        summary=body[:300],
        published=when,
        lang=source.lang,
        author=byline,
        body_hash=fingerprint(body, source.lang),
    )
    enrichment = enrich_article(article, source)
    pk = save_article(store, article, enrichment=enrichment).pk
    if stories is not None:
        stories.assign(pk)
    return pk


def build_portal_archive(settings: Settings, store: Store, *, group: bool = True) -> PortalArchive:
    """Two stories covered by several outlets, three lone ones, a French article, and a lone
    outlier five years after the rest (``group=False``: nothing assigned to stories)."""
    store.sync_sources(list(OUTLETS.values()))
    stories = StoryStore(store) if group else None
    h = lambda n: T0 + timedelta(hours=n)  # noqa: E731
    wire, toll = case("wire copy"), case("toll")
    pks = {
        # the wire copy: three outlets, the agency named in the byline
        "wire_a": put(store, stories, "hespress", wire["a"], h(0), byline="و م ع"),
        "wire_b": put(store, stories, "le360", wire["b"], h(1), byline="و.م.ع"),
        "wire_c": put(store, stories, "alyaoum24", wire["a"], h(2), extra=" تتمة"),
        "toll_a": put(store, stories, "alyaoum24", toll["a"], h(5)),
        "toll_b": put(store, stories, "le360", toll["b"], h(6)),
        # lone stories; one writer spelled two ways
        "lone_1": put(
            store, stories, "hespress", case("figure")["a"], h(7), byline="عبد الله العلوي"
        ),  # fmt: skip
        "lone_2": put(store, stories, "goud", case("place")["a"], h(8), byline="عبدالله العلوي"),
        "lone_3": put(store, stories, "le360", case("negation")["a"], h(9)),
        "french": put(store, stories, "lematin", case("paraphrase", "fr")["a"], h(10)),
        # years later: the newest news of the archive
        "outlier": put(store, stories, "goud", case("figure+place")["a"], OUTLIER),
    }
    return PortalArchive(settings, store, pks)

"""Per-outlet adapters: small declarative overrides of the generic page extractor (Fundus-style).

An adapter names, as XPath strings, where an outlet keeps its article body, which blocks to prune
before extraction, and where its byline lives. The generic extractor is itself the default adapter
(no overrides), so the built-ins go through the same hook that instance operators use.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Adapter:
    body_xpath: str | None = None  # the element holding the article body; None → trafilatura
    prune_xpath: tuple[str, ...] = ()  # blocks removed before the body is looked for
    author_xpath: str | None = None
    date_xpath: str | None = None
    # Regex with one group for the origin's numeric id in article URLs (else generic rules).
    id_pattern: str | None = None
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)


GENERIC = Adapter(notes="trafilatura with page metadata from Open Graph, JSON-LD and meta tags")

_ADAPTERS: dict[str, Adapter] = {}


def register_adapter(slug: str, adapter: Adapter) -> None:
    """Declare how one outlet's pages are read (later registrations replace earlier ones)."""
    _ADAPTERS[slug] = adapter


def adapter_for(slug: str) -> Adapter:
    return _ADAPTERS.get(slug, GENERIC)


# Built-in adapters for real outlets whose markup is known.
register_adapter(
    "hespress",
    Adapter(
        body_xpath="//div[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
        prune_xpath=("//div[contains(@class,'related')]", "//div[contains(@class,'share')]"),
        id_pattern=r"/(\d+)\.html",
        notes="WordPress theme; body in .article-content, numeric id before .html",
    ),
)

"""Per-outlet adapters: small declarative overrides of the generic page extractor (Fundus-style).

An adapter names, as XPath strings, where an outlet keeps its article body, which blocks to prune
before extraction, and where its title, byline, date and lead image live. Adapters come from the
outlet's ``extract:`` rules in the registry (``nashra.sources.rules``; the built-in outlets are
written that way in ``default.yaml``) or, for rules that need code, from ``register_adapter``.
The generic extractor is itself the default adapter (no overrides).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from nashra.sources.rules import ExtractRules, to_xpath

if TYPE_CHECKING:
    from nashra.sources.registry import Source


@dataclass(frozen=True)
class Adapter:
    body_xpath: str | None = None  # the element holding the article body; None → trafilatura
    prune_xpath: tuple[str, ...] = ()  # blocks removed before the body is looked for
    author_xpath: str | None = None
    date_xpath: str | None = None
    title_xpath: str | None = None
    image_xpath: str | None = None
    date_format: str | None = None  # strptime format of the date text (else the date parsers)
    feed_content: bool = False  # the feed carries the full text: the page is not fetched
    # Regex with one group for the origin's numeric id in article URLs (else generic rules).
    id_pattern: str | None = None
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)


GENERIC = Adapter(notes="trafilatura with page metadata from Open Graph, JSON-LD and meta tags")

_ADAPTERS: dict[str, Adapter] = {}


def register_adapter(slug: str, adapter: Adapter) -> None:
    """Declare in code how one outlet's pages are read (later registrations replace earlier
    ones). The outlet's ``extract:`` rules in the registry, when it has any, override it."""
    _ADAPTERS[slug] = adapter


@lru_cache(maxsize=1024)
def _compiled(rules: ExtractRules) -> dict[str, object]:
    """The XPath of each rule that is set (cssselect's translation is cached per rule set)."""

    def xp(value: str | None, name: str) -> str | None:
        return to_xpath(value, f"extract.{name}") if value else None

    out: dict[str, object] = {
        f"{name}_xpath": xp(getattr(rules, name), name)
        for name in ("body", "title", "author", "date", "image")
    }
    out["prune_xpath"] = tuple(to_xpath(p, "extract.prune") for p in rules.prune)
    out["date_format"] = rules.date_format
    out["feed_content"] = rules.feed_content
    return {key: value for key, value in out.items() if value}


def adapter_from_rules(rules: ExtractRules, base: Adapter = GENERIC) -> Adapter:
    """The adapter of registry rules, on top of ``base`` (the outlet's coded adapter, if any)."""
    return replace(base, notes="registry rules", **_compiled(rules))  # type: ignore[arg-type]


def adapter_for(source: str | Source) -> Adapter:
    """How to read an outlet's pages: its registry rules over its coded adapter over GENERIC."""
    slug = source if isinstance(source, str) else source.slug
    base = _ADAPTERS.get(slug, GENERIC)
    rules = None if isinstance(source, str) else source.extract
    if rules is None or rules.is_empty():
        return base
    return adapter_from_rules(rules, base)

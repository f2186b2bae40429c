"""Try an outlet's extraction rules on a page before trusting them: the generic extraction and the
rules' side by side (``nashra sources test``, the rule editor in /admin)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nashra.crawl.extract import extract_page
from nashra.crawl.pipeline import PAGE_ACCEPT
from nashra.http.encoding import decode_html
from nashra.http.fetch import Fetcher
from nashra.model import ExtractedPage
from nashra.sources.adapters import GENERIC, adapter_for
from nashra.sources.registry import Source

__all__ = ["FIELDS", "PagePreview", "RulePreview", "load_page", "preview"]

FIELDS = ("title", "author", "published", "image", "first_paragraph", "last_paragraph", "words")


@dataclass
class PagePreview:
    """What one extraction made of a page, in the few fields an operator checks."""

    title: str = ""
    author: str = ""
    published: str = ""
    image: str = ""
    first_paragraph: str = ""
    last_paragraph: str = ""
    words: int = 0

    @classmethod
    def of(cls, page: ExtractedPage) -> PagePreview:
        paragraphs = [p.strip() for p in page.body_text.split("\n") if p.strip()]
        return cls(
            title=page.title,
            author=page.author,
            published=page.published.isoformat() if page.published else "",
            image=page.image_url or "",
            first_paragraph=paragraphs[0] if paragraphs else "",
            last_paragraph=paragraphs[-1] if paragraphs else "",
            words=len(page.body_text.split()),
        )


@dataclass
class RulePreview:
    url: str
    generic: PagePreview
    rules: PagePreview
    changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "generic": asdict(self.generic), "rules": asdict(self.rules),
                "changed": self.changed}  # fmt: skip


def preview(
    source: Source, content: bytes, url: str, content_type: str | None = None
) -> RulePreview:
    """Extract ``content`` twice — generically and with ``source``'s rules — and say which
    fields the rules changed."""
    text, _ = decode_html(content, content_type)
    generic = PagePreview.of(extract_page(text, url, GENERIC))
    ruled = PagePreview.of(extract_page(text, url, adapter_for(source)))
    changed = [name for name in FIELDS if getattr(generic, name) != getattr(ruled, name)]
    return RulePreview(url, generic, ruled, changed)


async def load_page(settings: Any, target: str) -> tuple[bytes, str, str | None]:
    """``(content, url, content type)`` of a page: a local file, or an address fetched through
    the guarded client. Raises ValueError with the reason when there is nothing to read."""
    path = Path(target)
    if "://" not in target:
        if not path.is_file():
            raise ValueError(f"{target!r} is neither an http(s) address nor a readable file")
        return path.read_bytes(), path.resolve().as_uri(), None
    async with Fetcher(settings.fetch) as fetcher:
        result = await fetcher.fetch(target, accept=PAGE_ACCEPT)
    if not result.ok or not result.content:
        raise ValueError(f"could not fetch {target}: {result.error or result.status}")
    return result.content, result.final_url, result.headers.get("content-type")

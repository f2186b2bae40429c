"""What the index holds for one article: analysed terms, never raw text (pure functions).

FTS5's ``unicode61`` tokenizer splits Arabic words at every haraka and PostgreSQL's parsers know
nothing of Arabic clitics, so both backends receive the output of the one analyser,
``nashra.text.analyse``, as space-separated tokens in text order (positions are kept, so phrase
search works). A second, unstemmed copy (``nashra.text.normalize``: folded, not stemmed) serves
prefix search, which must match what the reader typed, not a stem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nashra.model import Article
from nashra.text import analyse, normalize

# PostgreSQL refuses a tsvector over 1 MB and stops counting positions at 16,383: the index keeps
# the first words of a (rare) giant body, the same on both backends.
MAX_BODY_CHARS = 200_000


@dataclass(frozen=True)
class IndexDocument:
    """The indexed columns of one article (each a space-separated token stream)."""

    title: str
    body: str
    author: str
    title_words: str
    body_words: str
    facets: str = ""  # outlet, section, language and day (SQLite only: nashra.search.facets)


def build_document(
    title: str, body: str, author: str, lang: str, facets: str = ""
) -> IndexDocument:
    """Index columns of an article analysed in its own language."""
    lang = lang or "ar"
    body = (body or "")[:MAX_BODY_CHARS]
    return IndexDocument(
        title=" ".join(analyse(title or "", lang)),
        body=" ".join(analyse(body or "", lang)),
        author=" ".join(analyse(author or "", lang)),
        title_words=normalize(title or ""),
        body_words=normalize(body or ""),
        facets=facets,
    )


def writer(article: Any) -> str:
    """What the writer mode matches: the cleaned author and the raw byline, so «رويترز» finds
    the agency's items although agencies are not shown as authors."""
    enrichment = getattr(article, "enrichment", None)
    byline = getattr(enrichment, "byline", None) or getattr(article, "byline", "") or ""
    author = article.author or ""
    return author if byline in author else f"{author} {byline}".strip()


def article_document(article: Article, facets: str = "") -> IndexDocument:
    """The document of an :class:`Article` being stored (the body, else its summary)."""
    return build_document(
        article.title, article.body_text or article.summary, writer(article), article.lang, facets
    )

"""What the index holds for one article: analysed terms, never raw text (pure functions).

FTS5's ``unicode61`` tokenizer splits Arabic words at every haraka and PostgreSQL's parsers know
nothing of Arabic clitics, so both backends receive the output of the one analyser,
``nashra.text.analyse``, as space-separated tokens in text order (positions are kept, so phrase
search works). A second, unstemmed copy (``nashra.text.normalize``: folded, not stemmed) serves
prefix search, which must match what the reader typed, not a stem.
"""

from __future__ import annotations

from dataclasses import dataclass

from nashra.text import analyse, normalize
from nashra.text.article import AnalysedText

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


def writer(author: str, byline: str = "") -> str:
    """What the writer mode matches: the cleaned author and the raw byline, so «رويترز» finds
    the agency's items although agencies are not shown as authors."""
    author, byline = author or "", byline or ""
    return author if byline in author else f"{author} {byline}".strip()


def document_of(text: AnalysedText, author: str, facets: str = "") -> IndexDocument:
    """The index columns of an article already analysed (:func:`nashra.text.article.
    analyse_article` of its title and its body, else its summary): the same document
    :func:`build_document` makes, without analysing the text again."""
    if len(text.body) > MAX_BODY_CHARS:
        body_terms = text.body_terms_within(MAX_BODY_CHARS)
        body_words = normalize(text.body[:MAX_BODY_CHARS])
    else:
        body_terms, body_words = text.body_terms, text.normal_body
    return IndexDocument(
        title=" ".join(text.title_terms),
        body=" ".join(body_terms),
        author=" ".join(analyse(author or "", text.lang)),
        title_words=text.normal_title,
        body_words=body_words,
        facets=facets,
    )

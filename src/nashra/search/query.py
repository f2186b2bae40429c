"""The reader's query language, parsed into terms of the one analyser (pure, never raises).

* words: an article is shown when it has at least one of them; the ranking (``ranking``) puts
  the articles with more of them, rarer ones, closer together, first. Function and question
  words («متى», «من», «le», see ``nashra.text.stopwords``) are *optional*: they never decide
  whether an article is shown (unless the query has nothing else), they only add to its score;
  ``OR``, ``NOT``, ``NEAR``, ``-``, ``:``, ``^``, column
  names… are plain text here, never operators, so no input can reach the index as syntax;
* ``"exact phrase"`` (also «…» and “…”): required, the words in that order, next to each other;
* ``prefix*``: required, words starting with the typed letters (normalised, not stemmed);
* an unbalanced quote is read as plain words; a very long query is shortened; what was changed is
  reported in :attr:`Query.notes` so the page can say so.

A Latin word is analysed once per content language (French stems for French articles, plain
folding for the Latin names quoted in Arabic articles) and the variants are alternatives.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from nashra.text import analyse, normalize
from nashra.text.stopwords import is_stop_token

__all__ = [
    "CONTENT_LANGS",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "Query",
    "Term",
    "as_phrase",
    "parse_query",
]

CONTENT_LANGS: tuple[str, ...] = ("ar", "fr", "en")
MAX_QUERY_CHARS = 500
MAX_TERMS = 16
PARSED_QUERIES = 512  # queries whose analysis is remembered (see parse_query)
MIN_PREFIX = 2
_QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“", "”": "”"}

# Notes a query can carry (codes; the web layer and the CLI turn them into sentences).
SHORTENED = "shortened"
UNBALANCED_QUOTE = "unbalanced_quote"
TOO_MANY_WORDS = "too_many_words"
PREFIX_TOO_SHORT = "prefix_too_short"
NO_WORDS = "no_words"


@dataclass(frozen=True)
class Term:
    """One element of a query.

    ``variants`` are alternative token sequences (one per content language that analyses the text
    differently); a word has one token per variant, a phrase several, a prefix one unstemmed token.
    An ``optional`` word (a function word) only adds to the score of the articles that have it.
    """

    kind: str  # "word" | "phrase" | "prefix"
    text: str
    variants: tuple[tuple[str, ...], ...]
    optional: bool = False

    @property
    def required(self) -> bool:
        """Phrases and prefixes must match; words are alternatives (any one is enough)."""
        return self.kind != "word"


@dataclass(frozen=True)
class Query:
    raw: str
    terms: tuple[Term, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.terms

    @property
    def stems(self) -> frozenset[str]:
        """Analysed tokens a matched word of a document has wherever it is (for highlighting):
        the words'. A phrase's tokens are :attr:`phrases`, marked only where they are in order."""
        return frozenset(
            v[0]
            for t in self.terms
            if t.kind != "prefix" and not t.optional
            for v in t.variants
            if len(v) == 1
        )

    @property
    def phrases(self) -> frozenset[tuple[str, ...]]:
        """The token sequences a document must hold in order: quoted phrases and the words the
        analyser splits into several tokens (for highlighting)."""
        return frozenset(
            v for t in self.terms if t.kind != "prefix" for v in t.variants if len(v) > 1
        )

    @property
    def words(self) -> tuple[Term, ...]:
        """The words that decide whether an article is shown (any one of them is enough)."""
        return tuple(t for t in self.terms if t.kind == "word" and not t.optional)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(t.variants[0][0] for t in self.terms if t.kind == "prefix")


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


def _segments(raw: str) -> tuple[list[tuple[str, str]], bool]:
    """Split into ("text", …) and ("phrase", …) segments; True when a quote was left open."""
    out: list[tuple[str, str]] = []
    unbalanced = False
    i, start = 0, 0
    while i < len(raw):
        closing = _QUOTES.get(raw[i])
        if closing is None:
            i += 1
            continue
        end = raw.find(closing, i + 1)
        if end < 0:
            unbalanced = True
            out.append(("text", raw[start:i]))
            start = i + 1
            break
        out.append(("text", raw[start:i]))
        out.append(("phrase", raw[i + 1 : end]))
        i = start = end + 1
    out.append(("text", raw[start:]))
    return [(kind, text) for kind, text in out if text.strip()], unbalanced


def _word_terms(chunk: str, langs: tuple[str, ...]) -> list[Term]:
    analysed = [analyse(chunk, lang) for lang in langs]
    size = len(analysed[0])
    if any(len(a) != size for a in analysed):
        analysed = analysed[:1]
    terms = []
    for i in range(size):
        variants = tuple(dict.fromkeys((a[i],) for a in analysed))
        terms.append(Term("word", chunk, variants))
    return terms


def _prefix_terms(chunk: str, langs: tuple[str, ...], notes: list[str]) -> list[Term]:
    words = normalize(chunk).split()
    if not words:
        return []
    terms = _word_terms(" ".join(words[:-1]), langs) if len(words) > 1 else []
    if len(words[-1]) < MIN_PREFIX:
        notes.append(PREFIX_TOO_SHORT)
        return terms
    return [*terms, Term("prefix", chunk, ((words[-1],),))]


def _phrase_terms(text: str, langs: tuple[str, ...]) -> list[Term]:
    variants = tuple(dict.fromkeys(tuple(analyse(text, lang)) for lang in langs))
    variants = tuple(v for v in variants if v)
    if not variants:
        return []
    if all(len(v) == 1 for v in variants):
        return [Term("word", text, variants)]
    return [Term("phrase", text.strip(), variants)]


def _chunk_terms(chunk: str, langs: tuple[str, ...], notes: list[str]) -> list[Term]:
    # A prefix is a word ending with "*" (trailing punctuation after the star is forgiven).
    end = len(chunk)
    while end and not _is_word_char(chunk[end - 1]) and chunk[end - 1] != "*":
        end -= 1
    head = chunk[:end]
    if head.endswith("*") and head.rstrip("*"):
        return _prefix_terms(head.rstrip("*"), langs, notes)
    return _word_terms(chunk, langs)


def _mark_optional(terms: list[Term]) -> list[Term]:
    """Function words become optional, unless nothing else would be left to look for."""
    stop = [
        t.kind == "word" and all(is_stop_token(tok) for v in t.variants for tok in v) for t in terms
    ]
    if all(stop):
        return terms
    return [replace(t, optional=True) if s else t for t, s in zip(terms, stop, strict=True)]


def parse_query(raw: str | None, langs: tuple[str, ...] = CONTENT_LANGS) -> Query:
    """The :class:`Query` of what a reader typed; any input gives a query (maybe empty).
    Remembered for the last :data:`PARSED_QUERIES` inputs (a query is immutable and depends on
    nothing but the text and the languages: a search parses it twice, for the results cache's
    key and to run)."""
    return _parsed(raw or "", tuple(langs))


@lru_cache(maxsize=PARSED_QUERIES)
def _parsed(raw: str, langs: tuple[str, ...]) -> Query:
    notes: list[str] = []
    text = raw
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS)
        text = text[: cut if cut > 0 else MAX_QUERY_CHARS]
        notes.append(SHORTENED)
    segments, unbalanced = _segments(text)
    if unbalanced:
        notes.append(UNBALANCED_QUOTE)
    terms: list[Term] = []
    for kind, segment in segments:
        if kind == "phrase":
            terms.extend(_phrase_terms(segment, langs))
            continue
        for chunk in segment.split():
            terms.extend(_chunk_terms(chunk, langs, notes))
    unique = _mark_optional(list(dict.fromkeys(terms)))
    if len(unique) > MAX_TERMS:
        unique = unique[:MAX_TERMS]
        notes.append(TOO_MANY_WORDS)
    if not unique:
        notes.append(NO_WORDS)
    return Query(raw=raw, terms=tuple(unique), notes=tuple(dict.fromkeys(notes)))


def as_phrase(text: str, langs: tuple[str, ...] = CONTENT_LANGS) -> Query:
    """``text`` matched as written, all its words together and in order (a place name, a
    topic); one word is a plain word."""
    words = text.replace('"', " ").split()
    return parse_query('"' + " ".join(words) + '"', langs) if words else parse_query("", langs)

"""One analysis of an article's text, shared by every stage that reads it (a pure function).

Search documents, the section classifier, region tagging, story features and the copy
fingerprint all read the same :class:`AnalysedText`, as Fundus's parsers share one
``precomputed`` document: the title and the body are folded, tokenized and stemmed once, before
any transaction opens, and no consumer analyses the text again.

What it holds:

* ``title_terms`` / ``body_terms``: the terms of :func:`nashra.text.analyse` (the analyser the
  search queries use), the body's kept per whitespace chunk so that the terms of any prefix of
  the body (``body_terms_within``) come out exactly as if that prefix had been analysed;
* ``normal_title`` / ``normal_body``: the folded, unstemmed word streams (prefix search, the
  copy fingerprint ``body_hash``);
* ``name_tokens``: the title's, the lead's and the rest's words with a flag "written with a
  capital" (place names and other proper names in Latin script), for region tagging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import chain

from nashra.memo import Memo
from nashra.text.analyse import analyse, terms_of_folded
from nashra.text.fingerprint import fingerprint_normal
from nashra.text.fold import fold_accents, fold_base, fold_word, normalize, normalize_arabic

__all__ = ["AnalysedText", "NameToken", "analyse_article", "name_tokens", "split_lead"]

LEAD_PARAGRAPHS = 2
LEAD_CHARS = 600
_WORD = re.compile(r"[^\W_]+")


# A normalised word and whether the writer capitalised it (a Latin proper name): a plain
# (word, capital) pair. Plain tuples of strings and booleans leave the garbage collector's view
# after their first collection, and the chunk memo holds hundreds of thousands of them; as
# instances of a NamedTuple class they stayed tracked and a full collection walked every one
# (a quarter of the analysis time in bench_ingest).
NameToken = tuple[str, bool]


def _word_tokens(raw: str) -> tuple[NameToken, ...]:
    capital = raw[:1].isupper()
    return tuple((word, capital) for word in normalize(raw).split())


_raw_word_tokens: Memo[str, tuple[NameToken, ...]] = Memo(_word_tokens, 200_000)


def name_tokens(text: str) -> tuple[NameToken, ...]:
    """The words of ``text`` in normal form with their capital flag (harakat and tatweel are
    deleted first, so they never split a word)."""
    return tuple(
        chain.from_iterable(
            map(_raw_word_tokens.__getitem__, _WORD.findall(normalize_arabic(text or "")))
        )
    )


# A chunk that is one word of these letters and digits, with at most some of these punctuation
# marks before and after it, folds the same either way: NFKC leaves it as it is, each letter
# folds on its own, the marks become spaces at its edges and none is a word character. Its name
# tokens are then its normal form with its first letter's case, and its fold is the word's.
_PUNCTUATION = '["().,:;!?\u060c\u061b\u061f\u00ab\u00bb]*'
_PLAIN_WORD = re.compile(
    f"{_PUNCTUATION}([0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153"
    f"\u0621-\u063a\u0641-\u064a\u0660-\u0669]+){_PUNCTUATION}"
)

ChunkForms = tuple[str, tuple[NameToken, ...], tuple[str, ...]]
_FORMS_MEMO_SIZE = 300_000
_forms_memos: dict[str, Memo[str, ChunkForms]] = {}


def _chunk_forms(chunk: str, lang: str) -> ChunkForms:
    """The normal form, the name tokens and the analysed terms of one whitespace-free chunk of
    a text. Every fold works character by character and whitespace separates words in all of
    them, so a text's normal form is its chunks' forms joined by spaces (the empty ones left
    out), its name tokens are its chunks' tokens one after the other, and its terms are
    :func:`~nashra.text.analyse.analyse_chunks`'s; the chunk is folded once for all three."""
    plain = _PLAIN_WORD.fullmatch(chunk)
    if plain:  # most chunks: one word, folded without NFKC, splitting or a second fold
        word = plain.group(1)
        folded = fold_word(word)
        normal = fold_accents(folded)
        return normal, ((normal, word[0].isupper()),), terms_of_folded(folded, lang)
    folded = fold_base(chunk)
    return fold_accents(folded), name_tokens(chunk), terms_of_folded(folded, lang)


def _forms_of(chunks: list[str], lang: str) -> list[ChunkForms]:
    """:func:`_chunk_forms` of each chunk; a body's chunks repeat across articles, so each is
    computed once (a memo per language)."""
    memo = _forms_memos.get(lang)
    if memo is None:
        memo = _forms_memos[lang] = Memo(partial(_chunk_forms, lang=lang), _FORMS_MEMO_SIZE)
    return list(map(memo.__getitem__, chunks))


def split_lead(body: str) -> tuple[str, str]:
    """(lead, rest): the first paragraphs of a body, at most :data:`LEAD_CHARS` characters."""
    paragraphs = [p for p in body.split("\n") if p.strip()]
    lead = "\n".join(paragraphs[:LEAD_PARAGRAPHS])
    rest = "\n".join(paragraphs[LEAD_PARAGRAPHS:])
    if len(lead) > LEAD_CHARS:
        cut = lead.rfind(" ", 0, LEAD_CHARS)
        cut = cut if cut > 0 else LEAD_CHARS
        lead, rest = lead[:cut], lead[cut:] + "\n" + rest
    return lead, rest


@dataclass(frozen=True)
class AnalysedText:
    """The analysis of one article's title and body (see the module docstring)."""

    lang: str
    title: str
    body: str
    title_terms: tuple[str, ...]
    normal_title: str
    normal_body: str
    title_names: tuple[NameToken, ...]
    lead_names: tuple[NameToken, ...]
    rest_names: tuple[NameToken, ...]
    _chunks: tuple[str, ...] = field(repr=False, default=())
    _chunk_terms: tuple[tuple[str, ...], ...] = field(repr=False, default=())
    _chunk_normals: tuple[str, ...] = field(repr=False, default=())

    @cached_property
    def _body_terms(self) -> tuple[str, ...]:
        return tuple(chain.from_iterable(self._chunk_terms))

    @property
    def body_terms(self) -> list[str]:
        """The analysed terms of the whole body."""
        return list(self._body_terms)

    def _head(self, chars: int) -> tuple[int, str, bool]:
        """``body[:chars]`` (shorter than the body) as (how many of the body's chunks it holds
        whole, the chunk it ends with, whether that one is whole too)."""
        head = self.body[:chars].split()
        if not head:
            return 0, "", False
        whole = len(head) - 1
        return whole, head[-1], head[-1] == self._chunks[whole]

    def body_terms_within(self, chars: int) -> list[str]:
        """The terms of ``body[:chars]``, exactly as ``analyse(body[:chars], lang)`` gives them,
        from the analysis already done (only a word cut by the limit is analysed again)."""
        if chars >= len(self.body):
            return self.body_terms
        whole, last, last_whole = self._head(chars)
        terms = list(chain.from_iterable(self._chunk_terms[:whole]))
        if last_whole:
            terms.extend(self._chunk_terms[whole])
        elif last:
            terms.extend(analyse(last, self.lang))
        return terms

    def normal_words_within(self, chars: int) -> list[str]:
        """The words of ``body[:chars]``, exactly as ``tokenize(body[:chars])`` gives them, from
        the analysis already done (only a word cut by the limit is folded again)."""
        if chars >= len(self.body):
            return self.normal_body.split()
        whole, last, last_whole = self._head(chars)
        tail = self._chunk_normals[whole] if last_whole else normalize(last)
        return " ".join(filter(None, (*self._chunk_normals[:whole], tail))).split()

    @property
    def body_hash(self) -> str:
        """The fingerprint of the normalised body (equal for exact copies across outlets)."""
        return fingerprint_normal(self.normal_body)


def analyse_article(title: str, body: str, lang: str = "ar") -> AnalysedText:
    """Analyse an article's title and body once (``body``: its text, else its summary)."""
    lang = lang or "ar"
    title, body = title or "", body or ""
    # The title's chunks go through the body's memo: its words are mostly the body's own.
    title_forms = _forms_of(title.split(), lang)
    title_normals, title_names, title_terms = (
        zip(*title_forms, strict=True) if title_forms else ((), (), ())
    )
    chunks = body.split()
    normals, names, terms = zip(*_forms_of(chunks, lang), strict=True) if chunks else ((), (), ())
    lead, rest = split_lead(body)
    lead_chunks = lead.split()
    in_lead = len(lead_chunks)
    if in_lead and lead_chunks[-1] != chunks[in_lead - 1]:  # a lead cut inside a word
        lead_names, rest_names = name_tokens(lead), name_tokens(rest)
    else:
        lead_names = tuple(chain.from_iterable(names[:in_lead]))
        rest_names = tuple(chain.from_iterable(names[in_lead:]))
    return AnalysedText(
        lang=lang,
        title=title,
        body=body,
        title_terms=tuple(chain.from_iterable(title_terms)),
        normal_title=" ".join(filter(None, title_normals)),
        normal_body=" ".join(filter(None, normals)),
        title_names=tuple(chain.from_iterable(title_names)),
        lead_names=lead_names,
        rest_names=rest_names,
        _chunks=tuple(chunks),
        _chunk_terms=terms,
        _chunk_normals=normals,
    )

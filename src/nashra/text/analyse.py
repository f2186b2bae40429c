"""The analyser shared by indexing and queries: normalise → tokenize → stem.

Both sides must call this one function, or a query would not meet its own
documents.  Rules per token:

* Arabic-script tokens get :func:`stem_arabic`, whatever the text's language;
* Latin tokens get Snowball French (``lang="fr"``) or English (``lang="en"``)
  stemming via PyStemmer, on the accented form, then accent folding;
* Latin tokens in an Arabic text (``lang="ar"``, or any other language) are
  only case- and accent-folded: names and acronyms («Maroc Telecom», «OCP»)
  are better left whole than stemmed with the wrong language's rules;
* digits stay as they are.

Speed: the text is split on whitespace and each chunk's result is cached, so
a warm analyser costs one dict look-up per word.  The cache is a plain dict
per language, emptied when it grows past ``CACHE_SIZE`` chunks.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from itertools import chain

import Stemmer

from nashra.memo import Memo
from nashra.text.fold import fold_accents, fold_base
from nashra.text.stem import is_arabic_token, stem_folded

__all__ = ["analyse", "analyse_chunks", "clear_cache", "terms_of_folded"]

CACHE_SIZE = 300_000
_SNOWBALL = {"fr": "french", "en": "english"}
_stemmers: dict[str, Stemmer.Stemmer] = {}
_memos: dict[str, Memo[str, tuple[str, ...]]] = {}


def _latin_stemmer(lang: str) -> Stemmer.Stemmer | None:
    algorithm = _SNOWBALL.get(lang)
    if algorithm is None:
        return None
    if lang not in _stemmers:
        _stemmers[lang] = Stemmer.Stemmer(algorithm)
    return _stemmers[lang]


def terms_of_folded(folded: str, lang: str = "ar") -> tuple[str, ...]:
    """The terms of a text :func:`~nashra.text.fold.fold_base` has already folded (a caller
    that needs the folded form for itself folds once)."""
    latin = _latin_stemmer(lang)
    out = []
    for token in folded.split():
        if is_arabic_token(token):
            out.append(stem_folded(token))
        elif latin is not None and token.isalpha():
            out.append(fold_accents(latin.stemWord(token)))
        else:
            out.append(fold_accents(token))
    return tuple(out)


def _analyse_chunk(chunk: str, lang: str) -> tuple[str, ...]:
    return terms_of_folded(fold_base(chunk), lang)


def analyse_chunks(chunks: Iterable[str], lang: str = "ar") -> list[tuple[str, ...]]:
    """The terms of each whitespace-free chunk of a text (``text.split()``), chunk by chunk:
    what :func:`analyse` concatenates, kept apart for callers that need a prefix's terms."""
    memo = _memos.get(lang)
    if memo is None:
        memo = _memos[lang] = Memo(partial(_analyse_chunk, lang=lang), CACHE_SIZE)
    return list(map(memo.__getitem__, chunks))


def analyse(text: str, lang: str = "ar") -> list[str]:
    """Index/query terms of a text analysed in its own language (see module docstring)."""
    if not text:
        return []
    return list(chain.from_iterable(analyse_chunks(text.split(), lang)))


def clear_cache() -> None:
    """Forget cached chunk analyses (benchmarks measure the cold path with it)."""
    _memos.clear()

"""Result snippets with the matched words marked, in the ORIGINAL text (pure functions).

A word of the original text is marked when the one analyser gives it a token of the query's
words (so «المغربيّة» is marked for a search on «المغرب», diacritised or not), when its
normalised, unstemmed form starts with one of the query's prefixes, or when it is part of one of
the query's phrases where the phrase stands whole, in order («المتحدة» of «الأمم المتحدة», not
of «المملكة المتحدة»). Everything is HTML-escaped; only our own ``<mark>`` tags are markup.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from html import escape
from itertools import compress

from nashra.text import analyse, normalize, normalize_arabic
from nashra.text.fold import _ARABIC_TABLE, fold_accents
from nashra.text.stem import is_arabic_token

__all__ = ["Highlighter", "SNIPPET_WORDS"]

SNIPPET_WORDS = 32
MAX_SCAN_WORDS = 600  # words of a body examined at a time for the best window
# A body with no match in its first words (a long article that names the query late) is read
# on, block by block, while the blocks start before this word; then its head is shown. Each
# block repeats the last words of the one before, so a phrase across the seam is seen whole.
MAX_SEEK_WORDS = 6000
SEEK_OVERLAP = 16
ELLIPSIS = "…"


def _edge(ch: str) -> bool:
    """Punctuation or a symbol around a word (kept outside the mark; marks stay inside)."""
    return unicodedata.category(ch)[0] in "PSZC"


def _split_edges(chunk: str) -> tuple[str, str, str]:
    start, end = 0, len(chunk)
    while start < end and _edge(chunk[start]):
        start += 1
    while end > start and _edge(chunk[end - 1]):
        end -= 1
    return chunk[:start], chunk[start:end], chunk[end:]


def _raw_classes() -> tuple[re.Pattern[str], dict[str, str]]:
    """What :func:`normalize_arabic` deletes (marks, tatweel: one regex) and, for each letter it
    yields, the class of raw letters folding to it (``ا`` ← ``اأإآٱ``): with the marks removed
    (never a space, so word positions stay), a key can be looked for in the unfolded text, which
    saves translating a whole body (the costliest step of a results page)."""
    ranges: list[list[int]] = []  # as ranges: a class of 1,000 characters compiles slowly
    for cp in sorted(cp for cp, v in _ARABIC_TABLE.items() if v is None):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    deleted = "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(z)) if z > a else "") for a, z in ranges
    )
    sources: dict[str, list[str]] = {}
    for cp, v in _ARABIC_TABLE.items():
        if v is not None:
            sources.setdefault(v, [v]).append(chr(cp))
    classes = {k: "[" + "".join(map(re.escape, v)) + "]" for k, v in sources.items()}
    return re.compile(f"[{deleted}]+"), classes


_DELETED, _SOURCES = _raw_classes()


def _raw_pattern(keys: list[str]) -> re.Pattern[str]:
    """Finds, in NFKC text without its marks, every place whose :func:`normalize_arabic` form
    holds a key."""
    return re.compile("|".join("".join(_SOURCES.get(ch, re.escape(ch)) for ch in k) for k in keys))


def _ascii_digits(key: str) -> bool:
    """A key of ASCII digits only: no case or accent fold can make or change a digit, so the
    raw pattern (whose classes hold the Arabic-Indic digits) finds it where folding would."""
    return key.isascii() and key.isdigit()


def _best_start(hits: list[bool], size: int, words: int) -> int:
    """The first start of the ``words``-wide window over ``hits[:size]`` holding the most
    hits (windows start at 0 to ``size - words``; 0 when ``size`` is shorter). Only a window
    that begins at 0 or ends on a hit can be the first best, so those are the only ones counted
    (a page's bodies hold a few hits among hundreds of words)."""
    places = list(compress(range(len(hits)), hits))
    last = max(0, size - words)
    best, best_count = 0, bisect_left(places, words)
    for p in places:
        start = p - words + 1
        if start < 1:
            continue
        if start > last:
            break
        count = bisect_left(places, start + words) - bisect_left(places, start)
        if count > best_count:
            best, best_count = start, count
    return best


# What one whitespace-separated chunk of a text gives the query: whether it is marked wherever it
# is (a word's token, a prefix), and its tokens when one of them is a phrase's (else empty).
_Word = tuple[bool, tuple[str, ...]]


def _phrase_places(words: Sequence[_Word | None], phrases: frozenset[tuple[str, ...]]) -> set[int]:
    """The chunks that hold a whole phrase, its tokens in a row (``None``: a chunk with no
    token of the query, which breaks a run)."""
    stream: list[tuple[str | None, int]] = []
    for i, word in enumerate(words):
        if word is None or not word[1]:
            stream.append((None, i))
        else:
            stream.extend((tok, i) for tok in word[1])
    tokens = [tok for tok, _ in stream]
    places: set[int] = set()
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(tokens) - size + 1):
            if tokens[start] == phrase[0] and tuple(tokens[start : start + size]) == phrase:
                places.update(i for _, i in stream[start : start + size])
    return places


class Highlighter:
    """Marks the words of a text that a query matched (one instance per search, memoised):
    ``stems`` wherever they are, ``prefixes`` as typed, ``phrases`` (token sequences) where
    they stand whole."""

    def __init__(
        self,
        stems: Iterable[str],
        prefixes: Iterable[str],
        phrases: Iterable[tuple[str, ...]] = (),
    ) -> None:
        self.stems = frozenset(stems)
        self.prefixes = tuple(prefixes)
        self.phrases = frozenset(tuple(p) for p in phrases)
        self._phrase_tokens = frozenset(tok for p in self.phrases for tok in p)
        self._memos: dict[str, dict[str, _Word]] = {}
        # Substrings every matching word's folded form must contain: an Arabic light stem is
        # always a substring of the folded word, a prefix too; a Latin stem keeps its first
        # letters. They let a long body be scanned by one regex instead of word by word.
        keys = {t if is_arabic_token(t) else t[:2] for t in self.stems | self._phrase_tokens if t}
        keys |= {p for p in self.prefixes if p}
        # Only letters of other scripts need the case and accent folds; ASCII digits (a query's
        # number, Arabic-Indic digits in the text) are found by the raw pattern's classes.
        self._latin = any(not is_arabic_token(k) and not _ascii_digits(k) for k in keys)
        ordered = sorted(keys, key=len, reverse=True)
        self._keys = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._raw_keys = _raw_pattern(ordered) if ordered and not self._latin else None

    def _compute(self, chunk: str, lang: str) -> _Word:
        tokens = analyse(chunk, lang)
        bound = tuple(tokens) if not self._phrase_tokens.isdisjoint(tokens) else ()
        if any(tok in self.stems for tok in tokens):
            return True, bound
        loose = bool(self.prefixes) and any(
            w.startswith(self.prefixes) for w in normalize(chunk).split()
        )
        return loose, bound

    def _words(self, chunks: list[str], lang: str) -> list[_Word]:
        """What each chunk gives the query (memoised per search: a page of results repeats
        most of its words)."""
        memo = self._memos.setdefault(lang, {})
        out = []
        for chunk in chunks:
            word = memo.get(chunk)
            if word is None:
                word = memo[chunk] = self._compute(chunk, lang)
            out.append(word)
        return out

    def _resolve(self, words: Sequence[_Word | None]) -> list[bool]:
        """Whether each chunk is marked: by itself, or as part of a whole phrase."""
        flags = [word is not None and word[0] for word in words]
        if self.phrases and any(word is not None and word[1] for word in words):
            for i in _phrase_places(words, self.phrases):
                flags[i] = True
        return flags

    def hits(self, chunks: list[str], lang: str) -> list[bool]:
        """Whether each whitespace-separated chunk of a text is a matched word."""
        return self._resolve(self._words(chunks, lang))

    def _scan(self, chunks: list[str], lang: str) -> list[bool]:
        """:meth:`hits` for a long run of chunks, analysing only those the key regex finds."""
        if self._keys is None:
            return [False] * len(chunks)
        joined = " ".join(chunks)
        if self._raw_keys is not None and unicodedata.is_normalized("NFKC", joined):
            return self._flag(chunks, lang, _DELETED.sub("", joined), self._raw_keys)
        folded = normalize_arabic(joined)
        if self._latin:  # Latin keys are accent-free and lower case (Arabic text needs neither)
            folded = fold_accents(folded.casefold())
        # Folding keeps the spaces between chunks; when it does not (a chunk of marks only,
        # a compatibility character that decomposes to a space) the exact path is taken.
        if folded.count(" ") != len(chunks) - 1 or len(folded.split()) != len(chunks):
            return self.hits(chunks, lang)
        return self._flag(chunks, lang, folded, self._keys)

    def _flag(self, chunks: list[str], lang: str, text: str, keys: re.Pattern[str]) -> list[bool]:
        """Check the chunks where ``keys`` matches in ``text`` (``chunks`` joined by single
        spaces, folded or not: a key never spans a space)."""
        words: list[_Word | None] = [None] * len(chunks)
        index, at = 0, 0
        for match in keys.finditer(text):
            index += text.count(" ", at, match.start())
            at = match.start()
            if words[index] is None:
                words[index] = self._words([chunks[index]], lang)[0]
        return self._resolve(words)

    def _render(self, chunks: list[str], hits: list[bool]) -> str:
        out: list[str] = []
        plain: list[str] = []  # a run of unmatched chunks is escaped in one call
        for chunk, hit in zip(chunks, hits, strict=True):
            before, word, after = _split_edges(chunk) if hit else ("", "", "")
            if not word:
                plain.append(chunk)
                continue
            if plain:
                out.append(escape(" ".join(plain), quote=False))
                plain = []
            out.append(
                f"{escape(before, quote=False)}<mark>{escape(word, quote=False)}</mark>"
                f"{escape(after, quote=False)}"
            )
        if plain:
            out.append(escape(" ".join(plain), quote=False))
        return " ".join(out)

    def mark(self, text: str, lang: str) -> str:
        """The whole (short) text, escaped, with its matched words marked (titles, bylines)."""
        chunks = (text or "").split()
        return self._render(chunks, self.hits(chunks, lang))

    def _matched_block(self, text: str, lang: str) -> tuple[list[str], list[bool], int]:
        """The first block of up to :data:`MAX_SCAN_WORDS` words of ``text`` holding a match:
        its chunks (one more element, the rest of the text unsplit, when it goes on), their
        hits and how many words come before it — the head block, when none of the blocks that
        start within the first :data:`MAX_SEEK_WORDS` words matches."""
        chunks = text.split(maxsplit=MAX_SCAN_WORDS)
        hits = self._scan(chunks[:MAX_SCAN_WORDS], lang)
        head, skipped, step = (chunks, hits), 0, MAX_SCAN_WORDS - SEEK_OVERLAP
        while (
            self._keys is not None
            and not any(hits)
            and len(chunks) > MAX_SCAN_WORDS
            and skipped + step < MAX_SEEK_WORDS
        ):
            chunks = chunks[step:MAX_SCAN_WORDS] + chunks[MAX_SCAN_WORDS].split(maxsplit=step)
            skipped += step
            hits = self._scan(chunks[:MAX_SCAN_WORDS], lang)
        return (chunks, hits, skipped) if any(hits) else (*head, 0)

    def snippet(self, text: str, lang: str, words: int = SNIPPET_WORDS) -> str:
        """About ``words`` words of ``text`` around its densest run of matches (in the first
        block of words that has any), escaped, marked, with « … » where the text was cut. No
        match: the head of the text."""
        if not (text or "").strip():
            return ""
        # The words past the scanned ones are never shown: one more element (the rest of the
        # text, unsplit) only tells that the text goes on.
        chunks, hits, skipped = self._matched_block(text, lang)
        start = 0
        if any(hits):
            # The densest window, shifted so that its run of matches stands in its middle
            # (the first best window ends on a match: a lone one was its last word).
            best = _best_start(hits, len(hits), words)
            first = hits.index(True, best)
            last = max(compress(range(best, min(best + words, len(hits))), hits[best:]))
            centred = first - (words - (last - first + 1)) // 2
            start = max(0, min(centred, len(hits) - words))
        end = min(len(chunks), start + words)
        window_hits = hits[start:end] + [False] * max(0, end - len(hits))
        body = self._render(chunks[start:end], window_hits[: end - start])
        cut = start or skipped
        return (
            (ELLIPSIS + " " if cut else "") + body + (" " + ELLIPSIS if end < len(chunks) else "")
        )

"""Relevance: the order of the candidates the index found, from their term positions (pure).

The index (FTS5 or PostgreSQL) finds the articles with at least one of the query's words and
hands over its best :data:`POOL` by its own score; this module orders them the same way on both
backends, from facts both can give exactly: where each query token occurs in the article's
analysed title and body (one stream, title first), how long the title and the body are, and
how many articles hold each token.

Score of an article, higher is better:

* **BM25F** over the fields title (weight :data:`W_TITLE`), lead (the first :data:`LEAD_TERMS`
  tokens of the body, :data:`W_LEAD`) and the rest of the body (1): the field-weighted counts of
  a token are added *before* saturation (``k1``, ``b``), so a word in the title and the lead is
  not counted as two independent pieces of evidence. Lengths are in tokens, normalised by the
  mean of the candidates. Function words (``Term.optional``) weigh :data:`STOP_WEIGHT`.
* **coverage**: :data:`COVERAGE` × the share of the query's rarity (idf) the article matches,
  so an article with more of the query — the rare words above all — comes first;
* **proximity**: :data:`ADJACENT` for each two consecutive words of the query that follow each
  other somewhere in the article (in the query's order), saturated like a term's count: one
  place gives the whole weight, more places up to twice it, so a long article that repeats a
  phrase twenty times does not outrank one with the phrase in its title.

The weights were tuned on half of the ARCD questions (``benchmarks/eval_search.py``; the other
half is reported beside it) and checked on the relevance set of the tests.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nashra.search.query import Query, Term

__all__ = ["POOL", "DocTerms", "Ranked", "Stream", "Unit", "rank", "units_of"]

# Candidates ranked here, taken from the index's own best-first order. 100 would cost ~1.7 ms
# less a query at 100,000 articles and rank ARCD as well, but SQLite and PostgreSQL (whose first
# orders differ) would give the same top 10 for 84 % of its questions instead of 95 %.
POOL = 200
K1 = 1.2
B = 0.5
W_TITLE = 7.0
W_LEAD = 3.0
LEAD_TERMS = 60
STOP_WEIGHT = 0.3
COVERAGE = 2.0
ADJACENT = 0.3


@dataclass(frozen=True)
class Unit:
    """One thing the query looks for: alternative tokens (languages analyse a word differently)."""

    tokens: tuple[str, ...]
    weight: float
    counts: bool  # a content word: counts in coverage and proximity


@dataclass
class DocTerms:
    """What the index knows of one candidate: ``positions`` of the query's tokens in the stream
    title + body (0-based, ascending: both backends give them in text order), and the lengths
    of the title (where the body starts) and the body in tokens."""

    title_tokens: int
    body_tokens: int
    positions: dict[str, Sequence[int]] = field(default_factory=dict)

    @classmethod
    def from_text(cls, title: str, body: str, wanted: set[str]) -> DocTerms:
        """From the space-separated analysed tokens of the title and the body (what the FTS5
        index stores); see :class:`Stream`."""
        return Stream(title, body).doc_terms(wanted)


class Stream:
    """One article's analysed title and body, asked for the places of tokens. The body is
    searched for each token with ``str.find`` (C speed) rather than walked token by token in
    Python: several times faster on news bodies. Each token's places are remembered, so a
    stream kept between searches (``nashra.search.articles``) answers a token it has seen again
    without searching its body."""

    __slots__ = ("_padded", "_places", "_titles", "body_tokens", "title_tokens")

    def __init__(self, title: str, body: str) -> None:
        self._titles = title.split()
        self.title_tokens = len(self._titles)
        self.body_tokens = body.count(" ") + 1 if body else 0
        # A token is found as " token ", its place by the spaces before it.
        self._padded = f" {body} "
        self._places: dict[str, tuple[int, ...]] = {}

    def places(self, tok: str) -> tuple[int, ...]:
        """Where ``tok`` occurs in the stream title + body, ascending."""
        found = self._places.get(tok)
        if found is not None:
            return found
        out = [i for i, t in enumerate(self._titles) if t == tok]
        padded, needle = self._padded, f" {tok} "
        at, seen, last = padded.find(needle), 0, 0
        while at >= 0:
            seen += padded.count(" ", last, at)
            last = at
            out.append(self.title_tokens + seen)
            at = padded.find(needle, at + 1)
        found = self._places[tok] = tuple(out)
        return found

    def doc_terms(self, wanted: set[str]) -> DocTerms:
        doc = DocTerms(self.title_tokens, self.body_tokens)
        for tok in wanted:
            found = self.places(tok)
            if found:
                doc.positions[tok] = found
        return doc


def units_of(query: Query) -> list[Unit]:
    """Every token the ranking looks for, in query order (prefixes are filters only: every
    candidate matches them, their unstemmed words are not in the stream)."""
    out: list[Unit] = []
    for term in query.terms:
        if term.kind == "prefix":
            continue
        weight = STOP_WEIGHT if term.optional else 1.0
        for tokens in _positions_of(term):
            out.append(Unit(tokens, weight, not term.optional))
    return out


def _positions_of(term: Term) -> list[tuple[str, ...]]:
    """A word: its variants; a phrase: one unit per position of its tokens."""
    size = max(len(v) for v in term.variants)
    return [tuple(dict.fromkeys(v[i] for v in term.variants if len(v) > i)) for i in range(size)]


def _idf(docs: int, df: int) -> float:
    return math.log(1 + (docs - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class Ranked:
    pk: int
    score: float
    all_words: bool  # every content word of the query is in the article


def rank(
    units: Sequence[Unit],
    candidates: Mapping[int, DocTerms],
    docs: int,
    df: Mapping[str, int],
) -> list[Ranked]:
    """``candidates`` best first; ``docs`` articles in the index, ``df[token]`` how many hold
    the token. Equal scores (in practice: the same text stored twice) put the article stored
    first — the original — before its later copies."""
    if not candidates:
        return []
    mean_title = sum(d.title_tokens for d in candidates.values()) / len(candidates) or 1.0
    mean_body = sum(d.body_tokens for d in candidates.values()) / len(candidates) or 1.0
    idf = {tok: _idf(max(docs, 1), df.get(tok, 0)) for u in units for tok in u.tokens}
    # What does not depend on the article, worked out once: each unit's tokens with their idf,
    # and the idf the unit brings to the coverage when matched.
    looked_for = [
        ([(tok, idf[tok]) for tok in u.tokens], u.weight, u.counts, max(idf[t] for t in u.tokens))
        for u in units
    ]
    mass = sum(rarity for _, _, counts, rarity in looked_for if counts) or 1.0
    pairs = _consecutive_words(units)
    out = []
    for pk, doc in candidates.items():
        title_norm = 1 - B + B * doc.title_tokens / mean_title
        body_norm = 1 - B + B * doc.body_tokens / mean_body
        title_end = doc.title_tokens
        lead_end = title_end + LEAD_TERMS
        positions = doc.positions
        score = matched = 0.0
        everything = True
        for tokens, weight, counts, rarity in looked_for:
            best = 0.0
            for tok, tok_idf in tokens:
                places = positions.get(tok)
                if not places:
                    continue
                # ``places`` ascend (the title's, then the body's): its fields by bisection.
                title = bisect_left(places, title_end)
                lead = bisect_left(places, lead_end, title) - title
                rest = len(places) - title - lead
                tf = W_TITLE * title / title_norm + (W_LEAD * lead + rest) / body_norm
                weighted = tok_idf * tf / (K1 + tf)
                if weighted > best:
                    best = weighted
            score += weight * best
            if counts:
                if best > 0:
                    matched += rarity
                else:
                    everything = False
        score += COVERAGE * matched / mass + ADJACENT * _adjacent(pairs, positions)
        out.append(Ranked(pk, score, everything))
    out.sort(key=lambda r: (-r.score, r.pk))
    return out


def _consecutive_words(units: Sequence[Unit]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The tokens of each two consecutive content words of the query."""
    words = [u.tokens for u in units if u.counts]
    return list(zip(words, words[1:], strict=False))


def _adjacent(
    pairs: Sequence[tuple[tuple[str, ...], tuple[str, ...]]],
    positions: Mapping[str, Sequence[int]],
) -> float:
    """For each two consecutive content words of the query, the places where they follow each
    other, saturated: ``2n / (n + 1)`` (1 for one place, towards 2 for many)."""
    total = 0.0
    for first, second in pairs:
        after = {p for tok in second for p in positions.get(tok, ())}
        if after:
            n = sum(1 for tok in first for p in positions.get(tok, ()) if p + 1 in after)
            total += 2 * n / (n + 1)
    return total

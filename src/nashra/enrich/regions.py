"""Tagging articles with the Moroccan regions they are about (a pure function over text).

Matching runs on the normalised words of :mod:`nashra.text` (hamza seats, ta marbuta, alef
maqsura, harakat and accents folded), so «آسفي»/«أسفي»/«اسفي» or «Fès»/«Fes» meet. Arabic words
may carry the proclitics و ب ل ف and the article (بالرباط، والرباط، للرباط، وبمراكش); French
elision (d'Agadir, l'Oriental) needs nothing special because the apostrophe separates words.

Where a place is named says whether the article is *about* it: a mention in the title weighs
:data:`TITLE_WEIGHT`, in the lead (first paragraphs) :data:`LEAD_WEIGHT`, deeper in the body
:data:`BODY_WEIGHT`; a region is kept from :data:`THRESHOLD` — a title or lead mention, or
several mentions deep in the body, never one passing mention at the end.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

from nashra.enrich.gazetteer import MOROCCO_CUES, REGION_BY_SLUG, REGIONS, Region
from nashra.memo import Memo
from nashra.text import normalize
from nashra.text.article import AnalysedText, NameToken, name_tokens, split_lead

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 0.5
THRESHOLD = 2.0
MAX_REGIONS = 3

# Proclitics that end with the article: «بالرباط» is ب + الرباط, and «بالمغرب» ب + المغرب.
_ARTICLE_PREFIXES = ("وبال", "فبال", "وكال", "وال", "فال", "بال", "كال")
_PREFIXES = ("وب", "ول", "فب", "فل", "و", "ب", "ل", "ف")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


@dataclass(frozen=True)
class RegionMatch:
    """A region an article is about, with its score and the places that were named."""

    slug: str
    score: float
    places: tuple[str, ...]

    @property
    def region(self) -> Region:
        return REGION_BY_SLUG[self.slug]


@dataclass(frozen=True)
class _Term:
    words: tuple[str, ...]
    region: str | None  # None: a cue that the text is about Morocco
    place: str
    ambiguous: bool
    latin: bool


@lru_cache(maxsize=1)
def _index() -> dict[str, list[_Term]]:
    """Gazetteer spellings keyed by their first normalised word, longest spelling first."""
    index: dict[str, list[_Term]] = defaultdict(list)
    entries = [
        (spelling, region.slug, place)
        for region in REGIONS
        for place, spellings in region.places.items()
        for spelling in spellings
    ]
    entries += [(cue, None, "") for cue in MOROCCO_CUES]
    for spelling, region, place in entries:
        ambiguous = spelling.startswith("?")
        spelling = spelling.lstrip("?")
        words = tuple(normalize(spelling).split())
        if not words:
            continue
        latin = not _ARABIC.search(spelling)
        index[words[0]].append(_Term(words, region, place, ambiguous, latin))
    for terms in index.values():
        terms.sort(key=lambda t: len(t.words), reverse=True)
    return dict(index)


def _by_length(prefixes: tuple[str, ...]) -> tuple[tuple[int, frozenset[str]], ...]:
    """Prefixes grouped by length, longest first: two of one length cannot both begin a word,
    so a look-up per length finds them in the order of a longest-first list."""
    sizes = sorted({len(p) for p in prefixes}, reverse=True)
    return tuple((n, frozenset(p for p in prefixes if len(p) == n)) for n in sizes)


_LAM_LAM = _by_length(("ولل", "فلل", "لل"))  # ل + ال: «للمغرب» is ل + المغرب
_ARTICLE_GROUPS = _by_length(_ARTICLE_PREFIXES)
_PREFIX_GROUPS = _by_length(_PREFIXES)


def _forms(word: str) -> tuple[str, ...]:
    """The word and what it may be once its Arabic proclitics are removed."""
    forms = [word]
    if not _ARABIC.match(word):
        return tuple(forms)
    longest = len(word) - 2  # a prefix must leave two letters
    for n, prefixes in _LAM_LAM:
        if n <= longest and word[:n] in prefixes:
            forms.append("ال" + word[n:])
    for n, prefixes in _ARTICLE_GROUPS:
        if n <= longest and word[:n] in prefixes:
            forms.append("ال" + word[n:])
            forms.append(word[n:])
    for n, prefixes in _PREFIX_GROUPS:
        if n <= longest and word[:n] in prefixes:
            forms.append(word[n:])
    return tuple(forms)


def _starting(token: NameToken) -> tuple[tuple[_Term, ...], ...]:
    """The gazetteer terms that may start at ``token``, grouped by the form of it that names
    them (the word itself first, then without its proclitics); most words start none."""
    word, capital = token
    index = _index()
    groups = []
    for form in _forms(word):
        terms = tuple(
            term
            for term in index.get(form, ())
            if not term.latin or (form == word and capital)  # Latin names only as written
        )
        if terms:
            groups.append(terms)
    return tuple(groups)


_starts: Memo[NameToken, tuple[tuple[_Term, ...], ...]] = Memo(_starting, 200_000)


def _mentions(tokens: Sequence[NameToken]) -> list[_Term]:
    """Every gazetteer term named in ``tokens`` (longest match wins, no overlaps)."""
    words = [word for word, _capital in tokens]
    starts = list(map(_starts.__getitem__, tokens))
    found: list[_Term] = []
    end = 0  # the first token after the last match
    for i in compress(range(len(starts)), starts):  # most words start no term
        if i < end:
            continue
        match = None
        for terms in starts[i]:
            for term in terms:
                n = len(term.words)
                if n > 1 and tuple(words[i + 1 : i + n]) != term.words[1:]:
                    continue
                if match is None or n > len(match.words):
                    match = term
            if match is not None:
                break
        if match is not None:
            found.append(match)
            end = i + len(match.words)
    return found


def tag_regions(title: str, body: str) -> list[RegionMatch]:
    """The regions an article is about, best first (at most :data:`MAX_REGIONS`)."""
    lead, rest = split_lead(body or "")
    return regions_of_names(name_tokens(title or ""), name_tokens(lead), name_tokens(rest))


def tag_analysed(analysed: AnalysedText) -> list[RegionMatch]:
    """:func:`tag_regions` of an article already analysed (its words are not read again)."""
    return regions_of_names(analysed.title_names, analysed.lead_names, analysed.rest_names)


def regions_of_names(
    title: Sequence[NameToken], lead: Sequence[NameToken], rest: Sequence[NameToken]
) -> list[RegionMatch]:
    """The regions named in an article's title, lead and rest, weighted by where."""
    weighted = [
        (TITLE_WEIGHT, _mentions(title)),
        (LEAD_WEIGHT, _mentions(lead)),
        (BODY_WEIGHT, _mentions(rest)),
    ]
    moroccan = any(
        t.region is None or not t.ambiguous for _weight, terms in weighted for t in terms
    )
    scores: dict[str, float] = defaultdict(float)
    places: dict[str, dict[str, None]] = defaultdict(dict)
    for weight, terms in weighted:
        for term in terms:
            if term.region is None or (term.ambiguous and not moroccan):
                continue
            scores[term.region] += weight
            places[term.region][term.place] = None
    kept = [
        RegionMatch(slug, round(score, 2), tuple(places[slug]))
        for slug, score in scores.items()
        if score >= THRESHOLD
    ]
    kept.sort(key=lambda m: (-m.score, m.slug))
    return kept[:MAX_REGIONS]


def find_region(query: str) -> Region | None:
    """The region a reader means by ``query`` (a slug, a region's or a place's name, in any
    spelling the gazetteer knows, ambiguous ones included), or None. For the «منطقة» search."""
    query = (query or "").strip()
    if not query:
        return None
    if query.lower() in REGION_BY_SLUG:
        return REGION_BY_SLUG[query.lower()]
    # A typed query has no capitals to rely on: treat every word as capitalised.
    tokens = [(word, True) for word, _capital in name_tokens(query)]
    counts: dict[str, int] = defaultdict(int)
    for term in _mentions(tokens):
        if term.region is not None:
            counts[term.region] += len(term.words)
    if not counts:
        return None
    return REGION_BY_SLUG[max(counts, key=lambda slug: (counts[slug], slug))]

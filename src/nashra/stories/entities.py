"""Cheap named things in a headline: figures, places, Latin proper names, negation.

Two headlines that share most words can still report two events: «حجز 3 أطنان بميناء طنجة» and
«حجز 7 أطنان بميناء الناظور» are two seizures. Real entity recognition is too slow and too large
for one small machine, so this module looks at what is cheap and decisive: digits, a small
gazetteer of places, capitalised Latin words and negation words. Every list is matched on the
terms of :func:`nashra.text.analyse`, the project's one analyser, so spelling variants meet.

A figure next to a casualty word (killed, dead, toll, injured…) is a *toll*: it is expected to
change as a story develops («10 قتلى» then «ارتفاع الحصيلة إلى 25 قتيلا») and is not compared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial
from itertools import compress

from nashra.memo import Memo
from nashra.text import analyse, tokenize

# Cities, ports and regions (Morocco first, then the region's capitals and big cities).
CITIES = """
الدار البيضاء|الرباط|طنجة|فاس|مراكش|أكادير|مكناس|وجدة|القنيطرة|تطوان|الناظور|العيون|الداخلة|آسفي|
الجديدة|بني ملال|خريبكة|تازة|الحسيمة|العرائش|المحمدية|سلا|تمارة|ورزازات|الراشيدية|كلميم|طانطان|
الصويرة|تارودانت|تيزنيت|الحوز|أزيلال|شيشاوة|تاونات|زاكورة|طاطا|بوجدور|السمارة|وزان|ميدلت|
الخميسات|سيدي قاسم|سيدي سليمان|اليوسفية|جرادة|بركان|تاوريرت|الدريوش|فكيك|سطات|برشيد|خنيفرة|الفنيدق|سبتة|مليلية|إفران|شفشاون|أصيلة|
القاهرة|الإسكندرية|بيروت|دمشق|حلب|إدلب|عفرين|الغوطة|بغداد|الموصل|البصرة|الرياض|جدة|مكة|
دبي|أبوظبي|الدوحة|المنامة|الكويت|مسقط|صنعاء|عدن|الحديدة|تعز|القدس|غزة|رام الله|الخليل|
تونس|صفاقس|سوسة|الجزائر|وهران|قسنطينة|طرابلس|بنغازي|مصراتة|نواكشوط|الخرطوم|إسطنبول|أنقرة|
طهران|باريس|لندن|مدريد|برشلونة|روما|برلين|بروكسل|موسكو|واشنطن|نيويورك|بكين|
Casablanca|Rabat|Tanger|Fès|Marrakech|Agadir|Meknès|Oujda|Kénitra|Tétouan|Nador|Laâyoune|Dakhla|
Safi|El Jadida|Azilal|Al Haouz|Al Hoceima|Larache|Mohammedia|Salé|Essaouira|Taroudant|Tiznit|Ouarzazate|Ceuta|
Melilla|Tunis|Alger|Oran|Tripoli|Beyrouth|Damas|Bagdad|Gaza|Paris|Londres|Madrid|Bruxelles
"""

COUNTRIES = """
المغرب|الجزائر|تونس|ليبيا|مصر|موريتانيا|السودان|سوريا|لبنان|العراق|الأردن|فلسطين|إسرائيل|
السعودية|الإمارات|قطر|البحرين|عمان|اليمن|الكويت|تركيا|إيران|فرنسا|إسبانيا|ألمانيا|إيطاليا|
بريطانيا|روسيا|الصين|اليابان|الهند|باكستان|أفغانستان|أمريكا|أميركا|الولايات المتحدة|كندا|
البرازيل|الأرجنتين|مالي|النيجر|السنغال|نيجيريا|إثيوبيا|كوريا الشمالية|كوريا الجنوبية|
Maroc|Algérie|Tunisie|Libye|Égypte|Mauritanie|Sénégal|Mali|Espagne|France|Allemagne|Italie|
Belgique|Russie|Chine|Turquie|Iran|Israël|Palestine|Syrie|Liban|Irak|Qatar|Arabie saoudite
"""

# Words that make a figure a casualty count (they change as the toll is updated).
TOLL_WORDS = """
قتيل|قتلى|مقتل|قتل|مصرع|ضحية|ضحايا|حصيلة|جريح|جرحى|مصاب|مصابين|إصابة|وفاة|وفيات|موت|غريق|
مفقود|مفقودين|شهيد|شهداء|mort|morts|tué|tués|victime|victimes|blessé|blessés|bilan|décès|
disparu|disparus|killed|dead|deaths|toll|injured
"""

# Words that turn a claim into its denial.
NEGATIONS = """
لا|لم|لن|ليس|ليست|ينفي|تنفي|نفى|نفت|نفي|تنفى|ينفى|يكذب|تكذب|كذبت|كذب|
ne|n|pas|non|jamais|aucun|aucune|dément|démenti|nie|not|no|denies|never
"""

_CLITICS = "وبلفك"
_TOLL_REACH = 3  # a figure this close (in terms) to a toll word is a toll


def _names(block: str) -> list[str]:
    return [name.strip() for name in block.split("|") if name.strip()]


def _place_forms(token: str) -> set[str]:
    """A folded token and what remains once its leading clitics (و ف, then ب ل ك, then ال) are
    taken off: «وبالدار» → «دار». Place names are matched on these, not on stems, because the
    light stemmer folds «المحمدية» onto «محمد» and «مالي» onto «المالية»."""
    forms = {token}
    for prefixes in ("وف", "بلك"):
        forms |= {f[1:] for f in forms if len(f) > 3 and f[0] in prefixes}
    forms |= {f[2:] for f in forms if len(f) > 4 and f.startswith("ال")}
    return forms


@cache
def _gazetteer(kind: str) -> dict[tuple[str, ...], str]:
    """Folded form (a tuple of tokens, article stripped from the first) → canonical name."""
    block = CITIES if kind == "city" else COUNTRIES
    table: dict[tuple[str, ...], str] = {}
    for name in _names(block):
        tokens = tokenize(name)
        if tokens:
            for first in _place_forms(tokens[0]):
                table[(first, *tokens[1:])] = name
    return table


@cache
def _word_set(kind: str, lang: str) -> frozenset[str]:
    block = TOLL_WORDS if kind == "toll" else NEGATIONS
    out: set[str] = set()
    for word in _names(block):
        out.update(analyse(word, lang))
    return frozenset(out)


def _variants(term: str) -> tuple[str, ...]:
    """A term and, when it starts with a one-letter clitic (و ب ل ف ك), the term without it:
    the light stemmer keeps «بطنجة» whole because «بط…» could be a root."""
    if len(term) > 3 and term[0] in _CLITICS:
        return term, term[1:]
    return (term,)


@cache
def _with_clitics(kind: str, lang: str) -> frozenset[str]:
    """Every term one of whose :func:`_variants` is in ``_word_set(kind, lang)``: the words
    themselves and each with a one-letter clitic before it (one set look-up per term)."""
    words = _word_set(kind, lang)
    return words | {c + w for c in _CLITICS for w in words if len(w) >= 3}


@cache
def _first_tokens(kind: str) -> frozenset[str]:
    return frozenset(key[0] for key in _gazetteer(kind))


@cache
def _longest(kind: str) -> int:
    return max((len(k) for k in _gazetteer(kind)), default=1)


_STARTS_MEMO = 200_000  # words remembered per kind (the same words come back)
_starts: dict[str, Memo[str, tuple[str, ...]]] = {}


def _place_starts(token: str, kind: str) -> tuple[str, ...]:
    """The forms of ``token`` that begin a place name of the gazetteer, longest first: the word
    as written wins over what remains without a clitic («وجدة» is Oujda, not «و» + Jeddah),
    whatever the process's string hashing."""
    firsts = _first_tokens(kind)
    # Every form of a token is the token less its first 0 to 4 letters: most words have none
    # that begins a place, and are told so without building their forms.
    if firsts.isdisjoint((token, token[1:], token[2:], token[3:], token[4:])):
        return ()
    return tuple(sorted(_place_forms(token) & firsts, key=lambda f: (-len(f), f)))


def _places(tokens: Sequence[str], kind: str) -> frozenset[str]:
    table = _gazetteer(kind)
    longest = _longest(kind)
    memo = _starts.get(kind)
    if memo is None:
        memo = _starts[kind] = Memo(partial(_place_starts, kind=kind), _STARTS_MEMO)
    found: set[str] = set()
    starts = list(map(memo.__getitem__, tokens))  # one dict look-up per word
    for i, firsts in compress(enumerate(starts), starts):  # most words start no place
        for size in range(min(longest, len(tokens) - i), 0, -1):
            rest = tuple(tokens[i + 1 : i + size])
            name = next((table[(f, *rest)] for f in firsts if (f, *rest) in table), None)
            if name is not None:
                found.add(name)
                break
    return frozenset(found)


def _latin_names(title: str) -> frozenset[str]:
    """Capitalised Latin words after the first (a headline's first word is capitalised anyway)."""
    words = re.findall(r"[^\W\d_][\w'’-]*", title)
    return frozenset(w.lower() for w in words[1:] if w[0].isupper())


@dataclass(frozen=True)
class Entities:
    """What a headline names: figures (tolls apart), cities, countries, Latin names, negation."""

    figures: frozenset[str] = frozenset()
    tolls: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    negated: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "figures": sorted(self.figures),
            "tolls": sorted(self.tolls),
            "cities": sorted(self.cities),
            "countries": sorted(self.countries),
            "names": sorted(self.names),
            "negated": self.negated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Entities:
        get = lambda key: frozenset(data.get(key) or ())  # noqa: E731
        return cls(
            get("figures"),
            get("tolls"),
            get("cities"),
            get("countries"),
            get("names"),
            bool(data.get("negated")),
        )


def extract_entities(
    title: str,
    lang: str = "ar",
    *,
    terms: Sequence[str] | None = None,
    tokens: Sequence[str] | None = None,
) -> Entities:
    """The entities of a headline (see the module docstring for what counts). ``terms`` and
    ``tokens``: ``analyse(title, lang)`` and ``tokenize(title)`` when the caller has them from
    the article's one analysis (read instead of computing them again)."""
    terms = analyse(title, lang) if terms is None else terms
    tokens = tokenize(title) if tokens is None else tokens
    tolls_words = _word_set("toll", lang)
    figures: set[str] = set()
    tolls: set[str] = set()
    for i, term in enumerate(terms):
        if not term.isdigit():
            continue
        near = terms[max(0, i - _TOLL_REACH) : i + _TOLL_REACH + 1]
        if any(v in tolls_words for t in near for v in _variants(t)):
            tolls.add(term)
        else:
            figures.add(term.lstrip("0") or "0")
    negations = _with_clitics("negation", lang)
    names = _latin_names(title)
    return Entities(
        figures=frozenset(figures),
        tolls=frozenset(tolls),
        cities=_places(tokens, "city"),
        countries=_places(tokens, "country"),
        names=frozenset(names),
        negated=not negations.isdisjoint(terms),
    )


def conflicts(a: Entities, b: Entities) -> list[str]:
    """Every reason two headlines cannot report the same event: ``figure``, ``place`` (two
    different cities), ``country`` (two different countries), ``negation``; empty when nothing
    contradicts. A field contradicts only when both headlines fill it and share nothing: a
    headline that names no port says nothing against one that does."""
    out = []
    if a.figures and b.figures and not (a.figures & b.figures):
        out.append("figure")
    if a.cities and b.cities and not (a.cities & b.cities):
        out.append("place")
    if a.countries and b.countries and not (a.countries & b.countries):
        out.append("country")
    if a.negated != b.negated:
        out.append("negation")
    return out


def conflict(a: Entities, b: Entities) -> str | None:
    """The first reason two headlines cannot report the same event, or None (see
    :func:`conflicts`)."""
    found = conflicts(a, b)
    return found[0] if found else None

"""Bylines: who wrote an article (a person, or nobody), and which news agency it came from.

Outlets put everything in the byline field: their own name («العربية.نت»), a dateline before a
dash («باريس - د ب أ»), wire tags («و م ع», MAP, «أ ف ب», AFP, «د ب أ», Reuters), "by"/«بقلم»,
initials («م.ب»), editorial desks («هيئة التحرير») and junk (UUIDs, addresses). Maghress shows it
all as the "author". Here a byline becomes an :class:`Byline`: a clean ``author`` (a person's
name, or empty), the ``agency`` code, and an ``author_key`` that joins one writer's spellings
(«عبد الله»/«عبدالله», «إسلام»/«اسلام») so they share one author page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from nashra.enrich.regions import find_region
from nashra.text import normalize

#: Agency code → display names. The code is what ``articles.agency`` stores.
AGENCIES: dict[str, dict[str, str]] = {
    "MAP": {"ar": "و م ع", "fr": "MAP", "en": "MAP"},
    "AFP": {"ar": "أ ف ب", "fr": "AFP", "en": "AFP"},
    "dpa": {"ar": "د ب أ", "fr": "dpa", "en": "dpa"},
    "Reuters": {"ar": "رويترز", "fr": "Reuters", "en": "Reuters"},
    "AP": {"ar": "أ ب", "fr": "AP", "en": "AP"},
    "Anadolu": {"ar": "الأناضول", "fr": "Anadolu", "en": "Anadolu"},
    "EFE": {"ar": "إفي", "fr": "EFE", "en": "EFE"},
    "Xinhua": {"ar": "شينخوا", "fr": "Xinhua", "en": "Xinhua"},
    "MENA": {"ar": "أ ش أ", "fr": "MENA", "en": "MENA"},
    "SPA": {"ar": "واس", "fr": "SPA", "en": "SPA"},
    "WAM": {"ar": "وام", "fr": "WAM", "en": "WAM"},
    "QNA": {"ar": "قنا", "fr": "QNA", "en": "QNA"},
    "KUNA": {"ar": "كونا", "fr": "KUNA", "en": "KUNA"},
    "APS": {"ar": "واج", "fr": "APS", "en": "APS"},
    "TAP": {"ar": "وات", "fr": "TAP", "en": "TAP"},
    "WAFA": {"ar": "وفا", "fr": "WAFA", "en": "WAFA"},
    "Petra": {"ar": "بترا", "fr": "Petra", "en": "Petra"},
    "SANA": {"ar": "سانا", "fr": "SANA", "en": "SANA"},
    "Sputnik": {"ar": "سبوتنيك", "fr": "Sputnik", "en": "Sputnik"},
    "ANSA": {"ar": "آنسا", "fr": "ANSA", "en": "ANSA"},
    "agencies": {"ar": "وكالات", "fr": "Agences", "en": "Agencies"},
}

_AGENCY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "MAP": ("و م ع", "ومع", "و.م.ع", "لاماب", "MAP", "M.A.P", "Maghreb Arabe Presse",
            "وكالة المغرب العربي للأنباء", "المغرب العربي للأنباء"),
    "AFP": ("أ ف ب", "أ.ف.ب", "اف ب", "أفب", "AFP", "فرانس برس", "فرانس بريس",
            "وكالة الصحافة الفرنسية", "Agence France-Presse", "France-Presse"),
    "dpa": ("د ب أ", "د.ب.أ", "دب أ", "dpa", "وكالة الأنباء الألمانية"),
    "Reuters": ("رويترز", "رويتر", "Reuters"),
    "AP": ("أ ب", "أ.ب", "AP", "أسوشيتد برس", "أسوشيتدبرس", "اسوشيتد برس", "Associated Press"),
    "Anadolu": ("الأناضول", "الاناضول", "Anadolu", "Anadolu Ajansi"),
    "EFE": ("إفي", "ايفي", "EFE"),
    "Xinhua": ("شينخوا", "شينخوا الصينية", "Xinhua"),
    "MENA": ("أ ش أ", "أ.ش.أ", "MENA", "وكالة أنباء الشرق الأوسط"),
    "SPA": ("واس", "SPA", "وكالة الأنباء السعودية"),
    "WAM": ("وام", "WAM"),
    "QNA": ("قنا", "QNA"),
    "KUNA": ("كونا", "KUNA"),
    "APS": ("واج", "وأج", "APS", "Algérie Presse Service"),
    "TAP": ("وات", "TAP"),
    "WAFA": ("وفا", "WAFA"),
    "Petra": ("بترا", "Petra"),
    "SANA": ("سانا", "SANA"),
    "Sputnik": ("سبوتنيك", "Sputnik"),
    "ANSA": ("آنسا", "ANSA"),
    "agencies": ("وكالات", "وكالات الأنباء", "Agences", "agences", "Agencies", "Wires"),
}  # fmt: skip

# Words that open a byline and are not part of the name.
_LEAD_WORDS = (
    "بقلم", "كتب", "كتبت", "كتبه", "كتبها", "إعداد", "اعداد", "تحرير", "تقرير", "حاوره",
    "حاورته", "ترجمة", "متابعة", "by", "par", "written by", "écrit par", "ecrit par", "de",
    "from", "posted by", "publié par",
)  # fmt: skip
# A part that names the outlet's desk or a role, never a person.
_DESK_WORDS = (
    "هيئة التحرير", "التحرير", "فريق التحرير", "المحرر", "هيئة تحرير", "مراسلنا", "مراسلة",
    "مراسل", "متابعة", "الموقع", "الرئيسية", "admin", "administrator", "administrateur",
    "rédaction", "la rédaction", "redaction", "editorial", "editor", "editors", "staff",
    "newsroom", "correspondant", "notre correspondant", "envoyé spécial", "webmaster",
    "unknown", "anonymous", "anonyme", "غير معروف", "مجهول", "none", "null", "n a",
)  # fmt: skip
# A part that starts with one of these names an outlet or a desk («قناة العربية»).
_OUTLET_OPENERS = ("قناة", "موقع", "جريدة", "صحيفة", "مجلة", "شبكة", "البوابة", "البواية",
                   "إذاعة", "تلفزيون", "وكالة", "journal", "le journal", "la revue", "radio")  # fmt: skip
_DOMAIN = re.compile(r"(\.|\s)(نت|net|com|ma|fr|org|info|tv)\b", re.IGNORECASE)
_JUNK = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"  # a UUID
    r"|^[0-9a-f]{16,}$"  # a hash
    r"|^(https?://|www\.)|@"  # an address or a handle
    r"|^[\d\s/.:-]+$",  # digits, a date or a time
    re.IGNORECASE,
)
# The dash between a dateline and a name: spaced on at least one side (a name such as
# «Jean-Pierre» has none). «ـ» (tatweel) is typed for a dash by some Arabic desks.
_DASH = re.compile(r"\s+[-–—ـ]+\s*|\s*[-–—ـ]+\s+")
_SEPARATORS = re.compile(r"\s*[،,;|/&]\s*|\s+(?:و|and|et|avec|with)\s+", re.IGNORECASE)
_PARENS = re.compile(r"[(\[«\"](.*?)[)\]»\"]")
_HONORIFICS = frozenset(
    normalize(w)
    for w in ("الدكتور", "الدكتورة", "د", "الأستاذ", "الأستاذة", "ذ", "السيد", "السيدة",
              "الشيخ", "dr", "pr", "prof", "m", "mme", "mr", "mrs")
)  # fmt: skip
# Capitals a dateline may name besides Moroccan places (those come from the gazetteer).
_PLACES = frozenset(
    normalize(w)
    for w in (
        "دبي", "أبوظبي", "أبو ظبي", "الرياض", "جدة", "القاهرة", "بيروت", "لندن", "باريس",
        "واشنطن", "نيويورك", "موسكو", "برلين", "روما", "مدريد", "بكين", "طوكيو", "جنيف",
        "بروكسل", "عمان", "دمشق", "بغداد", "الدوحة", "الكويت", "المنامة", "مسقط", "تونس",
        "الجزائر", "طرابلس", "الخرطوم", "صنعاء", "عدن", "القدس", "غزة", "رام الله", "أنقرة",
        "إسطنبول", "اسطنبول", "طهران", "نواكشوط", "اليمن", "الأمم المتحدة", "سول", "كابول",
        "Paris", "Londres", "London", "Washington", "New York", "Bruxelles", "Genève",
        "Madrid", "Rome", "Berlin", "Moscou", "Pékin", "Tokyo", "Alger", "Tunis", "Le Caire",
        "Dubaï", "Beyrouth", "Jérusalem", "Gaza",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Byline:
    """A cleaned byline: ``author`` is empty when it named no person."""

    author: str = ""
    agency: str = ""
    author_key: str = ""


@lru_cache(maxsize=1)
def _agency_index() -> dict[str, str]:
    index = {}
    for code, spellings in _AGENCY_SPELLINGS.items():
        for spelling in (*spellings, code):
            index[normalize(spelling)] = code
    return index


_DESKS = frozenset(normalize(w) for w in _DESK_WORDS)
_OPENERS = tuple(normalize(w) + " " for w in _OUTLET_OPENERS)
_LEADS = tuple(sorted((normalize(w) for w in _LEAD_WORDS), key=len, reverse=True))


def agency_of(part: str) -> str:
    """The agency code a byline part names («و.م.ع», «وكالة فرانس برس», «ووكالات»), or ""."""
    norm = normalize(part)
    index = _agency_index()
    for candidate in (norm, norm.removeprefix("وكاله "), norm.removeprefix("l agence ")):
        if candidate in index:
            return index[candidate]
    if norm.startswith("و") and norm[1:] in index:  # «ووكالات»: و + وكالات
        return index[norm[1:]]
    return ""


def agency_name(code: str, lang: str = "ar") -> str:
    """How an agency code is shown to readers of ``lang``."""
    names = AGENCIES.get(code)
    return names.get(lang, names["en"]) if names else code


def _is_place(norm: str) -> bool:
    if norm in _PLACES:
        return True
    region = find_region(norm)
    return region is not None and len(norm.split()) <= 3


def _is_initials(part: str) -> bool:
    words = [w for w in re.split(r"[\s.\-]+", part) if w]
    if not words:
        return True
    if all(len(w) == 1 for w in words):
        return True
    return "." in part and all(len(w) <= 2 for w in words)


def _kind(part: str, outlets: frozenset[str]) -> str:
    """ "agency", "outlet", "place", "junk" or "person"."""
    stripped = part.strip(" .:-–—ـ'\"")
    if not stripped:
        return "junk"
    if agency_of(stripped):
        return "agency"
    if _JUNK.search(stripped):
        return "junk"
    norm = normalize(stripped)
    if not norm or len(stripped) > 60 or len(norm.split()) > 5:
        return "junk"
    if norm in outlets or norm in _DESKS or norm.startswith(_OPENERS) or _DOMAIN.search(stripped):
        return "outlet"
    if any(o and (norm.startswith(o + " ") or norm.endswith(" " + o)) for o in outlets):
        return "outlet"
    if _is_initials(stripped):
        return "junk"
    if _is_place(norm):
        return "place"
    return "person"


def _strip_lead(part: str) -> str:
    norm = normalize(part)
    for lead in _LEADS:
        if norm == lead:
            return ""
        if norm.startswith(lead + " "):
            # drop as many words from the original as the lead word has
            words = part.split()
            count = len(lead.split())
            rest = " ".join(words[count:])
            return rest.lstrip(":：- ")
    return part.lstrip(":：- ")


def clean_byline(raw: str | None, outlet_names: Iterable[str] = ()) -> Byline:
    """Split a raw byline into a person's name (or nothing) and an agency.

    ``outlet_names``: the outlet's own names (and slug), which are never an author. An outlet's
    bylines repeat from article to article: each is cleaned once (the rules are pure).
    """
    raw, names = raw or "", tuple(outlet_names)
    if len(raw) > MAX_CACHED_BYLINE:  # never a byline: cleaned (to nothing) but not kept
        return _clean_byline.__wrapped__(raw, names)
    return _clean_byline(raw, names)


MAX_CACHED_BYLINE = 300


@lru_cache(maxsize=20_000)
def _clean_byline(raw: str, outlet_names: tuple[str, ...]) -> Byline:
    text = " ".join((raw or "").replace("\u200f", " ").replace("\u200e", " ").split())
    if not text or re.match(r"(https?://|www\.)\S+$", text, re.IGNORECASE):
        return Byline()
    # «العربية.نت ووكالات»: the conjunction is glued to «وكالات».
    text = re.sub(r"\s+و(?=وكال)", "، ", text)
    outlets = frozenset(normalize(n) for n in outlet_names if n and normalize(n))
    pieces = [m.group(1) for m in _PARENS.finditer(text)]
    text = _PARENS.sub(" ", text)
    text = re.sub(r"^\s*(بقلم|كتب|كتبت|by|par)\s*[:：]\s*", "", text, flags=re.IGNORECASE)
    segments = [s for s in _DASH.split(text) if s.strip()]
    kinds = []
    for segment in segments:
        for part in _SEPARATORS.split(_strip_lead(segment.strip())):
            part = _strip_lead(part.strip())
            if part:
                kinds.append((part, _kind(part, outlets)))
    # A dateline before a dash («دبي - ...») is never a person, even a place we do not know.
    if len(segments) > 1 and kinds and kinds[0][1] == "person" and len(segments[0].split()) <= 2:
        following = [k for _p, k in kinds[1:]]
        if following and following[0] in {"person", "agency", "outlet"}:
            kinds[0] = (kinds[0][0], "place")
    for piece in pieces:
        kinds.append((piece, _kind(piece, outlets)))
    agency = next((agency_of(p) for p, k in kinds if k == "agency"), "")
    people = list(dict.fromkeys(_tidy(p) for p, k in kinds if k == "person"))
    author = "، ".join(people) if _ARABIC.search("".join(people)) else ", ".join(people)
    return Byline(author, agency, author_key(author))


_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _tidy(name: str) -> str:
    return " ".join(name.strip(" .:،,-–—ـ'\"").split())


def author_key(name: str) -> str:
    """The key that joins one writer's spellings: normalised, honorifics dropped, «عبد»/«أبو»
    joined to the next word (عبد الله = عبدالله), «ابن» read as «بن»."""
    words = [w for w in normalize(name).split() if w not in _HONORIFICS]
    out: list[str] = []
    i = 0
    while i < len(words):
        word = "بن" if words[i] == "ابن" else words[i]
        if word in {"عبد", "ابو", "ابي", "ابا"} and i + 1 < len(words):
            out.append(word + words[i + 1])
            i += 2
            continue
        out.append(word)
        i += 1
    return " ".join(out)[:200]

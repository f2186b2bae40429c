"""A light Arabic stemmer for search and matching (not a root extractor).

It removes what attaches to a word — the article with its proclitics, the
conjunctions و/ف, number and gender endings, possessive pronouns and the nisba
ending — so «والمغرب», «بالمغرب», «المغربية», «مغربي» all meet «مغرب», while
words built from one root stay apart (كتاب / مكتب / كاتب, عالم / معلم).
Broken plurals are left alone: undoing them needs a dictionary.  Known
collisions of the method: a word whose last letter looks like an ending
meets the shorter word (رياضة/رياض, لبنان/لبنى, مدرسة/مدرس, شرطة/شرط).

Input is a token already folded by :mod:`nashra.text.fold` (ة→ه, ى→ي,
hamza seats → ء, no harakat).  Rules are tables; the only word list is the
lexicon of stems that really begin with و/ف or ال (see ``lexicon.py``), which
keeps «وزير», «فريق», «فلسطين», «ألمانيا» from losing their first letter.
"""

from __future__ import annotations

from nashra.memo import Memo
from nashra.text.fold import normalize
from nashra.text.lexicon import CURATED_WORDS, NATIVE_INITIAL_STEMS

__all__ = ["is_arabic_token", "stem_arabic", "stem_folded"]

# Article with its proclitics, longest first.  «لل» is ل + ال.
_ARTICLES = (
    "وبال", "وكال", "فبال", "فكال", "ولل", "فلل",
    "وال", "فال", "بال", "كال", "لل", "ال",
)  # fmt: skip
_CONJUNCTIONS = ("و", "ف")

_PRONOUNS = ("ها", "هم", "هن", "هما", "كم", "كن", "كما", "نا", "ه")
# ة (folded to ه) reappears as ت when a pronoun follows: حكومتها, حكومتي.
_TA_PRONOUN = tuple("ت" + p for p in (*_PRONOUNS, "ي"))
_PLURAL_PRONOUN = tuple("ات" + p for p in (*_PRONOUNS, "ي"))
_DUAL_PLURAL = ("ون", "ين", "ان", "تين", "تان")
# Nisba (relative adjective) endings and their feminine/plural forms.
_NISBA = ("ي", "يه", "يين", "يون", "يات", "يتين", "يتان", "يا")
_NISBA_PRONOUN = tuple("يت" + p for p in (*_PRONOUNS, "ي"))
_SINGLE = ("ه", "ا", "ات")  # ta marbuta or "his"; accusative alef (جديدا); fem. plural

_SUFFIXES = tuple(
    sorted(
        set(_PRONOUNS + _TA_PRONOUN + _PLURAL_PRONOUN + _DUAL_PLURAL + _NISBA)
        | set(_NISBA_PRONOUN + _SINGLE),
        key=len,
        reverse=True,
    )
)
_SUFFIX_SET = frozenset(_SUFFIXES)
_SUFFIX_SIZES = sorted({len(x) for x in _SUFFIXES}, reverse=True)
_NISBA_SET = frozenset(_NISBA + _NISBA_PRONOUN)
_TA_SET = frozenset(_TA_PRONOUN + ("تين", "تان"))

MIN_STEM = 2  # letters that must remain after removing any affix
# ان/ين/ون end many short nouns (بيان, دين, قانون): only strip them from longer words.
MIN_STEM_LONG = 3
# 3-letter nouns whose last letter is a real ت, not ة before a pronoun (بيتها, صوته).
_T_FINAL = frozenset({"بيت", "صوت", "وقت", "موت", "زيت", "سبت", "بنت", "اخت", "نبت", "صمت", "ثبت"})
_SEPARATE_WORDS = frozenset({"الله", "الي", "التي", "الذي", "الذين", "اللذين", "اللتين", "الا"})
_NATIVE: frozenset[str] = frozenset()  # filled at the end, once _strip_suffix exists


def is_arabic_token(token: str) -> bool:
    """True when the token starts with an Arabic-script letter."""
    return bool(token) and "\u0600" <= token[0] <= "\u06ff"


def _strip_once(word: str, floor: int) -> tuple[str, str]:
    """Remove the longest suffix that leaves at least ``floor`` letters; return (rest, suffix)."""
    for size in _SUFFIX_SIZES:
        suffix = word[-size:]
        if suffix not in _SUFFIX_SET:
            continue
        rest = len(word) - size
        if rest < (MIN_STEM_LONG if suffix in _DUAL_PLURAL else floor):
            continue
        if suffix in _NISBA_SET and word[rest - 1] == "ا":
            continue  # ولاية, نهاية, رواية: the ي belongs to the word
        if suffix in _TA_SET and word[: rest + 1] in _T_FINAL:
            continue
        return word[:rest], suffix
    return word, ""


def _strip_suffix(word: str) -> str:
    """Two passes: an outer ending (pronoun, nisba) may hide an inner one.

    فلسطينيين → فلسطين → فلسط (as فلسطين itself), قانونه → قانون → قان,
    مستواه → مستوا → مستو.  The second pass needs a longer remainder.
    """
    word, suffix = _strip_once(word, MIN_STEM)
    if not suffix:
        return word
    if suffix in _NISBA_SET and word.endswith("و") and len(word) > MIN_STEM:
        return word[:-1]  # تنموي → تنمو → تنم (as تنمية), جهوي → جه (as جهة)
    return _strip_once(word, MIN_STEM_LONG)[0]


_ARTICLE_SET = frozenset(_ARTICLES)
_ARTICLE_SIZES = sorted({len(a) for a in _ARTICLES}, reverse=True)


def _candidates(token: str) -> list[str]:
    """Prefix readings of a token, most stripped first. The longest article wins (two articles
    of one length cannot both begin a word, so looking them up by length finds the one
    ``_ARTICLES``' order would)."""
    found = []
    for size in _ARTICLE_SIZES:
        if token[:size] in _ARTICLE_SET and len(token) - size >= MIN_STEM:
            found.append(token[size:])
            if token[0] in _CONJUNCTIONS:
                found.append(token[1:])  # و + a word that itself starts with ال...
            break
    else:
        if token[0] in _CONJUNCTIONS and len(token) - 1 >= MIN_STEM_LONG:
            found.append(token[1:])
    found.append(token)
    return found


def stem_arabic(token: str) -> str:
    """Light stem of one Arabic word (see the module docstring for the rules).

    The word is folded first (harakat, hamza, ة/ى...), so raw and folded
    spellings give the same stem.  Non-Arabic words come back folded only;
    text holding several words gives their stems joined by spaces.
    """
    return " ".join(stem_folded(t) for t in normalize(token or "").split())


def stem_folded(token: str) -> str:
    """:func:`stem_arabic` for a token already folded by :func:`nashra.text.fold.fold_base`
    (remembered: the words of the press repeat)."""
    return _stems[token]


def _stem(token: str) -> str:
    if len(token) < 3 or token in _SEPARATE_WORDS or not is_arabic_token(token):
        return token
    candidates = _candidates(token)
    stems = [_strip_suffix(c) for c in candidates]
    # A reading whose stem is a known word beginning with و/ف/ال wins over a
    # more stripped one: «وزير» is a word, not و + «زير».
    for candidate, stem in zip(candidates[1:], stems[1:], strict=True):
        if candidate[0] in "وفا" and stem in _NATIVE:
            return stem
    return stems[0]


_NATIVE = NATIVE_INITIAL_STEMS | {_strip_suffix(normalize(w)) for w in CURATED_WORDS}
_stems: Memo[str, str] = Memo(_stem, 200_000)

"""Cheap language guess for an article: script first, then stopwords."""

from __future__ import annotations

from nashra.text.fold import fold_accents

__all__ = ["detect_lang"]

SAMPLE_CHARS = 4000  # the head of a text is enough to tell its language
_FR = frozenset(
    "le la les des du un une et est sont dans pour que qui sur au aux par pas plus ce cette ces il elle ils nous vous avec son sa ses leur mais ou ont ete etait selon apres entre aussi tres sans sous deux lors depuis comme".split()  # noqa: SIM905
)  # fmt: skip
_EN = frozenset(
    "the and of to is are was were in for that on with as by it its at from this these be has have had not but which who will would their after said also been more than into about".split()  # noqa: SIM905
)  # fmt: skip


def detect_lang(text: str, default: str = "ar") -> str:
    """Return "ar" when Arabic letters outnumber Latin ones, else "fr" or "en" by stopwords.

    Returns ``default`` for text without letters.  A Latin text with no
    stopword of either list (a bare headline, a name) is taken as French,
    the portal's second language, unless ``default`` is "en".
    """
    if not text:
        return default
    head = text[:SAMPLE_CHARS]
    arabic = latin = 0
    for ch in head:
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff":
            arabic += ch.isalpha()
        elif ch.isalpha() and (ch.isascii() or "\u00c0" <= ch <= "\u024f"):
            latin += 1
    if arabic == 0 and latin == 0:
        return default
    if arabic >= latin:
        return "ar"
    words = fold_accents(head.casefold()).replace("'", " ").replace("\u2019", " ").split()
    fr = sum(w in _FR for w in words)
    en = sum(w in _EN for w in words)
    if fr == en:
        return default if default in ("fr", "en") else "fr"
    return "fr" if fr > en else "en"

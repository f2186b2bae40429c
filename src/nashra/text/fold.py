"""Character folding: the matching form of a text (never shown to readers).

The tables are built once at import from ``unicodedata`` so every rule is
declarative: which characters disappear, which merge, which become spaces.

Decisions (documented because they change what matches what):

* hamza on a seat folds to the bare hamza: ``ؤ`` and ``ئ`` → ``ء``.  Writers
  disagree on the seat (مسؤول/مسئول, شؤون/شئون) but rarely drop the hamza, so
  folding to ``ء`` joins those spellings without merging them with words
  spelled with a plain ``و``/``ي``.  Alef with hamza/madda/wasla → ``ا``.
* ``ى`` → ``ي`` and ``ة`` → ``ه`` (the usual spelling slips of the press).
* Persian/Urdu letter shapes that Arabic keyboards produce (``ک ی ہ ە``)
  fold to their Arabic letters; the Maghrebi extra letters (``ڤ گ پ چ``) stay.
* Every combining mark (harakat, shadda, sukun, tanwin, superscript alef,
  Quranic marks, Latin combining accents), tatweel, and every format
  character (bidi marks U+200E/U+200F/U+061C, ZWJ/ZWNJ, BOM) is deleted.
* Punctuation, symbols, controls and separators become spaces.
* Latin letters are case-folded and lose their accents (é→e, œ→oe, ß→ss).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold_base", "fold_word", "fold_accents", "normalize_arabic", "normalize", "tokenize"]

_ALEFS = "\u0622\u0623\u0625\u0671\u0672\u0673"  # آ أ إ ٱ ٲ ٳ
_LETTERS = {
    **{ord(c): "\u0627" for c in _ALEFS},
    0x0649: "\u064a",  # ى → ي
    0x0629: "\u0647",  # ة → ه
    0x0624: "\u0621",  # ؤ → ء
    0x0626: "\u0621",  # ئ → ء
    0x06A9: "\u0643",  # ک → ك
    0x06CC: "\u064a",  # ی → ي
    0x06D2: "\u064a",  # ے → ي
    0x06C1: "\u0647",  # ہ → ه
    0x06D5: "\u0647",  # ە → ه
    0x06C0: "\u0647",  # ۀ → ه
}
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}


def _scan_bmp() -> tuple[dict[int, None], dict[int, str]]:
    """Marks/format chars to delete, and punctuation/symbols/spaces to blank, in the BMP.

    The BMP holds every character the press uses; astral symbols (emoji) are
    caught by the tokeniser's non-word rule instead.
    """
    delete: dict[int, None] = {}
    blank: dict[int, str] = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        cat = unicodedata.category(chr(cp))
        if cat in ("Mn", "Me", "Cf"):
            delete[cp] = None
        elif cat[0] in "PSZ" or cat == "Cc":
            blank[cp] = " "
    delete[0x0640] = None  # tatweel (category Lm)
    return delete, blank


_DELETE, _BLANK = _scan_bmp()
_BASE_TABLE: dict[int, str | None] = {**_BLANK, **_DELETE, **_LETTERS, **_DIGITS}
# normalize_arabic keeps punctuation and spacing: it only changes letters, marks and digits.
_ARABIC_TABLE: dict[int, str | None] = {**_DELETE, **_LETTERS, **_DIGITS}


def _accent_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict(_DELETE)
    for cp in range(0x00C0, 0x0250):
        decomposed = unicodedata.normalize("NFD", chr(cp))
        if len(decomposed) > 1 and decomposed[0].isascii():
            table[cp] = decomposed[0].lower()
    table.update({0x0153: "oe", 0x0152: "oe", 0x00E6: "ae", 0x00C6: "ae", 0x00F8: "o"})
    table.update({0x00D8: "o", 0x0111: "d", 0x0110: "d", 0x0142: "l", 0x0141: "l"})
    table.update({0x00DF: "ss", 0x0131: "i"})
    return table


_ACCENT_TABLE = _accent_table()
# What survives the tables but is still not a word character (astral symbols, "_").
_NON_WORD = re.compile(r"[\W_]+")


def _nfkc(text: str) -> str:
    # Presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF), ligatures, full-width forms.
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def normalize_arabic(text: str) -> str:
    """Fold Arabic letters, marks and digits; leave punctuation and spacing as they are.

    Useful when a caller needs Arabic spelling variants merged but still wants
    to see sentence structure (e.g. dates, titles for duplicate checks).
    """
    if not text:
        return ""
    return _nfkc(text).translate(_ARABIC_TABLE)


def fold_base(text: str) -> str:
    """Everything :func:`normalize` does except removing Latin accents.

    Kept apart because the French Snowball stemmer needs the accents, while
    token boundaries must already be final (accent folding never moves them).
    """
    if not text:
        return ""
    # casefold first: it may emit combining marks (İ → i + U+0307) that the table deletes.
    folded = _nfkc(text).casefold().translate(_BASE_TABLE)
    folded = _NON_WORD.sub(" ", folded)
    return " ".join(folded.split())


def fold_word(word: str) -> str:
    """:func:`fold_base` of one word that NFKC leaves as it is and that holds only letters and
    digits (no mark, format character, punctuation or space): the caller has checked it, and
    the fold is then a case fold and the letter table, with nothing to split."""
    return word.casefold().translate(_BASE_TABLE)


def fold_accents(text: str) -> str:
    """Strip Latin accents from already case-folded text (é→e, ç→c, œ→oe)."""
    if text.isascii():
        return text
    return text.translate(_ACCENT_TABLE)


def normalize(text: str, lang: str = "ar") -> str:
    """The matching form of a whole text: one line of space-separated words.

    The normal form is the same whatever ``lang`` is (accepted for API
    symmetry), so an Arabic word in a French article matches the same word
    in an Arabic one.  Display text is never passed through this.
    """
    del lang
    if not text:
        return ""
    return fold_accents(fold_base(text))


def tokenize(text: str) -> list[str]:
    """Words of a text (letters and digits of any script), on the normalised text.

    Normalising first means a haraka, tatweel or zero-width joiner inside a
    word never splits it.
    """
    return normalize(text).split()

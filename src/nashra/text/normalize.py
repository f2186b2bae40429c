"""Public face of text normalisation: one import for every stage that matches text.

The work lives in small modules — ``fold`` (characters), ``stem`` (Arabic
light stemmer), ``analyse`` (index/query terms), ``lang``, ``fingerprint``,
``snippet`` — and is gathered here so callers write
``from nashra.text.normalize import analyse``.
"""

from __future__ import annotations

from nashra.text.analyse import analyse
from nashra.text.fingerprint import fingerprint
from nashra.text.fold import normalize, normalize_arabic, tokenize
from nashra.text.lang import detect_lang
from nashra.text.snippet import snippet
from nashra.text.stem import stem_arabic

__all__ = [
    "analyse",
    "detect_lang",
    "fingerprint",
    "normalize",
    "normalize_arabic",
    "snippet",
    "stem_arabic",
    "tokenize",
]

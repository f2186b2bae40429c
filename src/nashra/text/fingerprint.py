"""Fingerprints of article bodies, to recognise exact copies across outlets."""

from __future__ import annotations

import hashlib

from nashra.text.fold import normalize

__all__ = ["fingerprint"]


def fingerprint(text: str, lang: str = "ar") -> str:
    """40-hex SHA-1 of the normalised token stream; "" when the text has no words.

    The normal form ignores whitespace, punctuation, diacritics, tatweel,
    digit shapes and case, so an agency wire copied by ten outlets with
    different typography gets one fingerprint.  ``lang`` is accepted for API
    symmetry; the normal form does not depend on it.
    """
    return fingerprint_normal(normalize(text or "", lang))


def fingerprint_normal(normal: str) -> str:
    """The fingerprint of a text already in normal form (saves normalising a body twice)."""
    if not normal:
        return ""
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()

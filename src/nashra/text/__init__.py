"""Text: the only place that normalises text, parses dates and canonicalises URLs."""

from nashra.text.dates import format_date_line, parse_date
from nashra.text.fingerprint import fingerprint_normal
from nashra.text.normalize import (
    analyse,
    detect_lang,
    fingerprint,
    normalize,
    normalize_arabic,
    snippet,
    stem_arabic,
    tokenize,
)
from nashra.text.urls import canonical_url, host_of, numeric_id

__all__ = [
    "analyse",
    "canonical_url",
    "detect_lang",
    "fingerprint",
    "fingerprint_normal",
    "format_date_line",
    "host_of",
    "normalize",
    "normalize_arabic",
    "numeric_id",
    "parse_date",
    "snippet",
    "stem_arabic",
    "tokenize",
]

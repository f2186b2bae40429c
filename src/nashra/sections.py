"""The portal's sections: slugs used in URLs and their names in each interface language."""

from __future__ import annotations

SECTIONS: dict[str, dict[str, str]] = {
    "politics": {"ar": "السياسية", "fr": "Politique", "en": "Politics"},
    "economics": {"ar": "الاقتصادية", "fr": "Économie", "en": "Economy"},
    "international": {"ar": "الدولية", "fr": "International", "en": "International"},
    "sports": {"ar": "الرياضية", "fr": "Sports", "en": "Sports"},
    "society": {"ar": "الاجتماعية", "fr": "Société", "en": "Society"},
    "culture": {"ar": "الثقافية", "fr": "Culture", "en": "Culture"},
    "religion": {"ar": "الدينية", "fr": "Religion", "en": "Religion"},
    "health": {"ar": "الصحية", "fr": "Santé", "en": "Health"},
    "technology": {"ar": "التكنولوجيا", "fr": "Technologie", "en": "Technology"},
}


def section_name(slug: str | None, lang: str = "ar") -> str:
    """The reader-facing name of a section, or an empty string for an unknown one."""
    if not slug or slug not in SECTIONS:
        return ""
    return SECTIONS[slug].get(lang) or SECTIONS[slug]["ar"]

"""The search page's own sentences (its title, the empty result, the notes about a query),
as message ids of the portal's catalogs (``nashra.web.i18n``)."""

from __future__ import annotations

from nashra.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, translations

MESSAGES: dict[str, str] = {
    "title": _("Search the archive"),
    "none": _("No results."),
    "shortened": _("The query was shortened to its first 500 characters."),
    "unbalanced_quote": _("Unclosed quote: the words were searched separately."),
    "too_many_words": _("Only the first 16 words were used."),
    "prefix_too_short": _("A prefix search (*) needs at least two letters."),
    "no_words": _("Type at least one word to search."),
}


def message(key: str, lang: str) -> str:
    """One sentence in ``lang`` (the default interface language when ``lang`` is unknown)."""
    catalog = translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    return catalog.gettext(MESSAGES[key])


def note_text(code: str, lang: str = "en") -> str:
    """The sentence for a query note code (:mod:`nashra.search.query`)."""
    return message(code, lang) if code in MESSAGES else code

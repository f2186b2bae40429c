"""The reader-facing sentences of reporting, in the interface languages of the portal's
catalogs (``nashra.web.i18n``); the Arabic thanks sentence is the seed page's own, word for word.
"""

from __future__ import annotations

from nashra.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, translations

__all__ = ["DIRECTION", "LANGS", "text"]

LANGS = LANGUAGES
DIRECTION = {"ar": "rtl", "fr": "ltr", "en": "ltr"}


_MESSAGES: dict[str, str] = {
    "thanks": _(
        "Thank you for reporting! This image will be hidden automatically once several "
        "people have reported it."
    ),
    "rate_limited": _("You have sent too many reports in an hour. Please try again later."),
    "not_found": _("This image does not exist."),
    "refused": _("This report could not be accepted."),
    "back": _("Back to the article"),
    "title": _("Report an image"),
}


def text(key: str, lang: str) -> str:
    """One sentence in ``lang`` (the default interface language when ``lang`` is unknown)."""
    return translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).gettext(_MESSAGES[key])

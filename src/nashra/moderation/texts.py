"""The reader-facing sentences of reporting, in the three interface languages.

The thanks sentence is the seed page's own, word for word in Arabic.
"""

from __future__ import annotations

__all__ = ["DIRECTION", "LANGS", "text"]

LANGS = ("ar", "fr", "en")
DIRECTION = {"ar": "rtl", "fr": "ltr", "en": "ltr"}

_TEXTS: dict[str, dict[str, str]] = {
    "thanks": {
        "ar": "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.",
        "fr": "Merci pour votre signalement ! Cette image sera masquée automatiquement "
        "lorsque plusieurs personnes l'auront signalée.",
        "en": "Thank you for reporting! This image will be hidden automatically once "
        "several people have reported it.",
    },
    "rate_limited": {
        "ar": "لقد أرسلت بلاغات كثيرة خلال ساعة. يرجى المحاولة لاحقا.",
        "fr": "Vous avez envoyé trop de signalements en une heure. Réessayez plus tard.",
        "en": "You have sent too many reports in an hour. Please try again later.",
    },
    "not_found": {
        "ar": "هذه الصورة غير موجودة.",
        "fr": "Cette image n'existe pas.",
        "en": "This image does not exist.",
    },
    "refused": {
        "ar": "تعذر قبول هذا البلاغ.",
        "fr": "Ce signalement n'a pas pu être accepté.",
        "en": "This report could not be accepted.",
    },
    "back": {"ar": "العودة إلى الخبر", "fr": "Retour à l'article", "en": "Back to the article"},
    "title": {"ar": "الإبلاغ عن صورة", "fr": "Signaler une image", "en": "Report an image"},
}


def text(key: str, lang: str) -> str:
    """One sentence in ``lang`` (Arabic when the language is unknown)."""
    entry = _TEXTS[key]
    return entry.get(lang) or entry["ar"]

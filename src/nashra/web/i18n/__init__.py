"""Interface translations (gettext catalogs compiled by Babel).

The templates' message ids are English; ``ar`` (the default interface), ``fr`` and ``en`` each
have a catalog in ``i18n/<lang>/LC_MESSAGES/messages.po`` compiled to ``messages.mo`` beside it.
Regenerate with ``python -m nashra.web.i18n update`` then ``python -m nashra.web.i18n compile``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

CATALOG_DIR = Path(__file__).parent
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
DEFAULT_LANGUAGE = "ar"


def _(message: str) -> str:
    """Marks a message for the catalogs (``python -m nashra.web.i18n extract``) where it is
    declared; it is translated where it is shown. Feature modules import it as ``_``."""
    return message


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang``; a missing catalog is an installation error, so it raises."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported interface language {lang!r}; expected one of {LANGUAGES}")
    mo = CATALOG_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.is_file():
        raise FileNotFoundError(
            f"{mo} is missing: run `python -m nashra.web.i18n compile` to build the catalogs"
        )
    return Translations.load(str(CATALOG_DIR), locales=[lang], domain=DOMAIN)

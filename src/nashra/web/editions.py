"""Editions: the interface language chosen by the URL prefix, and which articles it lists.

``/`` is the Arabic edition (Arabic outlets, Arabic interface, right to left), ``/fr/`` the French
edition (French-language outlets, French interface) and ``/en/`` an English interface over every
outlet. Outlet, author and article pages show their articles whatever the edition.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    code: str  # the interface language, also the catalog used
    prefix: str  # URL prefix: "" for the default edition
    dir: str  # "rtl" or "ltr"
    content_lang: str | None  # articles listed on home/section/feeds; None = all

    def url(self, path: str) -> str:
        """``path`` (starting with "/") inside this edition."""
        return f"{self.prefix}{path}"


EDITIONS: dict[str, Edition] = {
    "ar": Edition("ar", "", "rtl", "ar"),
    "fr": Edition("fr", "/fr", "ltr", "fr"),
    "en": Edition("en", "/en", "ltr", None),
}
DEFAULT = EDITIONS["ar"]


def edition_of_path(path: str) -> Edition:
    """The edition a request path belongs to (its first segment ``fr``/``en``, else Arabic)."""
    for edition in EDITIONS.values():
        if edition.prefix and (path == edition.prefix or path.startswith(edition.prefix + "/")):
            return edition
    return DEFAULT


def article_path(source: str, num: int, lang: str | None) -> str:
    """An article's page on the portal: French articles live in the French edition."""
    prefix = EDITIONS["fr"].prefix if lang == "fr" else ""
    return f"{prefix}/{source}/{num}"

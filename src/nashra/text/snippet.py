"""Teaser snippets, cut at a word boundary and marked the Maghress way « (...)»."""

from __future__ import annotations

__all__ = ["snippet", "ELLIPSIS"]

ELLIPSIS = " (...)"
# Punctuation that looks wrong just before the marker («قال، (...)»).
_TRAILING = " \t,;:-–—،؛.…«\"'(["


def snippet(text: str, max_chars: int = 200) -> str:
    """The head of ``text`` in at most ``max_chars`` characters, never cut inside a word.

    Whitespace is collapsed first.  When the text is cut, the result ends with
    " (...)" and the marker counts towards ``max_chars``.  If even the first
    word does not fit, that whole word is returned with the marker: never
    cutting a word wins over the length.
    """
    if not text or max_chars <= 0:
        return ""
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    budget = max(max_chars - len(ELLIPSIS), 0)
    cut = flat.rfind(" ", 0, budget + 1)
    head = flat[:cut].rstrip(_TRAILING) if cut > 0 else ""
    if not head:
        head = flat.split(" ", 1)[0].rstrip(_TRAILING) or flat.split(" ", 1)[0]
    return head + ELLIPSIS

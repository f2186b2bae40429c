"""Text as it is shown in attributes and titles: no bidi overrides from strangers.

Embedding and override controls (U+202A–U+202E) and isolates (U+2066–U+2069) in a headline
can reverse what a reader sees in a browser tab, a link preview or a screen reader's ``alt``
(an outlet's title could make a URL or a name read backwards). The article text keeps its own
marks (U+200E/U+200F help mixed Arabic and Latin); these controls never belong in a title.
"""

from __future__ import annotations

__all__ = ["BIDI_CONTROLS", "strip_bidi_controls"]

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DROP = {ord(ch): None for ch in BIDI_CONTROLS}


def strip_bidi_controls(text: str | None) -> str:
    """``text`` without bidi embedding, override and isolate controls ("" for None)."""
    return (text or "").translate(_DROP)

"""The outlet logo shown when an article has no usable image (or its image was hidden).

A monogram drawn by us: the outlet's initials on a colour derived from its slug, as SVG. Nothing
is fetched from the outlet (no hot-linking, no favicon of unknown content), and the SVG is ours,
built from escaped text: no script can get in.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from xml.sax.saxutils import escape

__all__ = ["SLUG_RE", "initials", "logo_svg", "logo_url"]

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def logo_url(slug: str) -> str:
    """The portal path of an outlet's logo."""
    return f"/media/logo/{slug}.svg"


def initials(name: str, slug: str) -> str:
    """Up to two letters: the first letter of the first two words of the name (or the slug)."""
    words = [w for w in re.split(r"[\s\-_.]+", name or "") if w and w[0].isalnum()]
    if words:
        # An Arabic name's first word is often the article "ال": keep the letter after it.
        letters = [w[2] if w.startswith("ال") and len(w) > 2 else w[0] for w in words[:2]]
        return "".join(letters).upper()
    return (slug[:2] or "?").upper()


def _colour(slug: str) -> str:
    hue = int(hashlib.sha256(slug.encode()).hexdigest()[:4], 16) / 0xFFFF
    r, g, b = colorsys.hls_to_rgb(hue, 0.36, 0.55)  # dark enough for white letters
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def logo_svg(slug: str, name: str = "") -> bytes:
    """A 640x360 SVG (the lead image's box): initials centred on the outlet's colour."""
    text = escape(initials(name, slug))
    label = escape(name or slug, {'"': "&quot;"})
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" '
        f'viewBox="0 0 640 360" role="img" aria-label="{label}">'
        f'<rect width="640" height="360" fill="{_colour(slug)}"/>'
        '<text x="320" y="180" fill="#fff" font-family="sans-serif" font-size="150" '
        f'font-weight="bold" text-anchor="middle" dominant-baseline="central">{text}</text>'
        "</svg>\n"
    ).encode()

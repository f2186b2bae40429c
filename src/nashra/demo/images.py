"""Pictures of the demo: generated lead images and logos, and hostile files for the image tests.

Nothing is downloaded: every picture is drawn with Pillow from a seed, on request, and kept in a
small in-memory cache so the server starts at once.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

LEAD_SIZE = (640, 360)


def _palette(seed: str) -> random.Random:
    return random.Random(f"img:{seed}")


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _picture(seed: str, initials: str, colour: tuple[int, int, int]) -> Image.Image:
    """A deterministic 640x360 picture: a gradient, a few shapes and the outlet's initials."""
    rng = _palette(seed)
    dark = tuple(max(0, c - rng.randint(20, 80)) for c in colour)
    light = tuple(rng.randint(120, 255) for _ in range(3))
    grad = Image.linear_gradient("L").rotate(rng.choice([0, 90, 45, 135]), expand=False)
    img = ImageOps.colorize(grad.resize(LEAD_SIZE), black=dark, white=light).convert("RGB")
    draw = ImageDraw.Draw(img, "RGBA")
    width, height = LEAD_SIZE
    for _ in range(rng.randint(3, 7)):
        x0, y0 = rng.randint(-80, width), rng.randint(-80, height)
        x1, y1 = x0 + rng.randint(40, 260), y0 + rng.randint(40, 200)
        fill = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255), rng.randint(70, 170))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=fill)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=fill)
    if initials:
        draw.rectangle(
            (16, height - 64, 16 + 28 * len(initials) + 24, height - 16), fill=(*colour, 220)
        )
        draw.text((28, height - 60), initials, fill=(255, 255, 255, 255), font=_font(36))
    return img


@lru_cache(maxsize=512)
def lead_jpeg(
    seed: str,
    initials: str,
    colour: tuple[int, int, int],
    size: tuple[int, int] = LEAD_SIZE,
    quality: int = 85,
) -> bytes:
    """The JPEG of an article's lead image, at ``size`` and ``quality``."""
    img = _picture(seed, initials, colour)
    if size != LEAD_SIZE:
        img = img.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


@lru_cache(maxsize=32)
def logo_png(initials: str, colour: tuple[int, int, int]) -> bytes:
    """An outlet's logo: its initials on its colour."""
    width = 40 + 30 * max(1, len(initials))
    img = Image.new("RGB", (width, 64), colour)
    draw = ImageDraw.Draw(img)
    draw.text((20, 12), initials, fill=(255, 255, 255), font=_font(36))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def truncated_jpeg(seed: str, initials: str, colour: tuple[int, int, int]) -> bytes:
    """A real JPEG cut after 40% of its bytes: the header parses, the scan data stops early."""
    data = lead_jpeg(seed, initials, colour)
    return data[: int(len(data) * 0.4)]


def html_error_page() -> bytes:
    """What a misconfigured CDN serves as image/jpeg: an HTML page."""
    return (
        b"<!DOCTYPE html><html><head><title>403 Forbidden</title></head>"
        b"<body><h1>403 Forbidden</h1><p>Hotlinking is not allowed.</p></body></html>\n"
    )


def svg_with_script() -> bytes:
    """An SVG picture that carries a script (must never be served to readers as is)."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">'
        b'<rect width="640" height="360" fill="#336699"/>'
        b'<script type="text/javascript">alert(document.cookie)</script>'
        b'<circle cx="320" cy="180" r="90" fill="#ffcc00" onload="alert(1)"/>'
        b"</svg>\n"
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=2)
def png_bomb(size: int = 20000) -> bytes:
    """A valid ``size`` x ``size`` 1-bit PNG of zeros, compressed row by row (never held whole)."""
    row = b"\x00" * (1 + (size + 7) // 8)  # filter byte + packed bits
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(size)]
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )

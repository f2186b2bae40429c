"""The image stage: the bytes an outlet served → our own clean copies, or a refusal saying why.

A pure function (bytes in, record out); fetching and writing files happen in :mod:`.library`.
What it guards against, in order, before a single pixel is decoded:

* the declared Content-Type must be a raster image type (or a generic binary type): an HTML error
  page served as ``image/jpeg``, or an SVG (which may carry scripts), is refused;
* the magic bytes must be JPEG, PNG, GIF or WebP, whatever the header said;
* the pixel size is read from the header and checked against ``max_pixels`` and ``MAX_SIDE``, so
  a 20000x20000 PNG bomb (a few kilobytes on the wire, 400 megapixels decoded) is refused without
  allocating it; Pillow's own ``Image.MAX_IMAGE_PIXELS`` guard is set to the same limit as a
  second line;
* a truncated file fails to decode and is refused (``LOAD_TRUNCATED_IMAGES`` stays off).

What comes out is re-encoded to WebP at the widths of :data:`nashra.media.paths.SIZES` (never
enlarged), with no metadata (EXIF, XMP, ICC, comments: nothing of the original file is copied),
its EXIF orientation applied first, the original's width and height, the SHA-256 of the original
bytes (the content address) and the perceptual hash (:mod:`.phash`).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps

from nashra.media.paths import SIZES
from nashra.media.phash import is_informative, perceptual_hash

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "MAX_SIDE",
    "ImageRejected",
    "ProcessedImage",
    "process_image",
    "sniff",
]

DEFAULT_MAX_PIXELS = 40_000_000  # a 8000x5000 photo; news pictures are far smaller
MAX_SIDE = 16_000
WEBP_QUALITY = 80

# Pillow raises DecompressionBombError beyond twice this; our header check comes first anyway.
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

_ALLOWED_TYPES = {"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/gif", "image/webp"}
# CDNs often label pictures generically; the magic bytes then decide.
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "image/*"}
_PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}


class ImageRejected(ValueError):
    """A picture we will not re-host; ``kind`` is a short stable word for counting."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # content_type | not_an_image | too_many_pixels | corrupt | empty


@dataclass(frozen=True)
class ProcessedImage:
    """Our copies of one picture and what we record about it."""

    sha256: str  # of the original bytes: the content address
    mime: str  # the original's real type (from its magic bytes)
    width: int  # of the original
    height: int
    phash: str  # 16 hex digits
    informative: bool  # False for a flat picture: never matched to others by its hash
    renditions: dict[str, bytes]  # size name ("full", "thumb") → WebP bytes


def sniff(data: bytes) -> str | None:
    """The raster type the magic bytes announce, or None (SVG, HTML, anything else)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _check_declared(content_type: str | None) -> None:
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in _ALLOWED_TYPES or declared in _GENERIC_TYPES:
        return
    raise ImageRejected("content_type", f"served as {declared!r}, not a raster image type")


def _open_checked(data: bytes, mime: str, max_pixels: int) -> Image.Image:
    """Open lazily (header only) and check the size before anything is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[mime]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels", f"decompression bomb refused: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("corrupt", f"unreadable {mime}: {exc}") from exc
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ImageRejected("corrupt", f"bad dimensions {width}x{height}")
    if width * height > max_pixels or max(width, height) > MAX_SIDE:
        raise ImageRejected(
            "too_many_pixels",
            f"{width}x{height} pixels exceeds the limit of {max_pixels} pixels "
            f"or {MAX_SIDE} pixels a side (refused before decoding)",
        )
    return img


def _decode(img: Image.Image, mime: str) -> Image.Image:
    """Decode the first frame fully (a truncated file fails here), oriented, in RGB(A)."""
    largest = max(SIZES.values())
    try:
        if mime == "image/jpeg":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers our largest
            # width: much less work for big photos.
            img.draft("RGB", (largest, max(1, round(largest * img.height / img.width))))
        img.load()
        img = ImageOps.exif_transpose(img)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageRejected("corrupt", f"cannot decode the {mime}: {exc}") from exc
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    return img.convert("RGBA" if has_alpha else "RGB")


def _scaled(img: Image.Image, width: int) -> Image.Image:
    if img.width <= width:
        return img
    height = max(1, round(img.height * width / img.width))
    return img.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)


def _webp(img: Image.Image) -> bytes:
    out = io.BytesIO()
    clean = img.copy()
    clean.info = {}  # nothing of the original's metadata travels
    clean.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def process_image(
    data: bytes, content_type: str | None, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ProcessedImage:
    """Check and re-encode one picture; raises :class:`ImageRejected` saying why it was refused."""
    if not data:
        raise ImageRejected("empty", "empty body")
    _check_declared(content_type)
    mime = sniff(data)
    if mime is None:
        head = data[:64].lstrip().lower()
        what = (
            "an SVG"
            if b"<svg" in data[:2048].lower()
            else ("HTML" if head.startswith((b"<!doctype", b"<html")) else "unknown bytes")
        )
        raise ImageRejected("not_an_image", f"not a JPEG, PNG, GIF or WebP ({what})")
    img = _open_checked(data, mime, max_pixels)
    width, height = img.size
    decoded = _decode(img, mime)
    renditions: dict[str, bytes] = {}
    # Largest first, each smaller size from the previous one: cheaper than from the original.
    current = decoded
    for name, target in sorted(SIZES.items(), key=lambda kv: -kv[1]):
        current = _scaled(current, target)
        renditions[name] = _webp(current)
    thumb = current
    return ProcessedImage(
        sha256=hashlib.sha256(data).hexdigest(),
        mime=mime,
        width=width,
        height=height,
        phash=f"{perceptual_hash(thumb):016x}",
        informative=is_informative(thumb),
        renditions=renditions,
    )

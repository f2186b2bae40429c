"""The perceptual hash: the same picture re-encoded or resized by another outlet gets (nearly) the
same 64 bits, so it is recognised as one image.

It is the classic DCT "pHash": the picture in grey at 32x32, the 8x8 lowest frequencies of its
discrete cosine transform, one bit per coefficient (above or below their median, the DC term left
out of the median). Written with Pillow and the standard library only (no numpy, no imagehash).

Two pictures are one when their hashes differ in at most :data:`MAX_DISTANCE` bits. Measured on
the demo pictures: a copy resized from 640 to 480 pixels and re-encoded at JPEG quality 55 (or
400 px at quality 40) is at distance 0; distinct pictures are at 4 or more (28 on average), so 2
leaves a margin both ways. A plain dHash was tried first and rejected: pictures dominated by a
gradient all hash alike.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageStat

__all__ = [
    "BANDS",
    "MAX_DISTANCE",
    "bands",
    "distance",
    "is_informative",
    "perceptual_hash",
]

MAX_DISTANCE = 2
BANDS = 4  # 16-bit bands: any two hashes within distance BANDS - 1 share one band exactly
_N = 32
_LOW = 8


@lru_cache(maxsize=1)
def _cosines() -> tuple[tuple[float, ...], ...]:
    return tuple(
        tuple(math.cos((2 * x + 1) * u * math.pi / (2 * _N)) for x in range(_N))
        for u in range(_LOW)
    )


def _grey_pixels(img: Image.Image) -> list[int]:
    small = img.convert("L").resize((_N, _N), Image.Resampling.BOX)
    getter = getattr(small, "get_flattened_data", None)  # Pillow >= 12.1
    return list(getter() if getter else small.getdata())


def perceptual_hash(img: Image.Image) -> int:
    """The 64-bit pHash of ``img`` (any mode, any size)."""
    px = _grey_pixels(img)
    cos = _cosines()
    rows = [px[r * _N : (r + 1) * _N] for r in range(_N)]
    # Separable DCT-II, keeping only the lowest 8 frequencies in each direction.
    half = [
        [sum(c * v for c, v in zip(cos[u], row, strict=True)) for u in range(_LOW)] for row in rows
    ]
    coef = [
        sum(cos[u][y] * half[y][v] for y in range(_N)) for u in range(_LOW) for v in range(_LOW)
    ]
    median = sorted(coef[1:])[len(coef[1:]) // 2]
    value = 0
    for c in coef:
        value = (value << 1) | (c > median)
    return value


def is_informative(img: Image.Image) -> bool:
    """False for a (nearly) flat picture, whose hash is noise: it is never matched to others."""
    return ImageStat.Stat(img.convert("L")).stddev[0] >= 2.0


def distance(a: int | str, b: int | str) -> int:
    """Hamming distance between two hashes (ints or 16-digit hex strings)."""
    x = int(a, 16) if isinstance(a, str) else a
    y = int(b, 16) if isinstance(b, str) else b
    return (x ^ y).bit_count()


def bands(value: int | str) -> list[int]:
    """The hash cut into :data:`BANDS` 16-bit integers, most significant first."""
    v = int(value, 16) if isinstance(value, str) else value
    width = 64 // BANDS
    mask = (1 << width) - 1
    return [(v >> (width * (BANDS - 1 - i))) & mask for i in range(BANDS)]

"""Where re-hosted images live on disk: content-addressed by the SHA-256 of the original bytes."""

from __future__ import annotations

import re
from pathlib import Path

SIZES: dict[str, int] = {"full": 960, "thumb": 320}  # target widths in pixels
FORMAT = "webp"
_NAME_RE = re.compile(r"([0-9a-f]{64})-(full|thumb)\.webp")


def media_path(media_dir: Path, sha256: str, size: str) -> Path:
    """``media_dir/ab/cd/abcd…-{size}.webp``; two levels of fan-out keep directories small."""
    if size not in SIZES:
        raise ValueError(f"unknown image size {size!r}; expected one of {sorted(SIZES)}")
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("an image id is a 64-character lowercase hex SHA-256")
    return media_dir / sha256[:2] / sha256[2:4] / f"{sha256}-{size}.{FORMAT}"


def media_url(sha256: str, size: str) -> str:
    """The portal path that serves an image of ``size``."""
    return f"/media/{sha256}-{size}.{FORMAT}"


def parse_media_name(name: str) -> tuple[str, str] | None:
    """``(sha256, size)`` of a served file name (``{sha256}-{size}.webp``), or None."""
    match = _NAME_RE.fullmatch(name)
    return (match[1], match[2]) if match else None

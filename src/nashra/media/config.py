"""Settings of the media and moderation features, read from the one settings object.

They are fields of ``nashra.config.Settings`` (so ``NASHRA_<NAME>`` environment variables and the
TOML file set them); this module only coerces and clamps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nashra.config import Settings
from nashra.media.phash import BANDS, MAX_DISTANCE
from nashra.media.process import DEFAULT_MAX_PIXELS

__all__ = ["MediaConfig", "setting"]


def setting(settings: Settings, name: str, default: Any) -> Any:
    """One value of the media/moderation settings (a field of ``Settings``, else an unknown TOML
    key kept in ``settings.extra``), coerced to the type of ``default``."""
    raw: Any = getattr(settings, name, None)
    if raw is None:
        raw = settings.extra.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, tuple):
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        return tuple(str(i).strip() for i in items if str(i).strip())
    return str(raw)


@dataclass(frozen=True)
class MediaConfig:
    max_image_pixels: int = DEFAULT_MAX_PIXELS
    phash_distance: int = MAX_DISTANCE

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaConfig:
        distance = setting(settings, "phash_distance", MAX_DISTANCE)
        return cls(
            max_image_pixels=setting(settings, "max_image_pixels", DEFAULT_MAX_PIXELS),
            # The band index only finds matches up to BANDS - 1 bits apart.
            phash_distance=max(0, min(distance, BANDS - 1)),
        )

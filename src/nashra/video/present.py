"""What pages show of a video (pure functions): the click-to-play player, the duration."""

from __future__ import annotations

from typing import Any

from nashra.video.detect import FILE, Video

PROVIDER_NAMES = {"youtube": "YouTube", "dailymotion": "Dailymotion", "vimeo": "Vimeo"}


def duration_text(seconds: int | None) -> str:
    """``1:05`` or ``1:02:05`` (empty when unknown)."""
    if not seconds:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def player(video: Video | None, article_url: str) -> dict[str, Any] | None:
    """What the click-to-play player shows: the embed (loaded only on click), the page to
    watch it without script, the provider's name and the duration."""
    if video is None:
        return None
    return {
        "embed_url": video.embed_url,
        "file_url": video.video_id if video.provider == FILE else "",
        "watch_url": video.watch_url or article_url,
        "provider": video.provider,
        "provider_name": PROVIDER_NAMES.get(video.provider, ""),
        "duration": duration_text(video.duration),
        "title": video.title,
    }

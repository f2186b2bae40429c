"""Recognising a video article and its video (a pure stage: markup and URLs in, ``Video`` out).

What counts, strongest first: a JSON-LD ``VideoObject``; a YouTube, Dailymotion or Vimeo player
(``<iframe>``, ``<lite-youtube>``, a link to the provider's watch page that the page shows as a
player); ``og:video``; a ``media:content`` / enclosure of a video type in the feed; and, when
nothing else says more, a ``/video/`` segment in the article's address (the outlet files it as
a video, whose player we cannot read: the portal links to the outlet to watch it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

#: Provider names, as stored and shown in the API.
YOUTUBE, DAILYMOTION, VIMEO, FILE, SOURCE = "youtube", "dailymotion", "vimeo", "file", "source"
PROVIDERS = (YOUTUBE, DAILYMOTION, VIMEO, FILE, SOURCE)

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_DAILYMOTION_ID = re.compile(r"^x[a-z0-9]{4,10}$", re.IGNORECASE)
_VIMEO_ID = re.compile(r"^\d{4,12}$")
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_VIDEO_SEGMENTS = frozenset({"video", "videos", "فيديو", "vidéo", "vidéos"})
MAX_DURATION = 7 * 24 * 3600  # a week: anything longer is a live stream's nonsense or garbage


@dataclass(frozen=True)
class Video:
    """One article's video. ``video_id`` is the provider's id (the file's address for ``file``,
    empty for ``source``); ``poster_url`` is where the poster came from (re-hosted as the
    article's lead image by the media stage)."""

    provider: str
    video_id: str
    title: str = ""
    duration: int | None = None  # seconds
    poster_url: str = ""

    @property
    def watch_url(self) -> str:
        """The provider's own page for the video (the no-script fallback of the player)."""
        return {
            YOUTUBE: f"https://www.youtube.com/watch?v={self.video_id}",
            DAILYMOTION: f"https://www.dailymotion.com/video/{self.video_id}",
            VIMEO: f"https://vimeo.com/{self.video_id}",
            FILE: self.video_id,
        }.get(self.provider, "")

    @property
    def embed_url(self) -> str:
        """The privacy-friendly player, loaded only when the reader clicks play."""
        return {
            YOUTUBE: f"https://www.youtube-nocookie.com/embed/{self.video_id}?autoplay=1",
            DAILYMOTION: f"https://geo.dailymotion.com/player.html?video={self.video_id}",
            VIMEO: f"https://player.vimeo.com/video/{self.video_id}?autoplay=1&dnt=1",
        }.get(self.provider, "")


#: The origins of ``Video.embed_url`` (the portal's Content-Security-Policy allows only these).
EMBED_ORIGINS = (
    "https://www.youtube-nocookie.com",
    "https://geo.dailymotion.com",
    "https://player.vimeo.com",
)


def provider_video(url: str) -> tuple[str, str] | None:
    """(provider, id) of a YouTube, Dailymotion or Vimeo address (player, watch page or short
    link), or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    segments = [s for s in parts.path.split("/") if s]
    candidate, provider, pattern = "", "", _YOUTUBE_ID
    if host in {"youtube.com", "youtube-nocookie.com", "music.youtube.com"}:
        provider = YOUTUBE
        if segments[:1] == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in {"embed", "v", "shorts", "live"}:
            candidate = segments[1]
    elif host == "youtu.be":
        provider, candidate = YOUTUBE, segments[0] if segments else ""
    elif host in {"dailymotion.com", "geo.dailymotion.com", "dai.ly"}:
        provider, pattern = DAILYMOTION, _DAILYMOTION_ID
        if host == "dai.ly" and segments:
            candidate = segments[0]
        elif segments[:1] == ["video"] and len(segments) >= 2:
            candidate = segments[1].split("_", 1)[0]
        elif segments[:2] == ["embed", "video"] and len(segments) >= 3:
            candidate = segments[2]
        else:
            candidate = (parse_qs(parts.query).get("video") or [""])[0]
    elif host in {"vimeo.com", "player.vimeo.com"}:
        provider, pattern = VIMEO, _VIMEO_ID
        numbers = [s for s in segments if s.isdigit()]
        candidate = numbers[0] if numbers else ""
    if provider and pattern.match(candidate):
        return provider, candidate
    return None


def parse_duration(value: Any) -> int | None:
    """Seconds of an ISO 8601 duration (``PT1M30S``) or a plain number; None if unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        seconds = int(value.strip())
    elif isinstance(value, str) and (match := _DURATION.match(value.strip())):
        parts = {k: float(v) for k, v in match.groupdict().items() if v}
        if not parts:
            return None
        seconds = int(
            parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60
        ) + int(parts.get("s", 0))
    else:
        return None
    return seconds if 0 < seconds <= MAX_DURATION else None


def is_video_type(mime: str, medium: str = "") -> bool:
    return medium.strip().lower() == "video" or mime.strip().lower().startswith("video/")


def _file_video(url: str) -> Video | None:
    found = provider_video(url)
    if found:
        return Video(*found)
    if urlsplit(url).scheme in {"http", "https"}:
        return Video(FILE, url)
    return None


def video_from_feed(
    enclosures: Iterable[tuple[str, str]], media: Iterable[tuple[str, str, str]], base: str = ""
) -> Video | None:
    """The video of a feed entry: an enclosure or ``media:content`` of a video type (a
    provider's address in one is recognised as that provider's video)."""
    for href, mime in enclosures:
        if href and is_video_type(mime):
            return _file_video(urljoin(base, href))
    for url, medium, mime in media:
        if url and is_video_type(mime, medium):
            return _file_video(urljoin(base, url))
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list) and value:
        return _text(value[0])
    if isinstance(value, dict):
        return _text(value.get("url") or value.get("contentUrl") or "")
    return ""


def _video_objects(tree: etree._Element) -> Iterable[dict[str, Any]]:
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            stack = [json.loads(script.text)]
        except (ValueError, RecursionError):
            continue
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kinds = item.get("@type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if "VideoObject" in kinds:
                    yield item
                stack.extend(
                    v for k, v in item.items() if k in {"@graph", "video", "associatedMedia"}
                )


def _from_json_ld(item: dict[str, Any], url: str) -> Video | None:
    for key in ("embedUrl", "contentUrl", "url"):
        address = _text(item.get(key))
        if not address:
            continue
        address = urljoin(url, address)
        found = provider_video(address)
        video = Video(*found) if found else (_file_video(address) if key == "contentUrl" else None)
        if video:
            poster = _text(item.get("thumbnailUrl") or item.get("thumbnail"))
            return replace(
                video,
                title=_text(item.get("name")),
                duration=parse_duration(item.get("duration")),
                poster_url=urljoin(url, poster) if poster else "",
            )
    return None


_PLAYERS = etree.XPath(
    "//iframe[@src or @data-src] | //lite-youtube[@videoid] | //*[@data-youtube-id]"
    " | //a[@href][.//img or contains(@class,'video') or contains(@class,'play')]"
)
_LINKS = etree.XPath("//a/@href")


def _from_players(tree: etree._Element, url: str, any_link: bool) -> Video | None:
    for el in _PLAYERS(tree)[:200]:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "lite-youtube" or el.get("data-youtube-id"):
            candidate = el.get("videoid") or el.get("data-youtube-id") or ""
            if _YOUTUBE_ID.match(candidate):
                return Video(YOUTUBE, candidate, title=" ".join((el.get("title") or "").split()))
            continue
        address = el.get("src") or el.get("data-src") if tag == "iframe" else el.get("href")
        found = provider_video(urljoin(url, address or ""))
        if found:
            return Video(*found, title=" ".join((el.get("title") or "").split()))
    if any_link:  # the outlet files the page as a video: a plain link to the video counts
        for href in _LINKS(tree)[:500]:
            found = provider_video(urljoin(url, str(href)))
            if found:
                return Video(*found)
    return None


def _meta(tree: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        if key.startswith(("og:video", "og:image", "og:title")) and key not in found:
            found[key] = (el.get("content") or "").strip()
    return found


def _from_og(tree: etree._Element, url: str) -> Video | None:
    meta = _meta(tree)
    for key in ("og:video:secure_url", "og:video:url", "og:video"):
        address = meta.get(key)
        if not address:
            continue
        address = urljoin(url, address)
        found = provider_video(address)
        if found:
            return Video(*found)
        if is_video_type(meta.get("og:video:type", "")) or re.search(
            r"\.(mp4|webm|m3u8|mov)(\?|$)", address, re.IGNORECASE
        ):
            return _file_video(address)
    return None


def has_video_segment(url: str) -> bool:
    """True when the article's address files it under video (``/video/``, ``/فيديو/``…)."""
    from urllib.parse import unquote

    try:
        path = unquote(urlsplit(url).path).lower()
    except ValueError:
        return False
    return any(segment in _VIDEO_SEGMENTS for segment in path.split("/")[:-1])


def find_video(tree: etree._Element | None, url: str = "") -> Video | None:
    """The video of an article page, or None (call before the extractor prunes the tree)."""
    if tree is None:
        return None
    video_page = has_video_segment(url)
    for item in _video_objects(tree):
        video = _from_json_ld(item, url)
        if video:
            return _with_poster(video, tree, url)
    video = _from_players(tree, url, video_page) or _from_og(tree, url)
    return _with_poster(video, tree, url) if video else None


def _with_poster(video: Video, tree: etree._Element, url: str) -> Video:
    meta = _meta(tree)
    poster = video.poster_url or meta.get("og:image") or meta.get("og:image:url") or ""
    title = video.title or meta.get("og:title", "")
    return replace(
        video,
        poster_url=urljoin(url, poster) if poster else "",
        title=" ".join(title.split())[:300],
    )


def choose_video(page: Video | None, feed: Video | None, url: str) -> Video | None:
    """The article's video: the page's, else the feed's, else (for an address filed under
    video) a video watched at the outlet."""
    if page and feed and page.provider == FILE and feed.provider != FILE:
        return replace(feed, title=page.title, poster_url=page.poster_url)
    chosen = page or feed
    if chosen is None and has_video_segment(url):
        return Video(SOURCE, "")
    return chosen

"""The media stage of the crawl: an article's lead image URL → the id of our re-hosted copy.

Called by the crawler after ``store.save_article`` for a new article whose ``image_url`` is set::

    image_id = await fetch_lead_image(fetcher, store, settings, article.image_url)
    if image_id is not None:
        store.set_article_image(saved.pk, image_id)

The fetch goes through the crawler's own :class:`~nashra.http.fetch.Fetcher` (robots.txt, per
host limits, timeouts, a size cap of ``settings.media.max_image_bytes`` while streaming); the checks and
the re-encoding are the pure stage :func:`nashra.media.process.process_image`, run in a worker
thread so the event loop keeps crawling.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nashra.config import Settings
from nashra.http.fetch import Fetcher
from nashra.media.library import save_image, write_files
from nashra.media.process import ImageRejected, process_image
from nashra.store import Store

__all__ = ["IMAGE_ACCEPT", "ImageOutcome", "fetch_image", "fetch_lead_image"]

log = logging.getLogger("nashra.media")

IMAGE_ACCEPT = "image/webp, image/png, image/jpeg, image/gif;q=0.8, */*;q=0.1"


@dataclass
class ImageOutcome:
    """What became of one lead image: an id, or the kind of failure (for counting) and why."""

    url: str
    image_id: int | None = None
    error_kind: str | None = None  # a fetch error kind, or an ImageRejected kind, or "invalid_url"
    error: str | None = None


async def fetch_image(
    fetcher: Fetcher, store: Store, settings: Settings, image_url: str
) -> ImageOutcome:
    """Fetch, check, re-encode and store one picture; never raises for a bad picture."""
    outcome = ImageOutcome(url=image_url)
    if not image_url or not image_url.lower().startswith(("http://", "https://")):
        outcome.error_kind, outcome.error = "invalid_url", "not an http(s) URL"
        return outcome
    result = await fetcher.fetch(
        image_url, accept=IMAGE_ACCEPT, max_bytes=settings.media.max_image_bytes
    )
    if not result.ok or not result.content:
        outcome.error_kind = result.error_kind or "http"
        outcome.error = result.error or f"HTTP {result.status}"
        log.info("lead image not fetched url=%s kind=%s", image_url, outcome.error_kind)
        return outcome
    try:
        processed = await asyncio.wait_for(
            asyncio.to_thread(
                process_image,
                result.content,
                result.headers.get("content-type"),
                max_pixels=settings.media.max_image_pixels,
            ),
            timeout=settings.crawl.item_time_budget,
        )
    except TimeoutError:
        outcome.error_kind = "timeout"
        outcome.error = f"refused: decoding took over {settings.crawl.item_time_budget:g} s"
        log.warning("lead image refused url=%s: %s", image_url, outcome.error)
        return outcome
    except ImageRejected as exc:
        outcome.error_kind, outcome.error = exc.kind, str(exc)
        log.warning("lead image refused url=%s kind=%s: %s", image_url, exc.kind, exc)
        return outcome
    await asyncio.to_thread(write_files, settings.media_dir, processed)
    outcome.image_id = await asyncio.to_thread(
        save_image, store, processed, result.final_url or image_url, settings.media.phash_distance
    )
    return outcome


async def fetch_lead_image(
    fetcher: Fetcher, store: Store, settings: Settings, image_url: str
) -> int | None:
    """The id of our copy of ``image_url``, or None when it cannot or must not be re-hosted."""
    return (await fetch_image(fetcher, store, settings, image_url)).image_id

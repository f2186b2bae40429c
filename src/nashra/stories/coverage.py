"""Stories on the portal: the home's top stories, the ticker's one headline per story, and the
other outlets' versions on an article page.

The queries live in :mod:`nashra.stories.queries`; this module only decides what the pages do
with them — in particular what happens on an archive whose news is not recent (the demo archive
is from 2018, with a few outliers years later) or whose articles are not grouped yet (then the
pages fall back to the latest articles, as before stories existed).

The module is the portal's :class:`nashra.web.coverage.Coverage`: the stories feature installs it
on the portal when it mounts (:func:`nashra.stories.web.routes`), so the shell's pages never
import stories.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo
from typing import Any

from nashra.store.queries import Filters
from nashra.store.store import Store
from nashra.stories import queries as story_queries
from nashra.web.coverage import latest_candidates
from nashra.web.editions import EDITIONS, Edition
from nashra.web.present import teaser

# The home's window of news, widened step by step while it holds fewer stories than the home
# shows: 48 hours on a live instance, up to ten years on a dormant archive. Every step is
# relative to the newest story, so one late outlier does not leave the home empty.
TOP_WINDOWS_HOURS = (story_queries.TOP_HOURS, 24 * 7, 24 * 30, 24 * 365, 24 * 3650)


def story_path(story_id: int, edition: Edition | None = None) -> str:
    """Where a story's page lives in an edition (the Arabic one by default)."""
    return (edition or EDITIONS["ar"]).url(f"/story/{story_id}")


def story_teaser(entry: dict[str, Any], edition: Edition, tz: tzinfo) -> dict[str, Any]:
    """A top story as pages show it (``stories/_top_story.html``): the representative's teaser
    with its snippet, the other outlets' versions and the story's page. ``entry`` is one
    ``{"story", "article", "also"}`` of :mod:`nashra.stories.queries`."""
    item = teaser(entry["article"], edition, tz, with_snippet=True)
    item["also"] = [teaser(row, edition, tz) for row in entry["also"]]
    item["story_path"] = story_path(entry["story"]["id"], edition)
    return item


def top_story_rows(store: Store, lang: str | None, limit: int) -> list[dict[str, Any]]:
    """``{"story", "article", "also"}`` for the home, the most widely covered first. The window
    is widened (:data:`TOP_WINDOWS_HOURS`) until it holds ``limit`` stories or no more exist."""
    found: list[dict[str, Any]] = []
    for hours in TOP_WINDOWS_HOURS:
        found = story_queries.top_stories(store, lang=lang, limit=limit, hours=hours)
        if len(found) >= limit:
            break
    return found


def stories_of(store: Store, rows: list[dict[str, Any]]) -> set[int]:
    """The stories ``rows`` belong to (articles not grouped yet belong to none)."""
    return set(story_queries.story_ids(store, [r["pk"] for r in rows]).values())


def one_per_story(
    store: Store, rows: list[dict[str, Any]], seen_stories: set[int], limit: int | None = None
) -> list[dict[str, Any]]:
    """``rows`` (newest first) keeping the first article of each story not in ``seen_stories``
    (the stories kept are added to it), at most ``limit``; articles not assigned to a story yet
    are kept (each is its own story)."""
    return one_per_story_each(store, [rows], seen_stories, limit)[0]


def one_per_story_each(
    store: Store,
    listings: list[list[dict[str, Any]]],
    seen_stories: set[int],
    limit: int | None = None,
) -> list[list[dict[str, Any]]]:
    """:func:`one_per_story` of each listing in turn (a story one listing keeps is skipped by
    the next: the home's sections), the stories of all their rows read at once."""
    ids = story_queries.story_ids(store, [r["pk"] for rows in listings for r in rows])
    out = []
    for rows in listings:
        kept: list[dict[str, Any]] = []
        for row in rows:
            if limit is not None and len(kept) >= limit:
                break
            sid = ids.get(row["pk"])
            if sid is not None:
                if sid in seen_stories:
                    continue
                seen_stories.add(sid)
            kept.append(row)
        out.append(kept)
    return out


def latest_one_per_story(
    store: Store,
    filters: Filters,
    limit: int,
    seen_stories: set[int],
    skip_pks: Collection[int] = (),
) -> list[dict[str, Any]]:
    """The latest articles matching ``filters``, one per story, skipping the stories already
    shown (``seen_stories``, updated) and the articles ``skip_pks``."""
    rows = latest_candidates(store, filters, limit, skip_pks)
    return one_per_story(store, rows, seen_stories, limit)


def ticker_rows(store: Store, lang: str | None, limit: int) -> list[dict[str, Any]]:
    """One headline per story, the stories with the latest news first; topped up with the
    latest articles of stories not listed yet (all of them when nothing is grouped)."""
    rows = story_queries.ticker_stories(store, lang=lang, limit=limit)
    if len(rows) < limit:
        seen = {r["story_id"] for r in rows if r.get("story_id") is not None}
        pks = {r["pk"] for r in rows}
        rows += latest_one_per_story(store, Filters(lang=lang), limit - len(rows), seen, pks)
    return rows


def versions_of(store: Store, pk: int) -> tuple[list[dict[str, Any]], int | None]:
    """The other outlets' versions of article ``pk`` (one per outlet, earliest first) and its
    story id (None when the article is not grouped yet)."""
    story_id = story_queries.story_ids(store, [pk]).get(pk)
    if story_id is None:
        return [], None
    return story_queries.other_versions(store, pk), story_id

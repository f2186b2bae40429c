"""How the shell's pages see stories: the :class:`Coverage` the portal holds.

The home's top stories, the ticker's one headline per story and an article's other versions are
the stories feature's (:mod:`nashra.stories.coverage`), which installs itself on the portal when
it mounts. Until then — a portal built without that feature — every article is its own story:
the pages show the latest articles, as they did before stories existed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo
from typing import Any, Protocol

from nashra.store import queries
from nashra.store.queries import Filters
from nashra.store.store import Store
from nashra.web.editions import Edition

__all__ = ["UNGROUPED", "Coverage", "Ungrouped", "latest_candidates"]


class Coverage(Protocol):
    """What the portal's pages ask of stories (see :mod:`nashra.stories.coverage`)."""

    def top_story_rows(self, store: Store, lang: str | None, limit: int) -> list[dict[str, Any]]:
        """``{"story", "article", "also"}`` for the home, the most widely covered first."""
        ...

    def story_teaser(self, entry: dict[str, Any], edition: Edition, tz: tzinfo) -> dict[str, Any]:
        """A top story as pages show it."""
        ...

    def stories_of(self, store: Store, rows: list[dict[str, Any]]) -> set[int]:
        """The stories ``rows`` belong to."""
        ...

    def one_per_story_each(
        self,
        store: Store,
        listings: list[list[dict[str, Any]]],
        seen_stories: set[int],
        limit: int | None = None,
    ) -> list[list[dict[str, Any]]]:
        """Each listing (newest first) keeping the first article of each story not in
        ``seen_stories`` (the stories kept are added to it, so the next listing skips them),
        at most ``limit`` each; the stories of all their rows read in one look-up."""
        ...

    def latest_one_per_story(
        self,
        store: Store,
        filters: Filters,
        limit: int,
        seen_stories: set[int],
        skip_pks: Collection[int] = (),
    ) -> list[dict[str, Any]]:
        """The latest articles matching ``filters``, one per story."""
        ...

    def ticker_rows(self, store: Store, lang: str | None, limit: int) -> list[dict[str, Any]]:
        """One headline per story, the latest news first."""
        ...

    def versions_of(self, store: Store, pk: int) -> tuple[list[dict[str, Any]], int | None]:
        """The other outlets' versions of article ``pk`` and its story id."""
        ...

    def story_path(self, story_id: int, edition: Edition | None = None) -> str:
        """Where a story's page lives in ``edition``."""
        ...


def latest_candidates(
    store: Store, filters: Filters, limit: int, skip_pks: Collection[int] = ()
) -> list[dict[str, Any]]:
    """The latest articles matching ``filters`` (enough to keep ``limit`` once those of stories
    already shown are dropped), without the articles ``skip_pks``."""
    rows, _ = queries.latest_articles(store, filters, limit=min(200, limit * 3 + 20))
    skip = set(skip_pks)
    return [r for r in rows if r["pk"] not in skip]


class Ungrouped:
    """The coverage of a portal without stories: every article is its own story."""

    def top_story_rows(self, store: Store, lang: str | None, limit: int) -> list[dict[str, Any]]:
        return []

    def story_teaser(self, entry: dict[str, Any], edition: Edition, tz: tzinfo) -> dict[str, Any]:
        raise LookupError("no stories on this portal")

    def stories_of(self, store: Store, rows: list[dict[str, Any]]) -> set[int]:
        return set()

    def one_per_story_each(
        self,
        store: Store,
        listings: list[list[dict[str, Any]]],
        seen_stories: set[int],
        limit: int | None = None,
    ) -> list[list[dict[str, Any]]]:
        return [rows[:limit] for rows in listings]

    def latest_one_per_story(
        self,
        store: Store,
        filters: Filters,
        limit: int,
        seen_stories: set[int],
        skip_pks: Collection[int] = (),
    ) -> list[dict[str, Any]]:
        return latest_candidates(store, filters, limit, skip_pks)[:limit]

    def ticker_rows(self, store: Store, lang: str | None, limit: int) -> list[dict[str, Any]]:
        return self.latest_one_per_story(store, Filters(lang=lang), limit, set())

    def versions_of(self, store: Store, pk: int) -> tuple[list[dict[str, Any]], int | None]:
        return [], None

    def story_path(self, story_id: int, edition: Edition | None = None) -> str:
        raise LookupError("no stories on this portal")


UNGROUPED = Ungrouped()

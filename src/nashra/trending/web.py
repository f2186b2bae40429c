"""The trending strip of the home page and the topic pages (``/topic/{label}`` in every
edition): the stories of the topic's articles, ranked as the home's top stories, then its
articles, newest first. Both find a topic's articles with the search index
(``nashra.search.topics``). The strip reads a week of headlines: it is computed at most once
every :data:`STRIP_SECONDS` per edition, on its own clock — not again each time the archive
changes and the portal's memos are dropped (a crawler changes it every few seconds)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.mynews.choices import MAX_VALUE_CHARS, Choices, ChoicesError
from nashra.mynews.queries import personal_articles
from nashra.search.topics import headline_clause
from nashra.store.queries import CursorError
from nashra.stories.coverage import story_teaser
from nashra.stories.queries import stories_of_articles
from nashra.trending.detect import Topic, trending_topics
from nashra.trending.queries import headlines, outlet_names, window_end
from nashra.web.context import WebContext
from nashra.web.editions import EDITIONS, Edition
from nashra.web.i18n import _, translations
from nashra.web.pages import TOP_STORIES, forward_listing

RECENT_HOURS = 6
BASELINE_DAYS = 7
STRIP_SIZE = 8
STRIP_SECONDS = 600.0  # how long a computed strip is shown
PAGE_SIZE = 20


log = logging.getLogger("nashra.web")

HEADING = _("Trending")
TOPIC_HEADING = _("Topic: %(name)s")


def topic_path(edition: Edition, label: str) -> str:
    return edition.url("/topic/" + quote(label, safe=""))


class Trending:
    def __init__(self, portal: Any, clock: Any = time.monotonic) -> None:
        self.portal = portal
        self.store = portal.store
        self.clock = clock
        self._strips: dict[str, tuple[float, list[Topic]]] = {}  # by edition: (when, topics)
        self._refreshing: dict[str, threading.Thread] = {}  # by edition
        self._lock = threading.Lock()

    def topics(self, edition: Edition) -> list[Topic]:
        """The edition's strip. Older than :data:`STRIP_SECONDS`, it is still shown while a
        thread computes the next one (at five million articles a week of headlines took 0.7 s:
        one home page every ten minutes waited for it); only the first is waited for."""
        now = self.clock()
        with self._lock:
            kept = self._strips.get(edition.code)
            stale = kept is not None and now - kept[0] >= STRIP_SECONDS
            if stale and edition.code not in self._refreshing:
                thread = threading.Thread(
                    target=self._refresh, args=(edition,), name="trending", daemon=True
                )
                self._refreshing[edition.code] = thread
                thread.start()
        if kept is not None:
            return kept[1]
        topics = self.compute(edition)
        with self._lock:
            self._strips[edition.code] = (now, topics)
        return topics

    def _refresh(self, edition: Edition) -> None:
        now = self.clock()
        try:
            topics = self.compute(edition)
        except Exception:  # the strip shown stays, and is tried again in STRIP_SECONDS
            log.exception("trending strip of %s", edition.code)
            with self._lock:
                topics = self._strips[edition.code][1]
        with self._lock:
            self._strips[edition.code] = (now, topics)
            del self._refreshing[edition.code]

    def wait_refreshed(self, timeout: float | None = None) -> None:
        """Wait for the strips being computed (tests, shutdown)."""
        with self._lock:
            threads = list(self._refreshing.values())
        for thread in threads:
            thread.join(timeout)

    def compute(self, edition: Edition) -> list[Topic]:
        """The edition's strip from the headlines of the last week (no memo)."""
        end = window_end(self.store, edition.content_lang)
        if end is None:
            return []
        start = end - timedelta(hours=RECENT_HOURS) - timedelta(days=BASELINE_DAYS)
        rows = headlines(self.store, start, end, edition.content_lang)
        return trending_topics(
            rows,
            end,
            recent_hours=RECENT_HOURS,
            baseline_days=BASELINE_DAYS,
            size=STRIP_SIZE,
            outlet_names=outlet_names(self.store),
        )

    def page_blocks(
        self, template: str, edition: Edition, context: dict[str, Any]
    ) -> dict[str, Any]:
        """The portal's page hook: the strip of trending topics on the home page."""
        if template != "home.html":
            return {}
        return {
            "trending": [
                {"label": t.label, "path": topic_path(edition, t.label)}
                for t in self.topics(edition)
            ]
        }

    def topic(self, request: Request, edition: Edition) -> Response:
        label = " ".join(request.path_params["label"].split())
        try:
            choices = Choices().choose("topic", label, "follow")
        except ChoicesError as exc:
            raise HTTPException(404, f"a topic has 1 to {MAX_VALUE_CHARS} characters") from exc
        cursor = request.query_params.get("cursor")
        try:
            rows, next_cursor = personal_articles(
                self.store, choices, limit=PAGE_SIZE, cursor=cursor
            )
        except CursorError as exc:
            raise HTTPException(400, str(exc)) from exc
        if not rows and not cursor:
            raise HTTPException(404, f"no article about {label[:40]!r}")
        stories = []
        if not cursor:  # the stories head the first page only
            about = headline_clause(self.store.dialect, [label])
            found = stories_of_articles(self.store, about, limit=TOP_STORIES)
            stories = [story_teaser(entry, edition, self.portal.tz) for entry in found]
        listing = forward_listing(
            self.portal, rows, edition, topic_path(edition, label), cursor, next_cursor
        )
        heading = translations(edition.code).gettext(TOPIC_HEADING) % {"name": label}
        return self.portal.render_page(
            edition,
            "trending/topic.html",
            kind="topic",
            stories=stories,
            heading=heading,
            page_title=label,
            listing=listing,
            follow={"kind": "topic", "value": label},
        )

    def routes(self) -> list[BaseRoute]:
        out: list[BaseRoute] = []
        for edition in EDITIONS.values():

            def topic(request: Request, edition: Edition = edition) -> Response:
                return self.topic(request, edition)

            topic.__name__ = f"topic_{edition.code}"
            out.append(Route(edition.url("/topic/{label}"), topic))
        return out


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The topic pages; the trending blocks join the pages (``portal.page_hooks``)."""
    trending = Trending(ctx.portal)
    ctx.portal.page_hooks.append(trending.page_blocks)
    return trending.routes()

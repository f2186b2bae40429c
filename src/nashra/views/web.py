"""The view beacon (``POST /view/{source}/{num}``), the most read block of pages, and
``/api/v1/most-read?hours=24&section=``.

Pages stay cached: the beacon is a request of its own, sent by ``reader.js`` after the page is
shown, and the most read block is computed at most once an hour per edition and section (the
page cache turns over with the hour, see ``nashra.web.app.portal_version``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.config import Settings
from nashra.moderation.identity import client_address
from nashra.sections import SECTIONS
from nashra.store import queries
from nashra.store.store import Store
from nashra.views.counter import ViewCounter
from nashra.views.store import hours_ago, most_read
from nashra.web.api import article_objects
from nashra.web.context import WebContext
from nashra.web.editions import Edition
from nashra.web.jsonapi import ApiError, api_endpoint, ok, parse_limit

BLOCK_SIZE = 8
BLOCK_HOURS = 24
MAX_HOURS = 24 * 7
MAX_NUM_DIGITS = 18
_PK_CACHE = 50_000  # (outlet, number) -> pk of articles viewed lately


class Readership:
    """The view counter of one portal and what shows its counts."""

    def __init__(self, settings: Settings, store: Store, portal: Any) -> None:
        self.store = store
        self.portal = portal
        self.counter = ViewCounter(store, settings.views)
        self.trusted = settings.web.trusted_proxies
        self._pks: dict[tuple[str, int], int | None] = {}

    def _pk(self, source: str, num_text: str) -> int | None:
        if not (num_text.isascii() and num_text.isdigit() and len(num_text) <= MAX_NUM_DIGITS):
            return None
        key = (source, int(num_text))
        if key not in self._pks:
            if len(self._pks) >= _PK_CACHE:
                self._pks.clear()
            row = queries.article_pk(self.store, *key)
            self._pks[key] = row
        return self._pks[key]

    def view(self, request: Request) -> Response:
        pk = self._pk(request.path_params["source"], request.path_params["num"])
        headers = {"Cache-Control": "no-store"}
        if pk is None:
            return Response(status_code=404, headers=headers)
        peer = request.client.host if request.client else ""
        address = client_address(peer, request.headers.get("x-forwarded-for"), self.trusted)
        self.counter.record(pk, address, request.headers.get("user-agent"))
        return Response(status_code=204, headers=headers)

    def block(self, edition: Edition, section: str | None = None) -> list[dict[str, Any]]:
        """The most read teasers of the last 24 hours for a page (computed once an hour)."""
        hour = int(time.time() // 3600)

        def compute() -> list[dict[str, Any]]:
            rows = most_read(
                self.store,
                since=hours_ago(datetime.now(UTC), BLOCK_HOURS),
                section=section,
                lang=edition.content_lang,
                limit=BLOCK_SIZE,
            )
            return self.portal.teasers(rows, edition)

        return self.portal.safe(
            lambda: self.portal.memo(("most_read", edition.code, section, hour), compute), []
        )

    def page_blocks(
        self, template: str, edition: Edition, context: dict[str, Any]
    ) -> dict[str, Any]:
        """The portal's page hook: most read of the last 24 hours on the home and article
        pages, of the section on section pages; the beacon's address on article pages."""
        if template == "home.html":
            return {"most_read": self.block(edition)}
        if template == "article.html":
            a = context["a"]
            return {
                "most_read": self.block(edition),
                "view_beacon": f"/view/{a['source']}/{a['num']}",
            }
        if template == "listing.html" and context.get("kind") == "section":
            return {"most_read": self.block(edition, context.get("section_slug"))}
        return {}

    def api(self, request: Request) -> Response:
        q = request.query_params
        raw = q.get("hours") or str(BLOCK_HOURS)
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_HOURS):
            raise ApiError(
                400, f"hours must be a whole number from 1 to {MAX_HOURS}, got {raw[:20]!r}"
            )
        section = q.get("section") or None
        if section is not None and section not in SECTIONS:
            raise ApiError(
                400, f"unknown section {section[:64]!r}: use one of {', '.join(SECTIONS)}"
            )
        lang = q.get("lang") or None
        if lang is not None and lang not in ("ar", "fr", "en"):
            raise ApiError(400, f"lang must be one of ar, fr, en, got {lang[:10]!r}")
        rows = most_read(
            self.store,
            since=hours_ago(datetime.now(UTC), int(raw)),
            section=section,
            lang=lang,
            limit=parse_limit(q.get("limit")),
        )
        items = article_objects(self.store, rows)
        for item, row in zip(items, rows, strict=True):
            item["views"] = row["views"]
        return ok({"hours": int(raw), "section": section, "items": items})

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/view/{source}/{num}", self.view, methods=["POST"]),
            Route("/api/v1/most-read", api_endpoint(self.portal, lambda portal, r: self.api(r))),
        ]


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The beacon and the API; the most read blocks join the pages (``portal.page_hooks``) and
    the counts not yet written are flushed when the app stops."""
    readership = Readership(ctx.settings, ctx.store, ctx.portal)
    ctx.portal.page_hooks.append(readership.page_blocks)
    ctx.on_shutdown.append(readership.counter.flush)
    ctx.state["view_counter"] = readership.counter
    return readership.routes()

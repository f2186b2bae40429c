"""``/video`` (and ``/fr/video``, ``/en/video``): video articles newest first, by outlet and
section, with their RSS and Atom feeds; and what the article page needs to show a video."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.sections import SECTIONS
from nashra.store import queries
from nashra.store.queries import Filters
from nashra.store.store import Store
from nashra.video.detect import EMBED_ORIGINS
from nashra.video.present import duration_text, player
from nashra.video.store import videos_for
from nashra.web import feeds
from nashra.web.context import WebContext
from nashra.web.editions import EDITIONS, Edition
from nashra.web.i18n import _, translations
from nashra.web.pages import BadRequest, paginate
from nashra.web.present import source_row_name

HEADING = _("In video")


def _filters(portal: Any, request: Request, edition: Edition) -> tuple[Filters, dict[str, str]]:
    q = request.query_params
    source = q.get("source") or None
    section = q.get("section") or None
    if source is not None and queries.get_source(portal.store, source) is None:
        raise BadRequest(f"unknown outlet {source[:64]!r}")
    if section is not None and section not in SECTIONS:
        raise BadRequest(f"unknown section {section[:64]!r}: one of {', '.join(SECTIONS)}")
    chosen = {k: v for k, v in (("source", source), ("section", section)) if v}
    lang = None if source else edition.content_lang
    return Filters(source=source, section=section, lang=lang, video=True), chosen


def video_page(portal: Any, request: Request, edition: Edition) -> Response:
    filters, chosen = _filters(portal, request, edition)
    base = edition.url("/video") + (f"?{urlencode(chosen)}" if chosen else "")
    listing = paginate(portal, request, edition, filters, base)
    found = videos_for(portal.store, [t["pk"] for t in listing.items])
    for item in listing.items:
        video = found.get(item["pk"])
        item["duration"] = duration_text(video.duration) if video else ""
    outlets = [
        {"slug": s["slug"], "name": source_row_name(s, edition.code)}
        for s in queries.list_sources(portal.store)
        if not edition.content_lang or s["lang"] == edition.content_lang
    ]
    heading = translations(edition.code).gettext(HEADING)
    return portal.render_page(
        edition,
        "video/index.html",
        heading=heading,
        page_title=heading,
        listing=listing,
        outlets=outlets,
        chosen=chosen,
        feed_path=edition.url("/video/rss"),
        atom_path=edition.url("/video/atom"),
    )


def article_video(
    store: Store, template: str, edition: Edition, context: dict[str, Any]
) -> dict[str, Any]:
    """The portal's page hook: the player of an article page's video (``None`` without one)."""
    if template != "article.html":
        return {}
    item = context["a"]
    return {"video": player(videos_for(store, [item["pk"]]).get(item["pk"]), item["url"])}


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The video pages and feeds of every edition, and the player on article pages."""
    portal = ctx.portal
    portal.page_hooks.append(functools.partial(article_video, ctx.reader))
    ctx.frame_sources.extend(EMBED_ORIGINS)  # the click-to-play players

    def bind(handler: Any, edition: Edition, name: str) -> Any:
        def endpoint(request: Request) -> Response:
            return handler(portal, request, edition)

        endpoint.__name__ = f"video_{name}_{edition.code}"
        return endpoint

    out: list[BaseRoute] = []
    for edition in EDITIONS.values():
        out += [
            Route(edition.url("/video"), bind(video_page, edition, "page")),
            Route(edition.url("/video/rss"), bind(feeds.video_rss, edition, "rss")),
            Route(edition.url("/video/atom"), bind(feeds.video_atom, edition, "atom")),
        ]
    return out

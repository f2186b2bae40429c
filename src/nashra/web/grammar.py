"""The page grammar of every edition (``/``, ``/fr/``, ``/en/``): home, sections, outlets,
authors, archives, articles, and their RSS/Atom feeds. Mounted last: its ``/{source}/…`` patterns
catch every path the features before it did not take."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.sections import SECTIONS
from nashra.web import feeds, pages
from nashra.web.context import WebContext
from nashra.web.editions import EDITIONS, Edition
from nashra.web.portal import Portal

__all__ = ["edition_routes", "routes"]

PageHandler = Callable[[Portal, Request, Edition], Response]


def _page(portal: Portal, handler: PageHandler, edition: Edition) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        return handler(portal, request, edition)

    endpoint.__name__ = f"{handler.__name__}_{edition.code}"
    return endpoint


def edition_routes(portal: Portal, edition: Edition) -> list[BaseRoute]:
    """The page grammar of one edition. Order matters: fixed words first, outlet slugs last (the
    registry forbids slugs equal to these words)."""
    p = edition.prefix
    r = lambda path, handler: Route(p + path, _page(portal, handler, edition))  # noqa: E731
    routes = [
        r("/", pages.home),
        r("/rss", feeds.home_rss),
        r("/atom", feeds.home_atom),
        r("/outlets", pages.outlets),
        r("/about", pages.about),
        r("/widget", feeds.widget_page),
        r("/widget/box", feeds.widget_box),
        r("/archive/{year:int}/{month:int}/{day:int}", pages.day_archive),
        r("/author/{name}", pages.author),
        r("/author/{name}/rss", feeds.author_rss),
        r("/author/{name}/atom", feeds.author_atom),
    ]
    for slug in SECTIONS:
        routes += [
            r(f"/{slug}", pages.section),
            r(f"/{slug}/rss", feeds.section_rss),
            r(f"/{slug}/atom", feeds.section_atom),
        ]
    routes += [
        r("/{source}", pages.outlet),
        r("/{source}/rss", feeds.outlet_rss),
        r("/{source}/atom", feeds.outlet_atom),
        r("/{source}/{num}", pages.article),
    ]
    return routes


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The grammar of the prefixed editions first (``/fr/…``, ``/en/…``), then the Arabic one at
    the root, whose ``/{source}`` would otherwise take ``/fr`` and ``/en``."""
    out: list[BaseRoute] = []
    for edition in (EDITIONS["fr"], EDITIONS["en"], EDITIONS["ar"]):
        out += edition_routes(ctx.portal, edition)
    return out

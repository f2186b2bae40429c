"""The Starlette application: routes of every edition, the page cache, errors, static files."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select, text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.config import Settings
from nashra.moderation.gone import GoneMiddleware
from nashra.moderation.takedowns import takedown_version
from nashra.observe.metrics import MetricsMiddleware
from nashra.sections import SECTIONS
from nashra.store import queries
from nashra.store.replicas import reading_store
from nashra.store.schema import article_signatures, section_corrections
from nashra.store.store import Store
from nashra.web import api, feeds, pages
from nashra.web.cache import ArchiveWatch, PageCache, PageCacheMiddleware
from nashra.web.editions import EDITIONS, Edition, edition_of_path
from nashra.web.portal import Portal
from nashra.web.security import SecurityHeadersMiddleware

log = logging.getLogger("nashra.web")

IMMUTABLE = "public, max-age=31536000, immutable"

PageHandler = Callable[[Portal, Request, Edition], Response]


def _page(portal: Portal, handler: PageHandler, edition: Edition) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        return handler(portal, request, edition)

    endpoint.__name__ = f"{handler.__name__}_{edition.code}"
    return endpoint


def _api(
    portal: Portal, handler: Callable[[Portal, Request], Response]
) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        try:
            return handler(portal, request)
        except api.ApiError as exc:
            return api.error_response(exc.status, exc.message)

    endpoint.__name__ = f"api_{handler.__name__}"
    return endpoint


def edition_routes(portal: Portal, edition: Edition) -> list[BaseRoute]:
    """The page grammar of one edition (``/``, ``/fr/``, ``/en/``). Order matters: fixed words
    first, outlet slugs last (the registry forbids slugs equal to these words)."""
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


def create_app(
    settings: Settings,
    store: Store | None = None,
    *,
    ready: Callable[[], bool] | None = None,
    clock: Any = None,
) -> Starlette:
    """The portal as an ASGI application; ``store`` defaults to the configured database."""
    owns_store = store is None
    store = store or Store.open(settings.resolved_database_url)
    # Pages, feeds, search and the API read through ``reader`` (the replicas when configured);
    # reports, moderation, sessions and WebSub write through ``store`` (the primary).
    reader, replicas = reading_store(settings, store)
    portal = Portal(settings, reader)

    def static(request: Request) -> Response:
        asset = portal.static.get(request.path_params["name"])
        if asset is None:
            raise HTTPException(404)
        current = request.query_params.get("v") == asset.version
        headers = {
            "Cache-Control": IMMUTABLE if current else "public, max-age=300",
            "ETag": f'"{asset.version}"',
        }
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    def healthz(request: Request) -> Response:
        try:
            with store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            db = True
        except Exception:
            log.exception("health check: database unreachable")
            db = False
        body = json.dumps({"status": "ok" if db else "error", "db": db})
        return Response(body, status_code=200 if db else 503, media_type="application/json",
                        headers={"Cache-Control": "no-store"})  # fmt: skip

    # Feature packages build on the portal (its templates, article objects), so they are
    # imported here rather than at module level, where they would import this module back.
    from nashra import moderation
    from nashra.enrich.web import routes as region_routes
    from nashra.mynews.web import MyNews
    from nashra.observe.metrics import routes as observe_routes
    from nashra.schedule.websub import routes as websub_routes
    from nashra.search.web import routes as search_routes
    from nashra.stories.web import routes as story_routes
    from nashra.trending.web import Trending
    from nashra.video.web import routes as video_routes
    from nashra.views.web import Readership

    readership = Readership(settings, store, portal)
    my_news = MyNews(settings, portal)
    trending = Trending(portal)
    portal.page_hooks += [readership.page_blocks, my_news.page_blocks, trending.page_blocks]

    # Feature routes first: the editions' catch-all /{source}/… patterns come last.
    routes: list[BaseRoute] = [
        *observe_routes(settings, store, ready=ready, replicas=replicas),
        *websub_routes(settings, store, clock=clock),
        *moderation.routes(settings, store),
        *search_routes(settings, reader, portal),
        *region_routes(settings, reader, portal),
        *story_routes(settings, reader, portal),
        *video_routes(portal),
        *readership.routes(_api),
        *my_news.routes(),
        *trending.routes(),
        Route("/healthz", healthz),
        Route("/static/{name}", static),
        Route("/robots.txt", lambda request: feeds.robots(portal, request)),
        Route("/sitemap.xml", lambda request: feeds.sitemap_index(portal, request)),
        Route(
            "/sitemaps/{year:int}-{month:int}-{day:int}.xml",
            lambda request: feeds.sitemap_day(portal, request),
        ),
        Route("/api/v1/articles", _api(portal, api.list_articles)),
        Route("/api/v1/articles/{source}/{num}", _api(portal, api.one_article)),
        Route("/api/v1/sources", _api(portal, api.list_sources)),
        Route("/api/v1/sections", _api(portal, api.list_sections)),
        Route("/api/v1/openapi.json", _api(portal, api.openapi)),
    ]
    for edition in (EDITIONS["fr"], EDITIONS["en"], EDITIONS["ar"]):
        routes += edition_routes(portal, edition)

    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/api/"):
            message = "not found" if exc.status_code == 404 else str(exc.detail)
            return api.error_response(exc.status_code, message)
        if exc.status_code not in (400, 404):
            return PlainTextResponse(
                str(exc.detail), status_code=exc.status_code, headers=exc.headers
            )
        edition = edition_of_path(request.url.path)
        return portal.render_page(
            edition,
            "error.html",
            status=exc.status_code,
            code=exc.status_code,
            detail=exc.detail if exc.status_code == 400 else None,
            query=_search_hint(request),
        )

    def server_error(request: Request, exc: Exception) -> Response:
        log.error("error while serving %s %s", request.method, request.url.path, exc_info=exc)
        edition = edition_of_path(request.url.path)
        if request.url.path.startswith("/api/"):
            return api.error_response(500, "internal error")
        try:
            return portal.render_page(
                edition, "error.html", status=500, code=500, with_chrome=False
            )
        except Exception:
            return PlainTextResponse("500 Internal Server Error", status_code=500)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        readership.counter.flush()  # the views counted since the last batch
        if replicas is not None:
            replicas.dispose()
        if owns_store:
            store.close()

    cache = PageCache(
        max_entries=settings.web.page_cache_entries,
        max_bytes=settings.web.page_cache_mb * 1024 * 1024,
    )
    cache.on_reset.append(portal.clear_memos)
    watch = ArchiveWatch(lambda: portal_version(reader), settings.web.cache_check_seconds)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            # Taken-down articles and outlets answer 410 (issue 19), cached pages included.
            Middleware(GoneMiddleware, store=store, interval=settings.web.cache_check_seconds),
            # Cached pages are answered first and only counted; everything else is timed.
            Middleware(PageCacheMiddleware, cache=cache, watch=watch),
            Middleware(MetricsMiddleware),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.portal = portal
    app.state.page_cache = cache
    app.state.view_counter = readership.counter
    return app


def portal_version(store: Store) -> tuple[Any, ...]:
    """What the cached pages depend on: the archive (``archive_version``), plus what changes a
    page without changing an article — a moderator's section correction, and an article joining
    its story just after it was saved — and takedowns (rows deleted, issue 19). Each part is one
    primary-key step (O(1)), takedowns a handful of rows."""
    with store.engine.connect() as conn:
        extra = conn.execute(
            select(
                select(func.max(section_corrections.c.id)).scalar_subquery(),
                select(func.max(article_signatures.c.article_pk)).scalar_subquery(),
            )
        ).one()
        removed = takedown_version(conn)
    # the hour: blocks that change without the archive (most read) are at most an hour old
    return (*queries.archive_version(store), *extra, *removed, int(time.time() // 3600))


def _search_hint(request: Request) -> str:
    """Words of the unknown path, offered in the 404 page's search box."""
    parts = [p for p in request.url.path.split("/") if p and not p.isdigit() and p not in EDITIONS]
    return " ".join(parts)[:80]


__all__ = ["app_from_env", "create_app"]


def app_from_env() -> Starlette:
    """An app built from the environment's settings, for ``uvicorn --factory`` (several workers
    each build their own): ``uvicorn nashra.web.app:app_from_env --factory --workers 2``."""
    from nashra.config import load_settings

    return create_app(load_settings())

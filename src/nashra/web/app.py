"""The web shell: the Starlette application around the features' routes, with the page cache,
the middleware (security headers, the features' own — takedowns —, metrics) and the error
pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, func, select
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from nashra.config import Settings, load_settings
from nashra.observe.metrics import MetricsMiddleware
from nashra.store import queries
from nashra.store.schema import article_signatures, section_corrections
from nashra.store.store import Store
from nashra.web.cache import ArchiveWatch, PageCache, PageCacheMiddleware
from nashra.web.context import web_context
from nashra.web.editions import EDITIONS, edition_of_path
from nashra.web.features import FEATURES
from nashra.web.jsonapi import error_response
from nashra.web.security import SecurityHeadersMiddleware

log = logging.getLogger("nashra.web")


def create_app(
    settings: Settings,
    store: Store | None = None,
    *,
    ready: Callable[[], bool] | None = None,
    clock: Any = None,
) -> Starlette:
    """The portal as an ASGI application; ``store`` defaults to the configured database.

    The shell holds the portal (templates, editions, translations), the page cache, the
    middleware and the error pages; every route comes from a feature in
    :data:`nashra.web.features.FEATURES`, each given the same :class:`WebContext`."""
    owns_store = store is None
    store = store or Store.open(settings.resolved_database_url)
    # Pages, feeds, search and the API read through ``ctx.reader`` (the replicas when
    # configured); reports, moderation, sessions and WebSub write through ``ctx.store``.
    ctx = web_context(settings, store, ready=ready, clock=clock)
    portal, reader, replicas = ctx.portal, ctx.reader, ctx.replicas
    routes: list[BaseRoute] = [route for feature in FEATURES for route in feature.routes(ctx)]

    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/api/"):
            message = "not found" if exc.status_code == 404 else str(exc.detail)
            return error_response(exc.status_code, message)
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
            return error_response(500, "internal error")
        try:
            return portal.render_page(
                edition, "error.html", status=500, code=500, with_chrome=False
            )
        except Exception:
            return PlainTextResponse("500 Internal Server Error", status_code=500)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        for shutdown in ctx.on_shutdown:  # e.g. the views counted since the last batch
            shutdown()
        if replicas is not None:
            replicas.dispose()
        if owns_store:
            store.close()

    cache = PageCache(
        max_entries=settings.web.page_cache_entries,
        max_bytes=settings.web.page_cache_mb * 1024 * 1024,
    )
    cache.on_reset.append(portal.clear_memos)
    parts = tuple(ctx.version_parts)
    watch = ArchiveWatch(lambda: portal_version(reader, parts), settings.web.cache_check_seconds)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware, frame_sources=ctx.frame_sources),
            # The features' own, cached pages included (taken-down articles answer 410).
            *ctx.middleware,
            # Cached pages are answered first and only counted; everything else is timed.
            Middleware(
                PageCacheMiddleware,
                cache=cache,
                watch=watch,
                quick_gzip_paths=ctx.quick_gzip_paths,
            ),
            Middleware(MetricsMiddleware),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.portal = portal
    app.state.page_cache = cache
    for name, value in ctx.state.items():
        setattr(app.state, name, value)
    return app


def portal_version(
    store: Store, parts: Sequence[Callable[[Connection], tuple[Any, ...]]] = ()
) -> tuple[Any, ...]:
    """What the cached pages depend on: the archive (``archive_version``), plus what changes a
    page without changing an article — a moderator's section correction, and an article joining
    its story just after it was saved — and what the features add (``ctx.version_parts``:
    takedowns, rows deleted, issue 19). Each part is one primary-key step (O(1)), takedowns a
    handful of rows."""
    with store.connect() as conn:
        extra = conn.execute(
            select(
                select(func.max(section_corrections.c.id)).scalar_subquery(),
                select(func.max(article_signatures.c.article_pk)).scalar_subquery(),
            )
        ).one()
        removed = tuple(value for part in parts for value in part(conn))
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
    return create_app(load_settings())

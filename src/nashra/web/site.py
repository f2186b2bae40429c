"""The site's own service routes: ``/healthz``, ``/static/…``, ``/robots.txt`` and sitemaps."""

from __future__ import annotations

import json
import logging

from sqlalchemy import text
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.web import feeds
from nashra.web.cache import IMMUTABLE
from nashra.web.context import WebContext

__all__ = ["routes"]

log = logging.getLogger("nashra.web")


def routes(ctx: WebContext) -> list[BaseRoute]:
    """Health, static files (immutable when asked for at their current version), robots.txt and
    the sitemaps (an index, one file per day)."""
    portal, store = ctx.portal, ctx.store

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
            with store.connect() as conn:
                conn.execute(text("SELECT 1"))
            db = True
        except Exception:
            log.exception("health check: database unreachable")
            db = False
        body = json.dumps({"status": "ok" if db else "error", "db": db})
        return Response(body, status_code=200 if db else 503, media_type="application/json",
                        headers={"Cache-Control": "no-store"})  # fmt: skip

    def robots_txt(request: Request) -> Response:
        return feeds.robots(portal, request)

    def sitemap(request: Request) -> Response:
        return feeds.sitemap_index(portal, request)

    def sitemap_of_day(request: Request) -> Response:
        return feeds.sitemap_day(portal, request)

    return [
        Route("/healthz", healthz),
        Route("/static/{name}", static),
        Route("/robots.txt", robots_txt),
        Route("/sitemap.xml", sitemap),
        Route("/sitemaps/{year:int}-{month:int}-{day:int}.xml", sitemap_of_day),
    ]

"""Our copies of images and the outlets' logos, served from the portal.

* ``GET /media/{sha256}-{full|thumb}.webp`` – our copies, cached for a year (immutable: the name
  is the content); 410 once hidden, 404 when unknown. Never a redirect to the outlet.
* ``GET /media/logo/{slug}.svg`` – the outlet's monogram, shown instead of a missing or hidden
  image.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.media.logo import SLUG_RE, logo_svg
from nashra.media.paths import media_path, parse_media_name
from nashra.moderation.queries import find_image, source_names
from nashra.web.cache import IMMUTABLE
from nashra.web.context import WebContext, bind

__all__ = ["routes"]

_SVG_HEADERS = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


async def media(ctx: WebContext, request: Request) -> Response:
    """One of our copies, unless it is unknown (404) or hidden (410)."""
    parsed = parse_media_name(request.path_params["name"])
    if parsed is None:
        return PlainTextResponse("not found", status_code=404)
    sha, size = parsed
    path = media_path(ctx.settings.media_dir, sha, size)
    image = await run_in_threadpool(find_image, ctx.store, sha)
    if image is None or not path.is_file():
        return PlainTextResponse("not found", status_code=404)
    if image["state"] != "visible":
        return PlainTextResponse(
            "this image was hidden", status_code=410, headers={"Cache-Control": "no-store"}
        )
    return FileResponse(
        path,
        media_type="image/webp",
        headers={"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"},
    )


async def logo(ctx: WebContext, request: Request) -> Response:
    """The outlet's monogram, labelled with its name in its own language."""
    name = request.path_params["name"]
    slug = name[:-4] if name.endswith(".svg") else ""
    if not SLUG_RE.fullmatch(slug):
        return PlainTextResponse("not found", status_code=404)
    names = await run_in_threadpool(source_names, ctx.store, slug)
    if names is None:
        return PlainTextResponse("not found", status_code=404)
    own = names.get(f"name_{names.get('lang') or 'ar'}") or names.get("name_ar") or ""
    label = own or names.get("name_fr") or names.get("name_en") or slug
    return Response(logo_svg(slug, label), media_type="image/svg+xml", headers=_SVG_HEADERS)


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The logo and our copies of images (read from the primary: hiding an image shows at once)."""
    return [
        Route("/media/logo/{name}", bind(logo, ctx)),
        Route("/media/{name}", bind(media, ctx)),
    ]

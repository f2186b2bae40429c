"""The portal's features, in one list: each module exposes ``routes(ctx) -> list[BaseRoute]``.

:func:`nashra.web.app.create_app` mounts them in this order. Order matters where paths overlap:
the features' fixed paths first, the editions' page grammar (``nashra.web.grammar``, whose
``/{source}/…`` patterns catch everything else) last. A new feature is one module with a
``routes(ctx)`` function (see :class:`nashra.web.context.WebContext`) and one line here.
"""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from nashra.enrich import web as regions
from nashra.media import web as media
from nashra.moderation import web as moderation
from nashra.mynews import web as my_news
from nashra.observe import web as observe
from nashra.schedule import websub
from nashra.search import web as search
from nashra.stories import web as stories
from nashra.trending import web as trending
from nashra.video import web as video
from nashra.views import web as readership
from nashra.web import api, grammar, openapi, site
from nashra.web.context import WebContext

__all__ = ["FEATURES", "Feature"]


class Feature(Protocol):
    """A module of the portal: its routes, built from the shell's context."""

    def routes(self, ctx: WebContext) -> list[BaseRoute]: ...


FEATURES: tuple[Feature, ...] = (
    observe,  # /metrics, /readyz
    websub,  # /websub/{feed_id}
    moderation,  # reporting, /admin, the operator's pages
    media,  # /media: our copies of images, outlets' logos
    search,  # /search, /api/v1/search
    regions,  # /city
    stories,  # /story, /api/v1/stories
    video,  # /video
    readership,  # the view beacon, /api/v1/most-read, the most-read blocks
    my_news,  # /my
    trending,  # /topic, the trending blocks
    site,  # /healthz, /static, /robots.txt, sitemaps
    api,  # /api/v1/articles, sources, sections
    openapi,  # /api/v1/openapi.json
    grammar,  # every edition's pages and feeds; its catch-alls come last
)

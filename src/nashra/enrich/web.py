"""Region pages: ``/city`` lists Morocco's regions, ``/city/{region}`` a region's latest news.

Mounted in every edition (``/city``, ``/fr/city``, ``/en/city``). Pages render through the
portal's templates (``web/templates/regions/``, extending ``base.html``); the few words these
pages need are kept here per language, so they read right before the catalogs carry them.
The feature also puts an article's regions (links to these pages) and news agency on its page
(a page hook, :func:`article_blocks`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.enrich.authors import agency_name
from nashra.enrich.gazetteer import REGION_BY_SLUG, REGIONS
from nashra.enrich.labels import writer_filters
from nashra.enrich.queries import enrichment_for, region_articles, region_counts
from nashra.store.queries import CursorError
from nashra.store.store import Store
from nashra.web.context import WebContext
from nashra.web.editions import EDITIONS, Edition
from nashra.web.i18n import _, translations

PAGE_SIZE = 30
_ARABIC = re.compile(r"[\u0600-\u06ff]")


HEADING = _("News by region")
REGION_HEADING = _("Region %(name)s")


@dataclass
class _Listing:
    items: list[dict[str, Any]]
    next_url: str | None = None
    prev_url: str | None = None


def _region_name(slug: str, lang: str) -> str:
    region = REGION_BY_SLUG[slug]
    return region.name_ar if lang == "ar" else region.name_fr


def _places(slug: str, lang: str) -> list[str]:
    """The region's places by name (Arabic spelling on the Arabic edition)."""
    out = []
    for place, spellings in list(REGION_BY_SLUG[slug].places.items())[1:]:
        arabic = [s.lstrip("?") for s in spellings if _ARABIC.search(s)]
        out.append(arabic[0] if lang == "ar" and arabic else place)
    return out


def region_links(regions: list[dict[str, str]], edition: Edition) -> list[dict[str, str]]:
    """Links to the region pages (``/city/{slug}``), named in the edition's language (Arabic
    names on the Arabic edition, French ones on the Latin-script editions)."""
    key = "name_ar" if edition.code == "ar" else "name_fr"
    return [
        {
            "slug": r["slug"],
            "name": r.get(key) or r["slug"],
            "path": edition.url(f"/city/{r['slug']}"),
        }
        for r in regions
    ]


def article_labels(store: Store, pk: int, edition: Edition) -> dict[str, Any]:
    """What the article page shows of its enrichment: ``regions`` (links) and ``agency`` (the
    agency's name for the edition, "" when none)."""
    found = enrichment_for(store, [pk]).get(pk)
    if not found:
        return {"regions": [], "agency": ""}
    code = found.get("agency") or ""
    return {
        "regions": region_links(found.get("regions") or [], edition),
        "agency": agency_name(code, edition.code) if code else "",
    }


def article_blocks(
    store: Store, template: str, edition: Edition, context: dict[str, Any]
) -> dict[str, Any]:
    """The portal's page hook: an article page's regions and agency."""
    if template != "article.html":
        return {}
    return article_labels(store, context["a"]["pk"], edition)


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The region pages of every edition."""
    store, portal = ctx.reader, ctx.portal
    portal.page_hooks.append(functools.partial(article_blocks, store))
    portal.writer_filters = writer_filters  # one author page per writer, whatever the spelling

    def index(request: Request, edition: Edition) -> Response:
        counts = region_counts(store, edition.content_lang)
        items = [
            {
                "slug": r.slug,
                "name": _region_name(r.slug, edition.code),
                "path": edition.url(f"/city/{r.slug}"),
                "count": counts[r.slug],
                "places": _places(r.slug, edition.code),
            }
            for r in REGIONS
        ]
        return portal.render_page(
            edition,
            "regions/index.html",
            regions=items,
            page_title=translations(edition.code).gettext(HEADING),
        )

    def region(request: Request, edition: Edition) -> Response:
        slug = request.path_params["region"]
        if slug not in REGION_BY_SLUG:
            raise HTTPException(404, f"no region {slug!r}")
        cursor = request.query_params.get("cursor")
        try:
            rows, next_cursor = region_articles(
                store, slug, limit=PAGE_SIZE, cursor=cursor, lang=edition.content_lang
            )
        except CursorError as exc:
            raise HTTPException(400, str(exc)) from exc
        base = edition.url(f"/city/{slug}")
        listing = _Listing(portal.teasers(rows, edition))
        if next_cursor:
            listing.next_url = f"{base}?{urlencode({'cursor': next_cursor})}"
        if cursor:
            listing.prev_url = base
        name = _region_name(slug, edition.code)
        return portal.render_page(
            edition,
            "regions/region.html",
            region_slug=slug,
            heading=translations(edition.code).gettext(REGION_HEADING) % {"name": name},
            page_title=name,
            places=_places(slug, edition.code),
            index_path=edition.url("/city"),
            listing=listing,
        )

    def per_edition(handler, edition: Edition):
        def endpoint(request: Request) -> Response:
            return handler(request, edition)

        endpoint.__name__ = f"regions_{handler.__name__}_{edition.code}"
        return endpoint

    out: list[BaseRoute] = []
    for edition in EDITIONS.values():
        out.append(Route(edition.url("/city"), per_edition(index, edition)))
        out.append(Route(edition.url("/city/{region}"), per_edition(region, edition)))
    return out

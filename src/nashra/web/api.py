"""The JSON API (``/api/v1``). Every field a page shows is available here.

Article objects are built by :func:`article_object`, the one place that decides their shape.
Errors, envelopes and the parameters every API route shares are :mod:`nashra.web.jsonapi`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.enrich.queries import enrichment_for
from nashra.media.paths import media_url
from nashra.sections import SECTIONS
from nashra.store import queries
from nashra.store.queries import CursorError, Filters
from nashra.store.store import Store
from nashra.stories.queries import story_ids
from nashra.video.store import video_object, videos_for
from nashra.web.context import WebContext
from nashra.web.editions import article_path
from nashra.web.i18n import LANGUAGES
from nashra.web.jsonapi import ApiError, api_endpoint, ok, parse_flag, parse_limit, parse_when
from nashra.web.portal import Portal
from nashra.web.present import source_name


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def image_object(row: dict[str, Any]) -> dict[str, Any] | None:
    sha = row.get("image_sha256")
    if not sha:
        return None
    visible = row.get("image_state") == "visible"
    return {
        "id": sha,
        "width": row.get("image_width"),
        "height": row.get("image_height"),
        "state": row.get("image_state"),
        "url": media_url(sha, "full") if visible else None,
        "thumb_url": media_url(sha, "thumb") if visible else None,
    }


def article_objects(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """API articles for listing rows, with what lives beside them (originals of copies,
    regions and agency) fetched once for the whole page."""
    pks = [r["pk"] for r in rows]
    originals = queries.article_keys(store, [r["copy_of"] for r in rows if r.get("copy_of")])
    labels = enrichment_for(store, pks)
    stories = story_ids(store, pks)
    for pk, story_id in stories.items():
        labels.setdefault(pk, {})["story_id"] = story_id
    for pk, video in videos_for(store, pks).items():
        labels.setdefault(pk, {})["video"] = video_object(video)
    return [article_object(r, originals, labels.get(r["pk"])) for r in rows]


def article_object(
    row: dict[str, Any],
    originals: dict[int, tuple[str, int, str]],
    labels: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The API's article: a listing row (``body_*`` added when the row has them)."""
    labels = labels or {}
    original = originals.get(row["copy_of"]) if row.get("copy_of") else None
    obj = {
        "source": row["source"],
        "source_name": source_name(row, row.get("lang") or "ar"),
        "id": row["num"],
        "path": article_path(row["source"], row["num"], row.get("lang")),
        "url": row["url"],
        "title": row["title"],
        "summary": row["summary"],
        "published": _iso(row["published"]),
        "updated": _iso(row.get("updated")),
        "author": row["author"] or None,
        "agency": labels.get("agency") or None,
        "lang": row["lang"],
        "section": row["section"],
        "regions": labels.get("regions", []),
        "image": image_object(row),
        "partial": bool(row["partial"]),
        "copy_of": article_path(*original) if original else None,
        "story_id": labels.get("story_id"),
        "video": labels.get("video"),
    }
    if "body_html" in row:
        obj["body_html"] = row["body_html"]
        obj["body_text"] = row["body_text"]
    return obj


def parse_filters(portal: Portal, request: Request) -> Filters:
    q = request.query_params
    source = q.get("source") or None
    if source is not None and queries.get_source(portal.store, source) is None:
        raise ApiError(400, f"unknown source {source[:64]!r}: see /api/v1/sources")
    section = q.get("section") or None
    if section is not None and section not in SECTIONS:
        raise ApiError(400, f"unknown section {section[:64]!r}: use one of {', '.join(SECTIONS)}")
    lang = q.get("lang") or None
    if lang is not None and lang not in LANGUAGES:
        raise ApiError(400, f"lang must be one of {', '.join(LANGUAGES)}, got {lang[:10]!r}")
    return Filters(
        source=source,
        section=section,
        author=q.get("author") or None,
        lang=lang,
        since=parse_when("since", q.get("since")),
        until=parse_when("until", q.get("until")),
        video=parse_flag("video", q.get("video")),
    )


def list_articles(portal: Portal, request: Request) -> Response:
    limit = parse_limit(request.query_params.get("limit"))
    filters = parse_filters(portal, request)
    try:
        rows, next_cursor = queries.latest_articles(
            portal.store, filters, limit=limit, cursor=request.query_params.get("cursor") or None
        )
    except CursorError as exc:
        raise ApiError(400, str(exc)) from exc
    return ok({"items": article_objects(portal.store, rows), "next": next_cursor})


def one_article(portal: Portal, request: Request) -> Response:
    source = request.path_params["source"]
    num = request.path_params["num"]
    if not (num.isascii() and num.isdigit() and len(num) <= 18):
        raise ApiError(404, f"no article {source[:64]}/{num[:32]}: ids are numbers")
    row = queries.get_article(portal.store, source, int(num))
    if row is None:
        raise ApiError(404, f"no article {source[:64]}/{num}")
    return ok(article_objects(portal.store, [row])[0])


def list_sources(portal: Portal, request: Request) -> Response:
    items = [
        {
            "slug": s["slug"],
            "name_ar": s["name_ar"],
            "name_fr": s["name_fr"],
            "name_en": s["name_en"],
            "site_url": s["site_url"],
            "lang": s["lang"],
            "default_section": s["default_section"],
            "path": f"/{s['slug']}",
            "article_count": s["article_count"],
            "latest": _iso(s["latest"]),
        }
        for s in queries.list_sources(portal.store)
    ]
    return ok({"items": items})


def list_sections(portal: Portal, request: Request) -> Response:
    return ok(
        {
            "items": [
                {"slug": slug, "path": f"/{slug}", "names": names}
                for slug, names in SECTIONS.items()
            ]
        }
    )


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The archive's API: articles, one article, outlets and sections (its description:
    ``nashra.web.openapi``)."""
    portal = ctx.portal
    return [
        Route("/api/v1/articles", api_endpoint(portal, list_articles)),
        Route("/api/v1/articles/{source}/{num}", api_endpoint(portal, one_article)),
        Route("/api/v1/sources", api_endpoint(portal, list_sources)),
        Route("/api/v1/sections", api_endpoint(portal, list_sections)),
    ]

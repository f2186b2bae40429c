"""HTTP routes of stories: the story page ``/story/{id}`` (in each edition) and the JSON API
``/api/v1/stories`` and ``/api/v1/stories/{id}``. Mounted by ``nashra.web.app.create_app``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.stories import coverage, queries
from nashra.stories.coverage import story_path
from nashra.web.context import WebContext
from nashra.web.editions import EDITIONS, Edition, article_path

MAX_LIMIT = 100
MAX_ID_DIGITS = 18
MAX_OUTLETS = 10_000  # more outlets than any instance follows; keeps the number SQL-sized


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})  # fmt: skip


def _article_ref(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "pk": row["pk"],
        "source": row["source"],
        "num": row["num"],
        "title": row["title"],
        "url": row["url"],
        "path": article_path(row["source"], row["num"], row.get("lang")),
        "published": _iso(row["published"]),
        "lang": row.get("lang"),
        "copy_of": row.get("near_copy_of") or row.get("copy_of"),
        "story_id": row.get("story_id"),
    }


def story_object(story: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a story (one place decides it)."""
    out = {
        "id": story["id"],
        "title": story["title"],
        "lang": story["lang"],
        "size": story["size"],
        "outlet_count": story["outlet_count"],
        "outlets": story["outlets"],
        "first_published": _iso(story["first_published"]),
        "last_published": _iso(story["last_published"]),
        "merged_into": story["merged_into"],
        "path": story_path(story["id"]),
        "representative": _article_ref(story.get("article")),
    }
    if "articles" in story:
        out["articles"] = [_article_ref(a) for a in story["articles"]]
    return out


def fold_copies(
    rows: list[dict[str, Any]], items: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every version earliest first, each copy (a wire text re-posted) under its original
    instead of beside it: ``[(teaser, [copy teasers])]``. A copy whose original is not in the
    story (or not in the page) stays a version of its own."""
    pks = {row["pk"] for row in rows}
    versions: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    under: dict[int, list[dict[str, Any]]] = {}
    for row, item in zip(rows, items, strict=True):
        original = row.get("near_copy_of") or row.get("copy_of")
        if original is not None and original in pks and original != row["pk"]:
            under.setdefault(original, []).append(item)
    for row, item in zip(rows, items, strict=True):
        original = row.get("near_copy_of") or row.get("copy_of")
        if original is not None and original in pks and original != row["pk"]:
            continue
        versions.append((item, under.get(row["pk"], [])))
    return versions


def _parse_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        raise HTTPException(404)
    return int(raw)


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The stories routes: the API and each edition's story page."""
    store, portal = ctx.reader, ctx.portal
    portal.coverage = coverage  # the home's top stories, the ticker, an article's versions

    def api_list(request: Request) -> Response:
        params = request.query_params
        raw_limit = params.get("limit", "20")
        if (
            not raw_limit.isascii()
            or not raw_limit.isdigit()
            or not 1 <= int(raw_limit) <= MAX_LIMIT
        ):
            return _error(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")  # fmt: skip
        raw_outlets = params.get("min_outlets", "1")
        if (
            not raw_outlets.isascii()
            or not raw_outlets.isdigit()
            or not 1 <= int(raw_outlets) <= MAX_OUTLETS
        ):
            return _error(400, f"min_outlets must be a whole number from 1 to {MAX_OUTLETS}")
        lang = params.get("lang") or None
        if lang is not None and lang not in ("ar", "fr", "en"):
            return _error(400, "lang must be one of ar, fr, en")
        try:
            rows, next_cursor = queries.list_stories(
                store,
                lang=lang,
                min_outlets=int(raw_outlets),
                limit=int(raw_limit),
                cursor=params.get("cursor") or None,
            )
        except queries.StoryCursorError as exc:
            return _error(400, str(exc))
        return JSONResponse({"stories": [story_object(r) for r in rows], "next": next_cursor})

    def api_one(request: Request) -> Response:
        raw = request.path_params["story_id"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
            return _error(404, "not found")
        story = queries.get_story(store, int(raw))
        if story is None:
            return _error(404, "not found")
        if not story["articles"] and story["merged_into"] is None:
            return _error(410, "gone: every article of this story was taken down")
        story["article"] = next(
            (a for a in story["articles"] if a["pk"] == story["representative"]), None
        )
        return JSONResponse(story_object(story))

    def page(edition: Edition):
        def story_page(request: Request) -> Response:
            story_id = _parse_id(request.path_params["story_id"])
            story = queries.get_story(store, story_id)
            if story is None:
                raise HTTPException(404)
            if story["merged_into"] is not None:
                live = queries.resolve_story(store, story_id)
                if live is None:
                    raise HTTPException(404)
                return RedirectResponse(edition.url(f"/story/{live}"), status_code=301)
            if not story["articles"]:  # every version was taken down
                raise HTTPException(410)
            items = portal.teasers(story["articles"], edition, with_snippet=True)
            lead = next(
                (t for t, a in zip(items, story["articles"], strict=True)
                 if a["pk"] == story["representative"]),
                items[0] if items else None,
            )  # fmt: skip
            return portal.render_page(
                edition,
                "stories/story.html",
                page_title=story["title"],
                story=story,
                lead=lead,
                items=items,
                versions=fold_copies(story["articles"], items),
            )

        story_page.__name__ = f"story_page_{edition.code}"
        return story_page

    out: list[BaseRoute] = [
        Route("/api/v1/stories", api_list),
        Route("/api/v1/stories/{story_id}", api_one),
    ]
    for edition in EDITIONS.values():
        out.append(Route(edition.url("/story/{story_id}"), page(edition)))
    return out

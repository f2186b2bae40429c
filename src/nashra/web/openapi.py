"""The OpenAPI 3.1 description of every operation of ``/api/v1``.

Each value a parameter may take comes from the constant the handler checks against (sections,
languages, search modes, report reasons, limits), so the document cannot drift from the code.
It is what ``tests/test_api_fuzz.py`` generates its requests from.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.moderation.reports import REASONS
from nashra.search.engine import MAX_PAGE, MAX_PER_PAGE, MODES, SORTS
from nashra.sections import SECTIONS
from nashra.stories import web as stories_web
from nashra.views.web import BLOCK_HOURS, MAX_HOURS
from nashra.web.context import WebContext
from nashra.web.i18n import LANGUAGES
from nashra.web.jsonapi import DEFAULT_LIMIT, MAX_LIMIT, api_endpoint, ok
from nashra.web.portal import Portal

__all__ = ["openapi_document", "routes"]

JSON = "application/json"
_ERROR = {"$ref": "#/components/schemas/Error"}
_NULLABLE_STR = {"type": ["string", "null"]}
_WHEN = {
    "type": "string",
    "description": "a date (YYYY-MM-DD) or an ISO 8601 date-time, 1900 to 2999",
}


def _query(name: str, schema: dict[str, Any], doc: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": doc}


def _path(name: str, schema: dict[str, Any], doc: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": doc}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, _ERROR)


def _page_of(item: dict[str, Any], key: str = "items", **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {key: {"type": "array", "items": item}, "next": _NULLABLE_STR, **extra},
        "required": [key, "next"],
    }


def _limit(high: int, default: int) -> dict[str, Any]:
    return _query(
        "limit", {"type": "integer", "minimum": 1, "maximum": high, "default": default}, "page size"
    )


def _article_schema(with_body: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "source": {"type": "string", "description": "outlet slug"},
        "source_name": {"type": "string"},
        "id": {"type": "integer", "description": "per-outlet id"},
        "path": {"type": "string", "description": "the article's page on this portal"},
        "url": {"type": "string", "description": "the original article"},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "published": {"type": "string", "format": "date-time"},
        "updated": {"type": ["string", "null"], "format": "date-time"},
        "author": _NULLABLE_STR,
        "lang": {"type": "string", "enum": list(LANGUAGES)},
        "section": _NULLABLE_STR,
        "agency": {**_NULLABLE_STR, "description": "news agency code when the byline names one"},
        "regions": {
            "type": "array",
            "description": "Moroccan regions the article is about, best first",
            "items": {
                "type": "object",
                "properties": {k: {"type": "string"} for k in ("slug", "name_ar", "name_fr")},
            },
        },
        "image": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Image"}]},
        "partial": {"type": "boolean"},
        "copy_of": {**_NULLABLE_STR, "description": "path of the original when this is a copy"},
        "story_id": {
            "type": ["integer", "null"],
            "description": "the story grouping this article with other outlets' versions",
        },
        "video": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Video"}]},
    }
    if with_body:
        props["body_html"] = {"type": "string"}
        props["body_text"] = {"type": "string"}
    return {"type": "object", "properties": props, "required": list(props)}


def _most_read() -> dict[str, Any]:

    counted = {
        "allOf": [
            {"$ref": "#/components/schemas/Article"},
            {"type": "object", "properties": {"views": {"type": "integer", "minimum": 1}}},
        ]
    }
    hours = {"type": "integer", "minimum": 1, "maximum": MAX_HOURS, "default": BLOCK_HOURS}
    return {
        "/api/v1/most-read": {
            "get": {
                "operationId": "mostRead",
                "summary": "The articles read most in the last hours (views counted anonymously)",
                "parameters": [
                    _query("hours", hours, "the window, in hours"),
                    _query("section", {"type": "string", "enum": list(SECTIONS)}, "section"),
                    _query("lang", {"type": "string", "enum": list(LANGUAGES)}, "language"),
                    _limit(MAX_LIMIT, DEFAULT_LIMIT),
                ],
                "responses": {
                    "200": _json(
                        "the most read articles, most read first",
                        {
                            "type": "object",
                            "properties": {
                                "hours": {"type": "integer"},
                                "section": _NULLABLE_STR,
                                "items": {"type": "array", "items": counted},
                            },
                            "required": ["hours", "section", "items"],
                        },
                    ),
                    "400": _error("a parameter that cannot be used"),
                },
            }
        }
    }


def _articles() -> dict[str, Any]:

    article = {"$ref": "#/components/schemas/Article"}
    return {
        "/api/v1/articles": {
            "get": {
                "operationId": "listArticles",
                "summary": "Articles, newest first (cursor pagination)",
                "parameters": [
                    _limit(MAX_LIMIT, DEFAULT_LIMIT),
                    _query("cursor", {"type": "string"}, "the 'next' value of the previous page"),
                    _query("source", {"type": "string"}, "outlet slug (see /api/v1/sources)"),
                    _query("section", {"type": "string", "enum": list(SECTIONS)}, "section"),
                    _query("author", {"type": "string"}, "exact author name"),
                    _query("lang", {"type": "string", "enum": list(LANGUAGES)}, "language"),
                    _query("since", _WHEN, "published at or after"),
                    _query("until", _WHEN, "published before"),
                    _query(
                        "video",
                        {"type": "string", "enum": ["true", "false"]},
                        "only video articles (true), or none of them (false)",
                    ),
                ],
                "responses": {
                    "200": _json("a page of articles", _page_of(article)),
                    "400": _error("a parameter or cursor that cannot be used"),
                },
            }
        },
        "/api/v1/articles/{source}/{id}": {
            "get": {
                "operationId": "getArticle",
                "summary": "One article with its body",
                "parameters": [
                    _path("source", {"type": "string"}, "outlet slug"),
                    _path("id", {"type": "integer", "minimum": 0}, "the outlet's article id"),
                ],
                "responses": {
                    "200": _json("the article", {"$ref": "#/components/schemas/ArticleWithBody"}),
                    "404": _error("no such article"),
                },
            }
        },
        "/api/v1/sources": {
            "get": {
                "operationId": "listSources",
                "summary": "Outlets, with their article counts",
                "responses": {"200": _json("outlets", {"type": "object"})},
            }
        },
        "/api/v1/sections": {
            "get": {
                "operationId": "listSections",
                "summary": "Sections and their names",
                "responses": {"200": _json("sections", {"type": "object"})},
            }
        },
    }


def _search() -> dict[str, Any]:

    hit = {
        "allOf": [
            {"$ref": "#/components/schemas/Article"},
            {
                "type": "object",
                "properties": {
                    "search": {
                        "type": "object",
                        "description": "why it matched: score and highlighted fragments",
                    }
                },
            },
        ]
    }
    page = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
    return {
        "/api/v1/search": {
            "get": {
                "operationId": "search",
                "summary": "Search the archive (topic, writer or region), ranked or by date",
                "parameters": [
                    _query("q", {"type": "string"}, 'words; "a phrase"; prefix*'),
                    _query("mode", {"type": "string", "enum": list(MODES)}, "what q names"),
                    _query("source", {"type": "string"}, "outlet slug"),
                    _query("section", {"type": "string", "enum": list(SECTIONS)}, "section"),
                    _query("lang", {"type": "string", "enum": ["ar", "fr"]}, "language"),
                    _query("region", {"type": "string"}, "region slug"),
                    _query("since", _WHEN, "published at or after"),
                    _query("until", _WHEN, "published before (a date includes its day)"),
                    _query("sort", {"type": "string", "enum": list(SORTS)}, "order"),
                    _query("page", page, "result page"),
                    _query("cursor", page, "the 'next' value of the previous page"),
                    _limit(MAX_PER_PAGE, 20),
                ],
                "responses": {
                    "200": _json(
                        "a page of results",
                        _page_of(
                            hit,
                            total={"type": "integer"},
                            exact_total={"type": "integer"},
                            estimated={"type": "boolean"},
                            page={"type": "integer"},
                            notes={"type": "array", "items": {"type": "object"}},
                        ),
                    ),
                    "400": _error("a parameter that cannot be used"),
                    "503": _error("the search index is unavailable"),
                },
            }
        }
    }


def _stories() -> dict[str, Any]:

    story = {"$ref": "#/components/schemas/Story"}
    return {
        "/api/v1/stories": {
            "get": {
                "operationId": "listStories",
                "summary": "Stories (the same happening across outlets), latest first",
                "parameters": [
                    _limit(stories_web.MAX_LIMIT, 20),
                    _query("cursor", {"type": "string"}, "the 'next' value of the previous page"),
                    _query("lang", {"type": "string", "enum": list(LANGUAGES)}, "language"),
                    _query(
                        "min_outlets",
                        {"type": "integer", "minimum": 1, "maximum": stories_web.MAX_OUTLETS},
                        "covered by at least this many outlets",
                    ),
                ],
                "responses": {
                    "200": _json("a page of stories", _page_of(story, key="stories")),
                    "400": _error("a parameter or cursor that cannot be used"),
                },
            }
        },
        "/api/v1/stories/{story_id}": {
            "get": {
                "operationId": "getStory",
                "summary": "One story with all its versions",
                "parameters": [_path("story_id", {"type": "integer", "minimum": 0}, "story id")],
                "responses": {"200": _json("the story", story), "404": _error("no such story")},
            }
        },
    }


def _images() -> dict[str, Any]:

    ref = _path("ref", {"type": "string"}, "the image's id or SHA-256")
    report = {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "enum": list(REASONS)},
            "lang": {"type": "string", "enum": list(LANGUAGES)},
        },
    }
    outcome = {
        "type": "object",
        "properties": {"status": {"type": "string"}, "message": {"type": "string"}},
    }
    return {
        "/api/v1/images/{ref}": {
            "get": {
                "operationId": "getImage",
                "summary": "A re-hosted image and its moderation state",
                "parameters": [ref],
                "responses": {
                    "200": _json("the image", {"type": "object"}),
                    "404": _error("no such image"),
                },
            }
        },
        "/api/v1/images/{ref}/reports": {
            "post": {
                "operationId": "reportImage",
                "summary": "Report a wrong or offensive image (hidden after several reporters)",
                "parameters": [ref],
                "requestBody": {
                    "required": False,
                    "content": {
                        JSON: {"schema": report},
                        "application/x-www-form-urlencoded": {"schema": report},
                    },
                },
                "responses": {
                    "200": _json("the report was counted", outcome),
                    "403": _json("reporting refused", outcome),
                    "404": _json("no such image", outcome),
                    "429": _json("too many reports from this reader or network", outcome),
                },
            }
        },
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The whole document (built once per process)."""
    paths: dict[str, Any] = {
        **_articles(),
        **_most_read(),
        **_search(),
        **_stories(),
        **_images(),
    }
    story = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "lang": {"type": "string"},
            "size": {"type": "integer"},
            "outlet_count": {"type": "integer"},
            "outlets": {"type": "array", "items": {"type": "string"}},
            "first_published": {"type": ["string", "null"], "format": "date-time"},
            "last_published": {"type": ["string", "null"], "format": "date-time"},
            "merged_into": {"type": ["integer", "null"]},
            "path": {"type": "string"},
            "representative": {"type": ["object", "null"]},
            "articles": {"type": "array", "items": {"type": "object"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Nashra API",
            "version": "1",
            "description": 'Every error is JSON {"error": message} with a 4xx status.',
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Article": _article_schema(False),
                "ArticleWithBody": _article_schema(True),
                "Story": story,
                "Image": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "description": "SHA-256 of the original bytes"},
                        "width": {"type": "integer"},
                        "height": {"type": "integer"},
                        "state": {"type": "string"},
                        "url": {"type": ["string", "null"]},
                        "thumb_url": {"type": ["string", "null"]},
                    },
                },
                "Video": {
                    "type": "object",
                    "description": "the video of a video article (played only on a click)",
                    "properties": {
                        "provider": {
                            "type": "string",
                            "enum": ["youtube", "dailymotion", "vimeo", "file", "source"],
                        },
                        "id": _NULLABLE_STR,
                        "title": _NULLABLE_STR,
                        "duration": {"type": ["integer", "null"], "description": "seconds"},
                        "watch_url": _NULLABLE_STR,
                        "embed_url": {
                            **_NULLABLE_STR,
                            "description": "the provider's privacy-friendly player",
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}},
                    "required": ["error"],
                },
            }
        },
    }


def openapi(portal: Portal, request: Request) -> Response:
    """The OpenAPI 3.1 description of this API."""
    return ok(openapi_document())


def routes(ctx: WebContext) -> list[BaseRoute]:
    """``/api/v1/openapi.json``, after the API's own routes (``nashra.web.api``)."""
    return [Route("/api/v1/openapi.json", api_endpoint(ctx.portal, openapi))]

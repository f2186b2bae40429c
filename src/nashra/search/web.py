"""HTTP edge of search: the bookmarkable page ``GET /search`` (and ``/fr/search``,
``/en/search``) and the JSON API ``GET /api/v1/search``.

Every reader input ends in results or a clear message: parameters out of range give the page (or
JSON) with the reason and status 400; a failure of the index is logged and shown as a message.

A first page of results is served from the portal's :class:`~nashra.search.cache.ResultsCache`
(keyed by the analysed query and filters, dropped when the archive changes), and the first page
of the HTML and the JSON is cacheable, so the portal's page cache answers a popular query again
without rendering it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any, TypeVar
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.memo import Memo
from nashra.search.cache import ResultsCache
from nashra.search.engine import MODES, SearchError, SearchHit, SearchRequest, SearchResults
from nashra.search.messages import message, note_text
from nashra.search.params import request_from_params
from nashra.search.query import CONTENT_LANGS
from nashra.store import queries
from nashra.web.api import article_objects
from nashra.web.cache import PAGE_CACHE_CONTROL
from nashra.web.context import WebContext
from nashra.web.editions import EDITIONS, Edition
from nashra.web.portal import Portal

log = logging.getLogger("nashra.search")

__all__ = ["form_options", "result_items", "routes", "search_api", "search_page"]

_FORM_FIELDS = ("q", "mode", "source", "section", "lang", "region", "since", "until", "sort")
_OPTION_FIELDS = ("mode", "source", "section", "lang", "since", "until", "sort")  # not the words
FORM_OPTIONS_KEPT = 256
V = TypeVar("V")
RESULTS_KEPT = 1000  # rendered result items per edition (about 4 KB each with their key)
ARTICLES_KEPT = 1000  # the API's article objects of results (about 1.5 KB each)


def _outlets(portal: Portal) -> list[dict[str, Any]]:
    """The outlets (for the form and to check ``source``), read once per archive version."""
    return portal.memo("search_outlets", lambda: queries.list_sources(portal.store))


def _outlet_choices(portal: Portal, edition: Edition) -> list[dict[str, str]]:
    """The outlets of the form in the edition's language, by name."""
    return sorted(
        (
            {"slug": s["slug"], "name": s.get(f"name_{edition.code}") or s["name_ar"] or s["slug"]}
            for s in _outlets(portal)
        ),
        key=lambda s: s["name"],
    )


def form_options(portal: Portal, edition: Edition, form: dict[str, str]) -> Markup:
    """The form's modes, filters and sort (``search/_form_options.html``), which depend on
    the choices and not on the words: rendered once per edition and choices (the last
    :data:`FORM_OPTIONS_KEPT`; a memo dropped when the archive changes, as the outlets are
    read from it) instead of once per page."""

    def render(choices: tuple[str, ...]) -> Markup:
        template = portal.envs[edition.code].get_template("search/_form_options.html")
        return Markup(
            template.render(
                ed=edition,
                form=dict(zip(_OPTION_FIELDS, choices, strict=True)),
                modes=MODES,
                langs=CONTENT_LANGS,
                outlets=_outlet_choices(portal, edition),
            )
        )

    kept = portal.memo(
        ("search_form_options", edition.code), lambda: Memo(render, FORM_OPTIONS_KEPT)
    )
    return kept[tuple(form[k] for k in _OPTION_FIELDS)]


def result_items(portal: Portal, edition: Edition, hits: list[SearchHit]) -> list[Markup]:
    """Each hit as the page shows it (``search/_result.html``: the article's teaser with its
    marked title, snippet and byline). A result depends on nothing else, and the same article
    comes back with the same marks in many queries (see ``nashra.search.engine._Marks``), so
    the last :data:`RESULTS_KEPT` are kept per edition (a memo dropped when the archive
    changes) and rendered again only when new."""
    keys = [(h.row["pk"], h.title_html, h.snippet_html, h.author_html) for h in hits]

    def render(new: list[int]) -> list[Markup]:
        template = portal.envs[edition.code].get_template("search/_result.html")
        out = []
        for i, t in zip(new, portal.teasers([hits[i].row for i in new], edition), strict=True):
            t["title_html"] = Markup(hits[i].title_html)
            t["snippet_html"] = Markup(hits[i].snippet_html)
            t["author_html"] = Markup(hits[i].author_html)
            out.append(Markup(template.render(ed=edition, t=t)))
        return out

    kept = portal.memo(("search_results_html", edition.code), dict)
    return _reuse(kept, keys, render, RESULTS_KEPT)


def _reuse(
    kept: dict[Hashable, V], keys: list[Hashable], make: Callable[[list[int]], list[V]], size: int
) -> list[V]:
    """The value of each key, from ``kept`` (a portal memo) or else made — ``make(indices)``
    gives the values of the keys at those indices, all at once — and kept, forgetting all
    when ``kept`` would hold more than ``size``."""
    shown = {key: value for key in keys if (value := kept.get(key)) is not None}
    new = [i for i, key in enumerate(keys) if key not in shown]
    if new:
        made = dict(zip([keys[i] for i in new], make(new), strict=True))
        shown.update(made)
        if len(kept) + len(made) > size:
            kept.clear()
        kept.update(made)
    return [shown[key] for key in keys]


def _request(portal: Portal, params: Any) -> SearchRequest:
    known = {s["slug"] for s in _outlets(portal)}
    return request_from_params(params, known, settings=portal.settings.search)


def results_cache(portal: Portal) -> ResultsCache:
    """The portal's cache of first result pages (a memo: a new one after an archive change)."""
    return portal.memo("search_results", ResultsCache)


def _run(portal: Portal, params: Any) -> tuple[SearchRequest | None, SearchResults | None, str]:
    """The request, its results and an error message ("" when all went well)."""
    try:
        request = _request(portal, params)
    except SearchError as exc:
        return None, None, str(exc)
    try:
        return request, results_cache(portal).search(portal.store, request), ""
    except SearchError as exc:
        return request, None, str(exc)


def _cache_control(request: SearchRequest) -> str:
    return PAGE_CACHE_CONTROL if request.page == 1 else "no-store"


def search_api(portal: Portal, request: Request) -> Response:
    """``{"items": [article objects + highlight], "next": page or null, "total": N, …}``."""
    store = portal.store
    try:
        search_request = _request(portal, request.query_params)
        results = results_cache(portal).search(store, search_request)
    except SearchError as exc:
        return JSONResponse({"error": str(exc)}, 400, headers={"Cache-Control": "no-store"})
    except Exception:
        log.exception("search failed for %r", request.query_params.get("q", "")[:200])
        return JSONResponse(
            {"error": "search is unavailable at the moment"},
            503,
            headers={"Cache-Control": "no-store"},
        )
    objects = _article_objects(portal, [hit.row for hit in results.hits])
    items = []
    for hit, item in zip(results.hits, objects, strict=True):
        item["search"] = {
            "matched": hit.matched,
            "score": round(hit.score, 6),
            "title_html": hit.title_html,
            "snippet_html": hit.snippet_html,
            "author_html": hit.author_html,
        }
        items.append(item)
    payload = {
        "items": items,
        "next": str(results.next_page) if results.next_page else None,
        "total": results.total,
        "exact_total": results.exact_total,
        "estimated": results.estimated,
        "page": search_request.page,
        "notes": [{"code": n, "message": note_text(n, "en")} for n in results.notes],
    }
    return JSONResponse(payload, headers={"Cache-Control": _cache_control(search_request)})


def _article_objects(portal: Portal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API's article objects of result rows (:func:`~nashra.web.api.article_objects`),
    each a copy the caller may add to. They depend on the article alone, and popular articles
    come back in many queries: the last :data:`ARTICLES_KEPT` are kept (a memo dropped when
    the archive changes) and only the others are read (labels, stories, videos)."""
    kept = portal.memo("search_api_articles", dict)
    made = _reuse(
        kept,
        [row["pk"] for row in rows],
        lambda new: article_objects(portal.store, [rows[i] for i in new]),
        ARTICLES_KEPT,
    )
    return [dict(obj) for obj in made]


def _page_url(edition: Edition, params: dict[str, str], page: int) -> str:
    kept = {k: v for k, v in params.items() if k in _FORM_FIELDS and v}
    if page > 1:
        kept["page"] = str(page)
    return edition.url("/search") + ("?" + urlencode(kept) if kept else "")


def search_page(portal: Portal, request: Request, edition: Edition) -> Response:
    params = dict(request.query_params)
    search_request, results, error = None, None, ""
    if params.get("q", "").strip() or params.get("region", "").strip():
        try:
            search_request, results, error = _run(portal, params)
        except Exception:
            log.exception("search failed for %r", params.get("q", "")[:200])
            error = message("none", edition.code)
    items = []
    if results is not None:
        items = [
            {"matched": hit.matched, "html": html}
            for hit, html in zip(
                results.hits, result_items(portal, edition, results.hits), strict=True
            )
        ]
    page = search_request.page if search_request else 1
    pager = {}
    if results is not None:
        if page > 1:
            pager["prev"] = _page_url(edition, params, page - 1)
        if results.next_page:
            pager["next"] = _page_url(edition, params, results.next_page)
    form = {k: params.get(k, "") for k in _FORM_FIELDS}
    return portal.render_page(
        edition,
        "search/results.html",
        status=400 if error and results is None and search_request is None else 200,
        cache=results is not None and not error and page == 1,
        page_title=message("title", edition.code),
        form=form,
        form_options_html=form_options(portal, edition, form),
        results=results,
        items=items,
        error=error,
        notes=[note_text(n, edition.code) for n in (results.notes if results else ())],
        pager=pager,
        page=page,
    )


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The search routes; mount them BEFORE the editions' catch-all ``/{source}`` routes."""
    portal = ctx.portal

    def api_endpoint(request: Request) -> Response:
        return search_api(portal, request)

    out: list[BaseRoute] = [Route("/api/v1/search", api_endpoint, name="api_search")]
    # Most searches are asked once: their pages are not worth the page cache's best gzip.
    ctx.quick_gzip_paths.add("/api/v1/search")
    for edition in EDITIONS.values():

        def page_endpoint(request: Request, edition: Edition = edition) -> Response:
            return search_page(portal, request, edition)

        page_endpoint.__name__ = f"search_{edition.code}"
        out.append(Route(edition.url("/search"), page_endpoint, name=f"search_{edition.code}"))
        ctx.quick_gzip_paths.add(edition.url("/search"))
    return out

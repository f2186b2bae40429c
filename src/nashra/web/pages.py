"""The reader-facing HTML pages. Handlers are plain functions run in Starlette's thread pool
(the store is synchronous); each returns a rendered response or raises ``HTTPException``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from nashra.sections import SECTIONS
from nashra.store import queries
from nashra.store.queries import CursorError, Filters
from nashra.web.editions import Edition
from nashra.web.portal import Portal
from nashra.web.present import format_date_line, image_info, source_row_name, teaser
from nashra.web.related import related_rows

PAGE_SIZE = 20
TOP_STORIES = 6
SECTION_TEASERS = 6
MORE_FROM_OUTLET = 6
MAX_NUM_DIGITS = 18  # ids beyond a signed 64-bit integer cannot exist


class BadRequest(HTTPException):
    """A malformed query a reader can cause (a damaged cursor, a bad date)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


@dataclass
class Listing:
    """One page of a keyset listing with its neighbours' URLs (for rel=prev/next)."""

    items: list[dict[str, Any]]
    next_url: str | None = None
    prev_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def forward_listing(
    portal: Portal,
    rows: list[dict[str, Any]],
    edition: Edition,
    base: str,
    cursor: str | None,
    next_cursor: str | None,
) -> Listing:
    """A listing that only walks forward (``?cursor=``); its first page is the way back."""
    listing = Listing(portal.teasers(rows, edition))
    if next_cursor:
        listing.next_url = f"{base}?{urlencode({'cursor': next_cursor})}"
    if cursor:
        listing.prev_url = base
    return listing


def paginate(
    portal: Portal, request: Request, edition: Edition, filters: Filters, base: str
) -> Listing:
    """Newest first, ``?cursor=`` walks to older items and ``?before=`` back to newer ones."""
    cursor = request.query_params.get("cursor")
    before = request.query_params.get("before")
    store = portal.store
    try:
        if before:
            rows, newer_exist = queries.newer_articles(
                store, filters, limit=PAGE_SIZE, cursor=before
            )
            older_exist = bool(rows)
        else:
            rows, next_cursor = queries.latest_articles(
                store, filters, limit=PAGE_SIZE, cursor=cursor
            )
            older_exist = next_cursor is not None
            newer_exist = False
            if cursor and rows:
                _, newer_exist = queries.newer_articles(
                    store, filters, limit=PAGE_SIZE, cursor=queries.row_cursor(rows[0])
                )
    except CursorError as exc:
        raise BadRequest(str(exc)) from exc
    listing = Listing(portal.teasers(rows, edition))
    sep = "&" if "?" in base else "?"  # a base may carry the listing's own filters
    if rows and older_exist:
        listing.next_url = f"{base}{sep}{urlencode({'cursor': queries.row_cursor(rows[-1])})}"
    if rows and newer_exist:
        listing.prev_url = f"{base}{sep}{urlencode({'before': queries.row_cursor(rows[0])})}"
    elif cursor or before:
        listing.prev_url = base  # the previous page is the first one
    return listing


def home(portal: Portal, request: Request, edition: Edition) -> Response:
    lang = edition.content_lang
    store, coverage = portal.store, portal.coverage
    top: list[dict[str, Any]] = []
    shown_stories: set[int] = set()
    shown_pks: set[int] = set()
    for entry in coverage.top_story_rows(store, lang, TOP_STORIES):
        top.append(coverage.story_teaser(entry, edition, portal.tz))
        shown_stories.add(entry["story"]["id"])
        shown_pks.update(r["pk"] for r in (entry["article"], *entry["also"]))
    if len(top) < TOP_STORIES:
        # no stories yet (or too few): the latest originals, one per story, pictures first
        rows = coverage.latest_one_per_story(
            store, Filters(lang=lang, originals_only=True), 60, set(shown_stories), shown_pks
        )
        with_image = [r for r in rows if image_info(r, "full")]
        chosen = (with_image + [r for r in rows if r not in with_image])[: TOP_STORIES - len(top)]
        top += portal.teasers(chosen, edition, with_snippet=True)
        shown_pks.update(r["pk"] for r in chosen)
        shown_stories.update(coverage.stories_of(store, chosen))
    blocks = []
    # Every section's latest in one statement, and their stories in one more.
    latest = queries.latest_of_each(
        store,
        [Filters(section=slug, lang=lang) for slug in SECTIONS],
        limit=SECTION_TEASERS + TOP_STORIES,
    )
    kept = coverage.one_per_story_each(
        store,
        [[r for r in rows if r["pk"] not in shown_pks] for rows in latest],
        shown_stories,
        SECTION_TEASERS,
    )
    for slug, section_rows in zip(SECTIONS, kept, strict=True):
        if section_rows:
            blocks.append(
                {
                    "slug": slug,
                    "path": edition.url(f"/{slug}"),
                    "teasers": portal.teasers(section_rows, edition),
                }
            )
    return portal.render_page(edition, "home.html", top=top, blocks=blocks)


def article(portal: Portal, request: Request, edition: Edition) -> Response:
    slug = request.path_params["source"]
    num_text = request.path_params["num"]
    if not num_text.isascii() or not num_text.isdigit() or len(num_text) > MAX_NUM_DIGITS:
        raise HTTPException(404)
    row = queries.get_article(portal.store, slug, int(num_text))
    if row is None:
        raise HTTPException(404)
    item = teaser(row, edition, portal.tz)
    item["body_html"] = Markup(row["body_html"] or "")
    if not row["body_html"] and (row["body_text"] or row["summary"]):
        paragraphs = (row["body_text"] or row["summary"]).split("\n")
        item["body_html"] = Markup(
            "".join(f"<p>{Markup.escape(p)}</p>" for p in paragraphs if p.strip())
        )
    item["partial"] = row["partial"]
    original = None
    if row["copy_of"]:
        keys = queries.article_keys(portal.store, [row["copy_of"]])
        if row["copy_of"] in keys:
            source, num, _ = keys[row["copy_of"]]
            original = {
                "path": edition.url(f"/{source}/{num}") if edition.prefix else f"/{source}/{num}"
            }
    more_rows, _ = queries.latest_articles(
        portal.store, Filters(source=slug), limit=MORE_FROM_OUTLET + 1
    )
    more = [t for t in portal.teasers(more_rows, edition) if t["num"] != row["num"]]
    more = more[:MORE_FROM_OUTLET]
    # the same story as other outlets published it; the related list below skips them
    versions, story_id = portal.safe(
        lambda: portal.coverage.versions_of(portal.store, row["pk"]), ([], None)
    )
    shown = [(t["source"], t["num"]) for t in more] + [(v["source"], v["num"]) for v in versions]
    related = portal.safe(
        lambda: related_rows(portal.store, portal.related_pools, row, portal.tz, exclude=shown),
        [],
    )
    return portal.render_page(
        edition,
        "article.html",
        a=item,
        original=original,
        more=more,
        related=portal.teasers(related, edition),
        versions=portal.teasers(versions, edition),
        story_path=portal.coverage.story_path(story_id, edition) if versions and story_id else None,
        section_path=edition.url(f"/{row['section']}") if row["section"] in SECTIONS else None,
        author_path=author_path(edition, item["author"]) if item["author"] else None,
        page_title=item["title"],
    )


def author_path(edition: Edition, name: str) -> str:
    """``/author/{name}`` with spaces as ``+`` and everything else percent-encoded UTF-8."""
    return edition.url(f"/author/{quote_plus(name)}")


def outlet(portal: Portal, request: Request, edition: Edition) -> Response:
    slug = request.path_params["source"]
    source = queries.get_source(portal.store, slug)
    if source is None:
        raise HTTPException(404)
    base = edition.url(f"/{slug}")
    listing = paginate(portal, request, edition, Filters(source=slug), base)
    name = source_row_name(source, edition.code)
    return portal.render_page(
        edition,
        "listing.html",
        kind="outlet",
        source_slug=slug,
        heading=name,
        page_title=name,
        site_url=source["site_url"],
        feed_path=f"{base}/rss",
        atom_path=f"{base}/atom",
        listing=listing,
    )


def section(portal: Portal, request: Request, edition: Edition) -> Response:
    slug = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    base = edition.url(f"/{slug}")
    listing = paginate(
        portal, request, edition, Filters(section=slug, lang=edition.content_lang), base
    )
    name = portal.envs[edition.code].globals["section_name"](slug)
    return portal.render_page(
        edition,
        "listing.html",
        kind="section",
        section_slug=slug,
        heading=name,
        page_title=name,
        feed_path=f"{base}/rss",
        atom_path=f"{base}/atom",
        listing=listing,
    )


def author_name(request: Request) -> str:
    """The author from ``/author/{name}``: ``+`` stands for a space (percent-escapes are decoded
    by the router already)."""
    name = request.path_params["name"].replace("+", " ").strip()
    if not name:
        raise HTTPException(404)
    return name


def author(portal: Portal, request: Request, edition: Edition) -> Response:
    name = author_name(request)
    base = author_path(edition, name)
    listing = paginate(portal, request, edition, portal.writer_filters(portal.store, name), base)
    if not listing.items and not request.query_params:
        raise HTTPException(404)
    return portal.render_page(
        edition,
        "listing.html",
        kind="author",
        heading=name,
        page_title=name,
        feed_path=f"{base}/rss",
        atom_path=f"{base}/atom",
        listing=listing,
    )


def day_archive(portal: Portal, request: Request, edition: Edition) -> Response:
    p = request.path_params
    try:
        day = datetime(int(p["year"]), int(p["month"]), int(p["day"]), tzinfo=portal.tz)
    except ValueError as exc:
        raise HTTPException(404) from exc
    base = edition.url(f"/archive/{day:%Y/%m/%d}")
    filters = Filters(lang=edition.content_lang, since=day, until=day + timedelta(days=1))
    listing = paginate(portal, request, edition, filters, base)
    prev_day = day - timedelta(days=1)
    next_day = day + timedelta(days=1)
    return portal.render_page(
        edition,
        "listing.html",
        kind="day",
        heading=format_date_line(day),
        page_title=f"{day:%d-%m-%Y}",
        listing=listing,
        day_links={
            "prev": edition.url(f"/archive/{prev_day:%Y/%m/%d}"),
            "next": edition.url(f"/archive/{next_day:%Y/%m/%d}"),
        },
    )


def outlets(portal: Portal, request: Request, edition: Edition) -> Response:
    items = []
    for src in queries.list_sources(portal.store):
        if edition.content_lang and src["lang"] != edition.content_lang:
            continue
        items.append(
            {
                "slug": src["slug"],
                "path": edition.url(f"/{src['slug']}"),
                "name": source_row_name(src, edition.code),
                "count": src["article_count"],
                "latest": src["latest"],
                "lang": src["lang"],
            }
        )
    items.sort(key=lambda s: (-s["count"], s["name"]))
    return portal.render_page(edition, "outlets.html", outlets=items)


def about(portal: Portal, request: Request, edition: Edition) -> Response:
    return portal.render_page(edition, "about.html")

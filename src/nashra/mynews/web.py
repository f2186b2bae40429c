"""``/my`` (and ``/fr/my``, ``/en/my``): the reader's own home; ``POST /my/choose`` (the
follow/mute buttons without script); ``/my/rss`` (the signed personal feed) and
``/my/outlets.opml`` (the followed outlets for a feed reader).

The pages built from a reader's choices are never put in the shared page cache
(``Cache-Control: private, no-store``); the signed feed is, since its address says everything.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.config import Settings
from nashra.moderation.identity import derive, instance_secret
from nashra.mynews.choices import COOKIE, Choices, ChoicesError, from_cookie, sign, verify
from nashra.mynews.queries import personal_articles
from nashra.sources.opml import export_opml
from nashra.sources.registry import Registry, Source
from nashra.store import queries
from nashra.store.queries import CursorError
from nashra.web.context import WebContext
from nashra.web.editions import EDITIONS, Edition
from nashra.web.feeds import personal_feed
from nashra.web.i18n import _, translations
from nashra.web.pages import forward_listing
from nashra.web.present import source_row_name

PAGE_SIZE = 20
FEED_SIZE = 30
COOKIE_DAYS = 400


HEADING = _("My news")


class MyNews:
    def __init__(self, settings: Settings, portal: Any) -> None:
        self.portal = portal
        self.store = portal.store
        self.secret = derive(instance_secret(settings), "my-news-feed")

    # -- pages ---------------------------------------------------------------------------

    def _labels(self, choices: Choices, edition: Edition, muted: bool) -> list[dict[str, str]]:
        names = {
            s["slug"]: source_row_name(s, edition.code) for s in queries.list_sources(self.store)
        }
        section_name = self.portal.envs[edition.code].globals["section_name"]
        groups = choices.mute if muted else choices.follow
        out = []
        for kind, values in groups.items():
            for value in values:
                label = names.get(value, value) if kind == "source" else value
                if kind == "section":
                    label = section_name(value)
                out.append({"kind": kind, "value": value, "label": label})
        return out

    def home(self, request: Request, edition: Edition) -> Response:
        choices = from_cookie(request.cookies.get(COOKIE))
        cursor = request.query_params.get("cursor")
        try:
            rows, next_cursor = personal_articles(
                self.store, choices, lang=edition.content_lang, limit=PAGE_SIZE, cursor=cursor
            )
        except CursorError as exc:
            raise HTTPException(400, str(exc)) from exc
        listing = forward_listing(
            self.portal, rows, edition, edition.url("/my"), cursor, next_cursor
        )
        token = choices.token()
        feed_query = urlencode({"c": token, "s": sign(self.secret, token), "lang": edition.code})
        heading = translations(edition.code).gettext(HEADING)
        response = self.portal.render_page(
            edition,
            "mynews/home.html",
            cache=False,
            heading=heading,
            page_title=heading,
            listing=listing,
            choices=bool(choices),
            followed=self._labels(choices, edition, muted=False),
            muted=self._labels(choices, edition, muted=True),
            feed_path=f"/my/rss?{feed_query}" if choices else None,
            atom_path=f"/my/atom?{feed_query}" if choices else None,
            opml_path="/my/outlets.opml" if choices.followed("source") else None,
        )
        response.headers["Cache-Control"] = "private, no-store"
        return response

    async def choose(self, request: Request) -> Response:
        """The follow / mute buttons without script: the cookie changes, back to the page."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        choices = from_cookie(request.cookies.get(COOKIE))
        try:
            choices = choices.choose(
                form.get("kind", ""), form.get("value", ""), form.get("action", "")
            )
        except ChoicesError as exc:
            raise HTTPException(400, str(exc)) from exc
        target = form.get("next") or "/my"
        if not target.startswith("/") or target.startswith("//"):
            target = "/my"
        response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
        response.set_cookie(
            COOKIE, choices.token(), max_age=COOKIE_DAYS * 86400, samesite="lax", httponly=False
        )
        return response

    # -- feeds ---------------------------------------------------------------------------

    def rss(self, request: Request) -> Response:
        return self._feed(request, atom=False)

    def atom(self, request: Request) -> Response:
        return self._feed(request, atom=True)

    def _feed(self, request: Request, *, atom: bool) -> Response:
        q = request.query_params
        try:
            choices = verify(self.secret, q.get("c", ""), q.get("s", ""))
        except ChoicesError as exc:
            raise HTTPException(400, str(exc)) from exc
        lang = q.get("lang") if q.get("lang") in EDITIONS else "ar"
        edition = EDITIONS[lang]
        rows, _ = personal_articles(self.store, choices, lang=edition.content_lang, limit=FEED_SIZE)
        title = translations(edition.code).gettext(HEADING)
        return personal_feed(
            self.portal, request, edition, rows, title, edition.url("/my"), atom=atom
        )

    def opml(self, request: Request) -> Response:
        q = request.query_params
        if q.get("c"):
            try:
                choices = verify(self.secret, q.get("c", ""), q.get("s", ""))
            except ChoicesError as exc:
                raise HTTPException(400, str(exc)) from exc
        else:
            choices = from_cookie(request.cookies.get(COOKIE))
        followed = set(choices.followed("source"))
        base = (self.portal.settings.base_url or str(request.base_url)).rstrip("/")
        sources = [
            Source(
                slug=s["slug"],
                name_ar=s["name_ar"],
                name_fr=s["name_fr"],
                name_en=s["name_en"],
                site_url=s["site_url"],
                lang=s["lang"],
                feeds=[f"{base}/{s['slug']}/rss"],
            )
            for s in queries.list_sources(self.store)
            if s["slug"] in followed
        ]
        body = export_opml(Registry(sources), title=translations("en").gettext(HEADING))
        return Response(
            body,
            media_type="text/x-opml; charset=utf-8",
            headers={
                "Cache-Control": "private, no-store",
                "Content-Disposition": 'attachment; filename="nashra-my-outlets.opml"',
            },
        )

    def page_blocks(
        self, template: str, edition: Edition, context: dict[str, Any]
    ) -> dict[str, Any]:
        """The portal's page hook: the follow / mute buttons of outlet, section, author and
        region pages (their state is drawn by reader.js from the reader's choices)."""
        key = None
        if template == "listing.html":
            kind = context.get("kind")
            if kind == "outlet":
                key = ("source", context.get("source_slug"))
            elif kind == "section":
                key = ("section", context.get("section_slug"))
            elif kind == "author":
                key = ("author", context.get("heading"))
        elif template == "regions/region.html":
            key = ("region", context.get("region_slug"))
        if not key or not key[1]:
            return {}
        return {"follow": {"kind": key[0], "value": key[1], "next": ""}}

    def routes(self) -> list[BaseRoute]:
        out: list[BaseRoute] = []
        for edition in EDITIONS.values():

            def home(request: Request, edition: Edition = edition) -> Response:
                return self.home(request, edition)

            home.__name__ = f"my_home_{edition.code}"
            out.append(Route(edition.url("/my"), home))
        out += [
            Route("/my/choose", self.choose, methods=["POST"]),
            Route("/my/rss", self.rss),
            Route("/my/atom", self.atom),
            Route("/my/outlets.opml", self.opml),
        ]
        return out


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The reader's own edition; its follow buttons join the pages (``portal.page_hooks``)."""
    my_news = MyNews(ctx.settings, ctx.portal)
    ctx.portal.page_hooks.append(my_news.page_blocks)
    return my_news.routes()
